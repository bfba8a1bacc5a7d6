#include "framework/disclosure.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "framework/attribution.h"
#include "framework/chart.h"
#include "framework/export.h"
#include "framework/source_text.h"
#include "framework/text.h"

namespace framework {

std::vector<std::string> Population(const Study& study) {
  std::set<std::string> seen;
  std::vector<std::string> ids;
  for (const Participant& p : study.participants.participants)
    if (seen.insert(p.id).second) ids.push_back(p.id);
  for (const Transcript& t : study.transcripts)
    if (!t.participant.empty() && seen.insert(t.participant).second) ids.push_back(t.participant);
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
  return ids;
}

namespace {

using Key = std::optional<std::string>;

// Orders parts: missing values first, then values in natural order.
bool KeyLess(const Key& a, const Key& b) {
  if (!a || !b) return !a && b;
  return NaturalLess(*a, *b);
}

// One node of SafeFieldCounts: `members` share their first `field` fields.
void Split(const std::vector<std::vector<Key>>& keys, const std::vector<std::size_t>& members,
           std::size_t field, std::size_t fields, std::size_t min_group,
           std::vector<std::size_t>& out) {
  if (field == fields) {
    for (std::size_t r : members) out[r] = field;
    return;
  }
  // The parts by the next field, in order of first appearance (found through a hash of the
  // values, so many distinct values cost no more than few), then in key order.
  std::vector<std::pair<Key, std::vector<std::size_t>>> parts;
  std::unordered_map<std::string_view, std::size_t> part_of;  // value -> its part
  std::size_t missing = std::string::npos;                    // the part without a value
  for (std::size_t r : members) {
    const Key& k = keys[r][field];
    std::size_t& at = k ? part_of.try_emplace(*k, std::string::npos).first->second : missing;
    if (at == std::string::npos) {
      at = parts.size();
      parts.push_back({k, {}});
    }
    parts[at].second.push_back(r);
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return KeyLess(a.first, b.first); });
  std::vector<bool> stop(parts.size(), false);
  std::size_t stopped = 0;
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (parts[i].second.size() < min_group) {
      stop[i] = true;
      stopped += parts[i].second.size();
    }
  // Too few stop here to hide among: the smallest parts that would go on stop too.
  while (stopped > 0 && stopped < min_group) {
    std::size_t pick = parts.size();
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (!stop[i] && (pick == parts.size() || parts[i].second.size() < parts[pick].second.size()))
        pick = i;
    if (pick == parts.size()) break;
    stop[pick] = true;
    stopped += parts[pick].second.size();
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (stop[i])
      for (std::size_t r : parts[i].second) out[r] = field;
    else
      Split(keys, parts[i].second, field + 1, fields, min_group, out);
  }
}

}  // namespace

std::vector<std::size_t> SafeFieldCounts(const std::vector<std::vector<Key>>& keys, int min_group) {
  std::vector<std::size_t> out(keys.size(), 0);
  if (keys.empty()) return out;
  const std::size_t fields = keys.front().size();
  const std::size_t m = static_cast<std::size_t>(std::max(min_group, 1));
  std::vector<std::size_t> all(keys.size());
  for (std::size_t r = 0; r < keys.size(); ++r) all[r] = r;
  if (keys.size() < m) return out;  // too few to show anything about any of them
  Split(keys, all, 0, fields, m, out);
  return out;
}

std::string AttributionPlan::Label(const Study& study, const std::string& participant,
                                   bool allow_id) const {
  auto it = kept.find(participant);
  if (identifying || it == kept.end() || it->second >= fields.size())
    return Attribute(pattern, study, participant, allow_id);
  const std::vector<std::string> names(fields.begin(),
                                       fields.begin() + static_cast<std::ptrdiff_t>(it->second));
  return AttributeKeeping(pattern, study, participant, allow_id, &names);
}

bool AttributionPlan::Coarsened(const std::string& participant) const {
  auto it = kept.find(participant);
  return !identifying && it != kept.end() && it->second < fields.size();
}

namespace {

// The participant's value of attribute `name` as an attribution shows it, or nothing.
Key FieldValue(const Study& study, const std::string& participant, const std::string& name) {
  const int row = study.participants.Find(participant);
  const int column = study.participants.FindAttribute(name);
  if (row < 0 || column < 0) return std::nullopt;
  const auto& values = study.participants.participants[static_cast<std::size_t>(row)].values;
  if (static_cast<std::size_t>(column) >= values.size() ||
      !values[static_cast<std::size_t>(column)])
    return std::nullopt;
  std::string v = CollapseWhitespace(*values[static_cast<std::size_t>(column)]);
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace

AttributionPlan PlanAttribution(const Study& study, const std::vector<std::string>& population,
                                int min_group, bool identifying) {
  AttributionPlan plan;
  plan.pattern = study.framework.attribution;
  plan.identifying = identifying;
  for (const std::string& name : Placeholders(plan.pattern))
    if (name != "id" && study.participants.FindAttribute(name) >= 0) plan.fields.push_back(name);
  if (identifying || plan.fields.empty()) return plan;
  std::vector<std::vector<Key>> keys;
  keys.reserve(population.size());
  for (const std::string& id : population) {
    std::vector<Key> k;
    for (const std::string& name : plan.fields) k.push_back(FieldValue(study, id, name));
    keys.push_back(std::move(k));
  }
  const std::vector<std::size_t> counts = SafeFieldCounts(keys, min_group);
  for (std::size_t i = 0; i < population.size(); ++i) plan.kept[population[i]] = counts[i];
  return plan;
}

std::vector<int> TextHeadings(const std::vector<int>& group, const std::vector<std::string>& label,
                              int other, int min_group) {
  const std::size_t m = static_cast<std::size_t>(std::max(min_group, 1));
  std::vector<int> heading = group;
  // Per attribution, the participants of each group.
  std::map<std::string, std::map<int, std::vector<std::size_t>>> classes;
  for (std::size_t i = 0; i < group.size() && i < label.size(); ++i)
    classes[label[i]][group[i]].push_back(i);
  for (auto& [text, parts] : classes) {
    std::size_t stopped = 0;
    std::set<int> stop;
    for (const auto& [g, members] : parts)
      if (g == other || members.size() < m) {
        stop.insert(g);
        stopped += members.size();
      }
    while (stopped > 0 && stopped < m) {
      int pick = -1;
      for (const auto& [g, members] : parts)
        if (!stop.count(g) && (pick < 0 || members.size() < parts[pick].size())) pick = g;
      if (pick < 0) break;
      stop.insert(pick);
      stopped += parts[pick].size();
    }
    for (int g : stop)
      for (std::size_t i : parts[g]) heading[i] = other;
  }
  return heading;
}

std::map<std::string, std::size_t> ExportAttributeCounts(const Study& study,
                                                         const std::vector<std::string>& population,
                                                         const std::vector<std::string>& labels,
                                                         const std::vector<std::string>& attributes,
                                                         int min_group) {
  std::vector<std::vector<Key>> keys;
  for (std::size_t i = 0; i < population.size(); ++i) {
    std::vector<Key> k{i < labels.size() ? Key(labels[i]) : Key()};
    for (const std::string& name : attributes) k.push_back(FieldValue(study, population[i], name));
    keys.push_back(std::move(k));
  }
  const std::vector<std::size_t> counts = SafeFieldCounts(keys, min_group);
  std::map<std::string, std::size_t> kept;
  for (std::size_t i = 0; i < population.size(); ++i)
    kept[population[i]] = counts[i] > 0 ? counts[i] - 1 : 0;
  return kept;
}

void AttributionWarnings(const Study& study, const std::string& path, const std::string& contents,
                         Diagnostics& out) {
  const int m = std::max(study.framework.min_group, 1);
  const std::vector<std::string> population = Population(study);
  // A study smaller than the minimum (a pilot, a scaffold) has every attribution shortened to
  // the template without its fields; a warning per participant would say only that.
  if (population.size() < static_cast<std::size_t>(m)) return;
  const AttributionPlan plan = PlanAttribution(study, population, m, false);
  if (plan.fields.empty()) return;
  std::map<std::string, std::vector<std::string>> fits;  // full attribution -> participants
  for (const std::string& id : population) fits[Attribute(plan.pattern, study, id)].push_back(id);
  SourceText source(path, contents);
  std::set<std::string> warned;
  for (const Participant& p : study.participants.participants) {
    const std::string full = Attribute(plan.pattern, study, p.id);
    const std::size_t n = fits[full].size();
    if (n >= static_cast<std::size_t>(m) || !warned.insert(full).second) continue;
    const std::string used = plan.Label(study, p.id, false);
    Diagnostic w = source.AtPosition(
        Severity::kWarning, "identifying-attribution", {p.line, p.column},
        "the attribution '" + full + "' fits " + std::to_string(n) +
            (n == 1 ? " participant" : " participants") + ", fewer than min_group " +
            std::to_string(m) + "; quotes, summaries and exports attribute " +
            (n == 1 ? "it" : "them") + " as '" + used + "'",
        "--allow-identifying gives it in full (never in a report); or attribute with fewer "
        "attributes in framework.yaml's 'attribution'");
    w.length = static_cast<int>(CountCodePoints(p.id));
    out.push_back(std::move(w));
  }
}

}  // namespace framework
