// The summary's model: what `Summarise` finds in a study and its charted matrices. The renderers
// (summarise_text.cc, summarise_markdown.cc, summarise_json.cc, summarise_html.cc) turn it into
// output; nothing here writes any.
#include "framework/summarise.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "framework/attribution.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/text.h"
#include "parallel.h"

namespace framework {

std::string_view WithinName(Within within) { return within == Within::kTurn ? "turn" : "segment"; }

std::optional<Within> ParseWithin(std::string_view name) {
  for (Within within : {Within::kSegment, Within::kTurn})
    if (name == WithinName(within)) return within;
  return std::nullopt;
}

int GroupPlan::GroupOf(std::string_view participant) const {
  if (!index.empty() || groups.empty()) {
    auto it = index.find(std::string(participant));
    return it == index.end() ? -1 : it->second;
  }
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (const std::string& id : groups[g].participants)
      if (id == participant) return static_cast<int>(g);
  return -1;
}

GroupPlan PlanGroups(const Study& study, const std::vector<std::string>& participants,
                     int attribute, int min_group) {
  GroupPlan plan;
  plan.min_group = std::max(min_group, 1);
  if (attribute < 0 || static_cast<std::size_t>(attribute) >= study.participants.attributes.size())
    return plan;
  const AttributeDef& def = study.participants.attributes[static_cast<std::size_t>(attribute)];
  plan.attribute = def.name;

  // Groups by value, then ordered: declared category values, numbers by value, other values in
  // natural order, then "(not recorded)".
  std::vector<SummaryGroup> all;
  std::unordered_map<std::string, std::size_t> by_value;  // recorded value -> index in `all`
  std::size_t not_recorded = std::string::npos;
  for (const std::string& id : participants) {
    std::string value = AttributeText(study, id, def.name);
    const bool recorded = !Trim(value).empty();
    std::size_t& at =
        recorded ? by_value.try_emplace(value, std::string::npos).first->second : not_recorded;
    if (at == std::string::npos) {
      SummaryGroup g;
      g.kind = recorded ? SummaryGroup::Kind::kValue : SummaryGroup::Kind::kNotRecorded;
      g.value = recorded ? value : std::string();
      g.label = recorded ? value : std::string("(not recorded)");
      at = all.size();
      all.push_back(std::move(g));
    }
    all[at].participants.push_back(id);
  }
  // Each group's place, worked out once: (rank, number, text).
  using Key = std::tuple<int, double, std::string>;
  std::unordered_map<std::string_view, std::size_t> declared;  // category value -> position
  for (std::size_t i = 0; i < def.values.size(); ++i) declared.try_emplace(def.values[i], i);
  auto key = [&](const SummaryGroup& g) {
    if (g.kind == SummaryGroup::Kind::kNotRecorded) return Key{2, 0, ""};
    if (def.type == AttributeType::kCategory)
      if (auto it = declared.find(g.value); it != declared.end())
        return Key{0, double(it->second), ""};
    if (def.type == AttributeType::kInteger || def.type == AttributeType::kNumber)
      return Key{1, std::strtod(g.value.c_str(), nullptr), g.value};
    return Key{1, 0, g.value};
  };
  std::vector<std::pair<Key, std::size_t>> order;
  order.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) order.emplace_back(key(all[i]), i);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    const Key& ka = a.first;
    const Key& kb = b.first;
    if (std::get<0>(ka) != std::get<0>(kb)) return std::get<0>(ka) < std::get<0>(kb);
    if (std::get<1>(ka) != std::get<1>(kb)) return std::get<1>(ka) < std::get<1>(kb);
    return NaturalLess(std::get<2>(ka), std::get<2>(kb));
  });
  std::vector<SummaryGroup> sorted;
  sorted.reserve(all.size());
  for (const auto& [k, i] : order) sorted.push_back(std::move(all[i]));
  all = std::move(sorted);

  SummaryGroup other;
  other.kind = SummaryGroup::Kind::kOther;
  other.label = "(other)";
  for (SummaryGroup& g : all) {
    if (g.participants.size() >= static_cast<std::size_t>(plan.min_group)) {
      plan.groups.push_back(std::move(g));
    } else {
      other.participants.insert(other.participants.end(), g.participants.begin(),
                                g.participants.end());
    }
  }
  if (!other.participants.empty()) {
    std::sort(other.participants.begin(), other.participants.end(),
              [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
    if (other.participants.size() >= static_cast<std::size_t>(plan.min_group)) {
      plan.merged = true;
      plan.groups.push_back(std::move(other));
    } else {
      // Showing the rest would let the total minus them give the small groups' size, counts
      // and texts: no breakdown by this attribute at all.
      plan.refused = true;
      plan.groups.clear();
    }
  }
  for (std::size_t g = 0; g < plan.groups.size(); ++g)
    for (const std::string& id : plan.groups[g].participants)
      plan.index.try_emplace(id, static_cast<int>(g));  // the first group, as the scan finds
  return plan;
}

TextGrouping GroupTexts(const GroupPlan& plan, const std::vector<std::string>& population,
                        const std::vector<std::string>& labels, bool identifying) {
  TextGrouping out;
  out.headings = plan.groups;
  for (SummaryGroup& g : out.headings) g.participants.clear();
  SummaryGroup extra;
  extra.kind = SummaryGroup::Kind::kOther;
  extra.label = "(other)";
  out.headings.push_back(std::move(extra));
  // Texts moved out of their group go under the plan's own "(other)", else the extra one.
  int other = static_cast<int>(plan.groups.size());
  for (std::size_t g = 0; g < plan.groups.size(); ++g)
    if (plan.groups[g].kind == SummaryGroup::Kind::kOther) other = static_cast<int>(g);
  std::vector<int> groups;
  groups.reserve(population.size());
  for (const std::string& id : population) {
    const int g = plan.GroupOf(id);
    groups.push_back(g >= 0 ? g : other);
  }
  const std::vector<int> headings =
      identifying ? groups : TextHeadings(groups, labels, other, plan.min_group);
  for (std::size_t i = 0; i < population.size(); ++i) {
    out.heading_of.emplace(population[i], headings[i]);
    out.moved |= headings[i] != groups[i] && headings[i] == other;
  }
  return out;
}

int SharePercent(std::size_t count, std::size_t size) {
  if (size == 0) return 0;
  return static_cast<int>((200 * count + size) / (2 * size));
}

std::string ShareWord(std::size_t count, std::size_t size, const ShareWords& words) {
  if (count == 0 || size == 0) return "none";
  if (count >= size) return "all";
  auto at_least = [&](int percent) {
    return 100 * count >= static_cast<std::size_t>(percent) * size;
  };
  if (at_least(words.most)) return "most";
  if (at_least(words.many)) return "many";
  if (at_least(words.some)) return "some";
  return "a few";
}

int ShadeLevel(std::size_t words, std::size_t max_words) {
  if (words == 0 || max_words == 0) return 0;
  const std::size_t level = (4 * words + max_words - 1) / max_words;
  return static_cast<int>(std::clamp<std::size_t>(level, 1, 4));
}

namespace {

const Theme* ThemeOf(const Study& study, const std::string& id) {
  const int t = study.framework.FindTheme(id);
  return t < 0 ? nullptr : &study.framework.themes[static_cast<std::size_t>(t)];
}

std::string LabelOf(const Theme* theme, std::size_t column, const std::string& id) {
  if (theme && column < theme->subthemes.size() && !theme->subthemes[column].label.empty())
    return theme->subthemes[column].label;
  return id;
}

Coverage BuildCoverage(const Study& study, const Matrix& m) {
  Coverage c;
  const Theme* theme = ThemeOf(study, m.theme);
  c.theme = m.theme;
  c.label = theme && !theme->label.empty() ? theme->label : m.theme;
  c.participants = m.participants;
  c.words.assign(m.participants.size(), std::vector<std::size_t>(m.subthemes.size(), 0));
  for (std::size_t col = 0; col < m.subthemes.size(); ++col) {
    CoverageColumn column;
    column.id = m.subthemes[col];
    column.label = LabelOf(theme, col, column.id);
    for (std::size_t row = 0; row < m.participants.size(); ++row) {
      const MatrixCell& cell = m.cells[row][col];
      c.words[row][col] = cell.words;
      c.max_words = std::max(c.max_words, cell.words);
      column.words += cell.words;
      if (cell.has_data())
        ++column.participants;
      else
        column.silent.push_back(m.participants[row]);
    }
    c.columns.push_back(std::move(column));
  }
  // Little data: fewer than half the participants, or under a quarter of the median words.
  std::vector<std::size_t> totals;
  for (const CoverageColumn& col : c.columns) totals.push_back(col.words);
  std::sort(totals.begin(), totals.end());
  std::size_t twice_median = 0;  // twice the median, to stay in integers
  if (!totals.empty()) {
    const std::size_t n = totals.size();
    twice_median = n % 2 ? 2 * totals[n / 2] : totals[n / 2 - 1] + totals[n / 2];
  }
  for (CoverageColumn& col : c.columns)
    col.little_data = 2 * col.participants < c.participants.size() || 8 * col.words < twice_median;
  return c;
}

std::string RefOf(int first, int last) { return LineRef{first, last}.ToString(); }

// Each row's group (index into `plan`'s groups, -1 when not shown), found through `group_of`.
std::vector<int> RowGroups(const Matrix& m, const GroupPlan* plan,
                           const std::unordered_map<std::string, int>& group_of) {
  std::vector<int> rows(m.participants.size(), plan ? -1 : 0);
  if (plan)
    for (std::size_t row = 0; row < m.participants.size(); ++row)
      if (auto it = group_of.find(m.participants[row]); it != group_of.end())
        rows[row] = it->second;
  return rows;
}

// `group_of`: each row's heading (TextHeadings); `label_of`: each participant's attribution.
RangeTheme BuildRange(const Study& study, const Matrix& m, const GroupPlan* plan,
                      const std::vector<int>& group_of,
                      const std::unordered_map<std::string, std::string>& label_of) {
  RangeTheme r;
  const Theme* theme = ThemeOf(study, m.theme);
  r.theme = m.theme;
  r.label = theme && !theme->label.empty() ? theme->label : m.theme;
  const std::string& pattern = study.framework.attribution;
  for (std::size_t col = 0; col < m.subthemes.size(); ++col) {
    RangeColumn column;
    column.id = m.subthemes[col];
    column.label = LabelOf(theme, col, column.id);
    // With --by, one more heading: an "(other)" for texts the plan has in no (other) group.
    const std::size_t group_count = plan ? plan->groups.size() + 1 : 1;
    std::vector<RangeGroup> groups(group_count);
    for (std::size_t g = 0; g < group_count; ++g) {
      groups[g].group = plan ? int(g) : -1;
      if (plan) groups[g].label = g < plan->groups.size() ? plan->groups[g].label : "(other)";
    }
    for (std::size_t row = 0; row < m.participants.size(); ++row) {
      const MatrixCell& cell = m.cells[row][col];
      if (!cell.chart) {
        if (cell.has_data()) ++column.uncharted;
        continue;
      }
      ++column.charted;
      const std::string& id = m.participants[row];
      const int g = group_of[row];
      if (g < 0) {
        ++column.withheld;
        continue;
      }
      RangeEntry e;
      e.participant = id;
      auto label = label_of.find(id);
      e.attribution = label != label_of.end() ? label->second : Attribute(pattern, study, id);
      e.status = cell.chart->status;
      e.stale = cell.stale();
      e.summary = cell.chart->summary;
      e.refs = cell.chart->refs;
      groups[static_cast<std::size_t>(g)].entries.push_back(std::move(e));
    }
    for (RangeGroup& g : groups)
      if (!g.entries.empty()) column.groups.push_back(std::move(g));
    r.columns.push_back(std::move(column));
  }
  return r;
}

// One theme of the group comparison; `group_of` as RowGroups gives it.
CompareTheme BuildCompareTheme(const Study& study, const Matrix& m, const GroupPlan& plan,
                               const std::vector<int>& group_of) {
  CompareTheme t;
  const Theme* theme = ThemeOf(study, m.theme);
  t.theme = m.theme;
  t.label = theme && !theme->label.empty() ? theme->label : m.theme;
  for (std::size_t col = 0; col < m.subthemes.size(); ++col) {
    CompareColumn c;
    c.id = m.subthemes[col];
    c.label = LabelOf(theme, col, c.id);
    c.shares.resize(plan.groups.size());
    for (std::size_t g = 0; g < plan.groups.size(); ++g)
      c.shares[g].size = plan.groups[g].participants.size();
    for (std::size_t row = 0; row < m.participants.size(); ++row)
      if (group_of[row] >= 0 && m.cells[row][col].has_data())
        ++c.shares[static_cast<std::size_t>(group_of[row])].spoke;
    for (std::size_t g = 0; g < c.shares.size(); ++g) {
      const int p = SharePercent(c.shares[g].spoke, c.shares[g].size);
      if (c.highest < 0 || p > SharePercent(c.shares[std::size_t(c.highest)].spoke,
                                            c.shares[std::size_t(c.highest)].size))
        c.highest = int(g);
      if (c.lowest < 0 || p < SharePercent(c.shares[std::size_t(c.lowest)].spoke,
                                           c.shares[std::size_t(c.lowest)].size))
        c.lowest = int(g);
    }
    if (c.shares.size() >= 2) {
      const Share& hi = c.shares[std::size_t(c.highest)];
      const Share& lo = c.shares[std::size_t(c.lowest)];
      c.spread = SharePercent(hi.spoke, hi.size) - SharePercent(lo.spoke, lo.size);
    }
    t.columns.push_back(std::move(c));
  }
  return t;
}

// The sub-themes where the groups differ most, once every theme is in `cmp`.
void RankDifferMost(Comparison& cmp, std::size_t top) {
  for (std::size_t t = 0; t < cmp.themes.size(); ++t)
    for (std::size_t c = 0; c < cmp.themes[t].columns.size(); ++c)
      if (cmp.themes[t].columns[c].spread > 0) cmp.differ_most.push_back({int(t), int(c)});
  std::stable_sort(cmp.differ_most.begin(), cmp.differ_most.end(),
                   [&](const DifferMost& a, const DifferMost& b) {
                     return cmp.themes[std::size_t(a.theme)].columns[std::size_t(a.column)].spread >
                            cmp.themes[std::size_t(b.theme)].columns[std::size_t(b.column)].spread;
                   });
  if (cmp.differ_most.size() > top) cmp.differ_most.resize(top);
}

// Co-occurrence of the columns of `themes` (indexes into the framework's themes). Needs each
// transcript's segments, not its text.
Cooccurrence BuildCooccurrence(const Study& study, const std::vector<int>& themes, Within within,
                               std::size_t top) {
  Cooccurrence co;
  co.within = within;
  std::map<std::pair<int, int>, int> index;  // (theme, subtheme) -> code index
  for (const int t : themes) {
    const Theme& theme = study.framework.themes[static_cast<std::size_t>(t)];
    for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
      index[{t, int(s)}] = int(co.codes.size());
      co.codes.push_back(theme.id + "." + theme.subthemes[s].id);
      co.labels.push_back(LabelOf(&theme, s, theme.subthemes[s].id));
    }
  }
  const std::size_t n = co.codes.size();
  co.totals.assign(n, 0);
  co.counts.assign(n, std::vector<std::size_t>(n, 0));
  // Participants per pair, counted once each: the transcripts are read grouped by participant
  // (a participant may have more than one), so a pair counts a participant when it last
  // counted another.
  std::vector<std::vector<std::size_t>> people(n, std::vector<std::size_t>(n, 0));
  std::vector<std::vector<int>> last(n, std::vector<int>(n, -1));
  std::unordered_map<std::string_view, int> person;
  std::vector<std::pair<int, std::size_t>> order;  // (participant, transcript)
  order.reserve(study.transcripts.size());
  for (std::size_t i = 0; i < study.transcripts.size(); ++i) {
    auto [it, added] =
        person.emplace(study.transcripts[i].participant, static_cast<int>(person.size()));
    order.emplace_back(it->second, i);
  }
  std::sort(order.begin(), order.end());
  auto code_of = [&](const Segment& s) {
    if (!s.target.valid() || s.target.subtheme < 0) return -1;
    auto it = index.find({s.target.theme, s.target.subtheme});
    return it == index.end() ? -1 : it->second;
  };
  auto add = [&](int a, int b, int who) {
    if (a == b || a < 0 || b < 0) return;
    if (a > b) std::swap(a, b);
    ++co.counts[std::size_t(a)][std::size_t(b)];
    ++co.counts[std::size_t(b)][std::size_t(a)];
    int& seen = last[std::size_t(a)][std::size_t(b)];
    if (seen != who) {
      seen = who;
      ++people[std::size_t(a)][std::size_t(b)];
    }
  };
  std::vector<int> codes;                    // each segment's code
  std::vector<std::pair<int, int>> in_turn;  // (turn, code) of the segments
  for (const auto& [who, i] : order) {
    const std::vector<Segment>& segs = study.transcripts[i].segments;
    codes.clear();
    for (const Segment& s : segs) codes.push_back(code_of(s));
    if (within == Within::kSegment) {
      // Segments are in order of their opening tags, so text_begin never decreases.
      for (std::size_t k = 0; k < segs.size(); ++k) {
        const int a = codes[k];
        if (a < 0) continue;
        ++co.totals[std::size_t(a)];
        for (std::size_t j = k + 1; j < segs.size() && segs[j].text_begin < segs[k].text_end; ++j)
          add(a, codes[j], who);
      }
    } else {
      // Each turn's codes, once each, turns and codes ascending.
      in_turn.clear();
      for (std::size_t k = 0; k < segs.size(); ++k)
        if (codes[k] >= 0) in_turn.emplace_back(segs[k].turn, codes[k]);
      std::sort(in_turn.begin(), in_turn.end());
      in_turn.erase(std::unique(in_turn.begin(), in_turn.end()), in_turn.end());
      for (std::size_t k = 0; k < in_turn.size();) {
        std::size_t end = k;
        while (end < in_turn.size() && in_turn[end].first == in_turn[k].first) ++end;
        for (std::size_t x = k; x < end; ++x) {
          ++co.totals[std::size_t(in_turn[x].second)];
          for (std::size_t y = x + 1; y < end; ++y) add(in_turn[x].second, in_turn[y].second, who);
        }
        k = end;
      }
    }
  }
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b)
      if (co.counts[a][b] > 0) co.pairs.push_back({int(a), int(b), co.counts[a][b], people[a][b]});
  std::stable_sort(co.pairs.begin(), co.pairs.end(),
                   [](const CooccurrencePair& x, const CooccurrencePair& y) {
                     if (x.count != y.count) return x.count > y.count;
                     return x.participants > y.participants;
                   });
  if (co.pairs.size() > top) co.pairs.resize(top);
  return co;
}

// One theme of `participant`'s case view.
CaseTheme BuildCaseTheme(const Study& study, const Matrix& m, const std::string& participant) {
  CaseTheme t;
  const Theme* theme = ThemeOf(study, m.theme);
  t.theme = m.theme;
  t.label = theme && !theme->label.empty() ? theme->label : m.theme;
  const int row = m.Row(participant);
  for (std::size_t col = 0; col < m.subthemes.size(); ++col) {
    CaseCell c;
    c.id = m.subthemes[col];
    c.label = LabelOf(theme, col, c.id);
    if (row >= 0) {
      const MatrixCell& cell = m.cells[static_cast<std::size_t>(row)][col];
      c.segments = cell.segments.size();
      c.words = cell.words;
      for (const CellSegment& s : cell.segments)
        c.excerpt_refs.push_back(RefOf(s.line_start, s.line_end));
      c.chart = cell.chart;
      c.stale = cell.stale();
    }
    t.cells.push_back(std::move(c));
  }
  return t;
}

// Builds a report from one matrix at a time, so that only one need be held: Begin with the
// population, Add each matrix in the order of `options.themes`, then End.
class ReportBuilder {
 public:
  ReportBuilder(const Study& study, const SummariseOptions& options) : study_(study) {
    report_.title = study.framework.title;
    report_.options = options;
    report_.options.min_group = std::max(options.min_group, 1);
    report_.share_words = study.framework.share_words;
  }

  // `rows`: the rows of the matrices, each matrix's in turn (repeats are dropped).
  void Begin(const std::vector<const std::vector<std::string>*>& rows) {
    SummaryReport& r = report_;
    std::vector<std::string> population;
    std::unordered_set<std::string_view> seen;
    for (const std::vector<std::string>* ids : rows)
      for (const std::string& id : *ids)
        if (seen.insert(id).second) population.push_back(id);
    std::sort(population.begin(), population.end(),
              [](const std::string& a, const std::string& b) { return NaturalLess(a, b); });
    r.population = population.size();
    // One attribution per participant, the same in every view and output (disclosure.h).
    attribution_ =
        PlanAttribution(study_, population, r.options.min_group, r.options.allow_identifying);
    bool coarsened = false;
    for (const std::string& id : population) {
      label_of_.emplace(id, attribution_.Label(study_, id, false));
      coarsened |= attribution_.Coarsened(id);
    }

    if (!r.options.participant.empty()) {
      r.options.coverage = r.options.range = r.options.compare = r.options.cooccurrence = false;
      CaseView& v = r.case_view.emplace();
      v.participant = r.options.participant;
      auto label = label_of_.find(v.participant);
      v.attribution = label != label_of_.end()
                          ? label->second
                          : Attribute(study_.framework.attribution, study_, v.participant);
      v.has_transcript = study_.FindTranscript(v.participant) >= 0;
      return;
    }
    if (r.options.by >= 0) {
      r.plan = PlanGroups(study_, population, r.options.by, r.options.min_group);
      const GroupPlan& plan = *r.plan;
      const std::string n = std::to_string(plan.min_group);
      if (plan.refused) {
        // Nothing about the rest may be shown: not even the views without groups, which
        // would be set beside this run's.
        r.notes.push_back("no breakdown by " + plan.attribute + ": its groups with fewer than " +
                          n + " participants are, even together, fewer than " + n +
                          ", so no group of it can be shown without giving them away");
        r.options.coverage = r.options.range = r.options.compare = r.options.cooccurrence = false;
        return;
      }
      if (plan.merged)
        r.notes.push_back("groups of " + plan.attribute + " with fewer than " + n +
                          " participants are merged into (other), so none is shown on its "
                          "own");
      // Texts: under their group only where their attribution is shared there by enough.
      std::vector<std::string> labels;
      labels.reserve(population.size());
      for (const std::string& id : population) labels.push_back(label_of_[id]);
      TextGrouping texts = GroupTexts(plan, population, labels, r.options.allow_identifying);
      heading_of_ = std::move(texts.heading_of);
      if (texts.moved && r.options.range)
        r.notes.push_back("in the range of views, summaries whose attribution fewer than " + n +
                          " participants of their group share are shown under (other)");
      if (r.options.compare) r.comparison.emplace();
    } else {
      r.options.compare = false;
    }
    if (coarsened && (r.options.range || r.case_view))
      r.notes.push_back("attributions that fit fewer than " + std::to_string(r.options.min_group) +
                        " participants are shortened until they fit that many");
  }

  // What Add adds for one matrix, worked out without changing the builder: matrices may be
  // worked out on several threads at once, then added in order.
  struct Part {
    std::optional<CaseTheme> case_theme;
    std::optional<Coverage> coverage;
    std::optional<RangeTheme> range;
    std::optional<CompareTheme> compare;
    int theme = -1;
  };

  Part Build(const Matrix& m) const {
    const SummaryReport& r = report_;
    Part part;
    if (r.case_view) {
      part.case_theme = BuildCaseTheme(study_, m, r.case_view->participant);
      return part;
    }
    const GroupPlan* plan = r.plan ? &*r.plan : nullptr;
    const std::vector<int> groups = RowGroups(m, plan, plan ? plan->index : heading_of_);
    if (r.options.coverage) part.coverage = BuildCoverage(study_, m);
    if (r.options.range)
      part.range = BuildRange(study_, m, plan, RowGroups(m, plan, heading_of_), label_of_);
    if (r.comparison) part.compare = BuildCompareTheme(study_, m, *plan, groups);
    part.theme = study_.framework.FindTheme(m.theme);
    return part;
  }

  void Add(Part&& part) {
    SummaryReport& r = report_;
    if (r.case_view) {
      r.case_view->themes.push_back(std::move(*part.case_theme));
      return;
    }
    if (part.coverage) r.coverage.push_back(std::move(*part.coverage));
    if (part.range) r.range.push_back(std::move(*part.range));
    if (part.compare) r.comparison->themes.push_back(std::move(*part.compare));
    if (part.theme >= 0) themes_.push_back(part.theme);
  }

  void Add(const Matrix& m) { Add(Build(m)); }

  SummaryReport End() {
    SummaryReport& r = report_;
    if (r.comparison) RankDifferMost(*r.comparison, r.options.top);
    if (r.options.cooccurrence)
      r.cooccurrence = BuildCooccurrence(study_, themes_, r.options.within, r.options.top);
    return std::move(report_);
  }

 private:
  const Study& study_;
  SummaryReport report_;
  std::unordered_map<std::string, int> heading_of_;        // participant -> heading of their texts
  std::unordered_map<std::string, std::string> label_of_;  // participant -> attribution
  AttributionPlan attribution_;
  std::vector<int> themes_;  // of the matrices added, for co-occurrence
};

}  // namespace

SummaryReport Summarise(const Study& study, const std::vector<Matrix>& matrices,
                        const SummariseOptions& options) {
  ReportBuilder builder(study, options);
  std::vector<const std::vector<std::string>*> rows;
  for (const Matrix& m : matrices) rows.push_back(&m.participants);
  builder.Begin(rows);
  for (const Matrix& m : matrices) builder.Add(m);
  return builder.End();
}

LoadOptions SummariseLoadOptions() {
  LoadOptions load;
  load.keep_text = false;
  load.keep_segments = true;
  load.count_words = true;
  return load;
}

// The most cells a matrix may have for Summarise to build several at once.
constexpr std::size_t kParallelMatrixCells = 200000;

SummaryReport Summarise(const Study& study, const SummariseOptions& options) {
  ReportBuilder builder(study, options);
  std::vector<int> themes;
  for (const int theme : options.themes)
    if (theme >= 0 && static_cast<std::size_t>(theme) < study.framework.themes.size())
      themes.push_back(theme);
  if (themes.empty()) {
    builder.Begin({});
    return builder.End();
  }
  // A wave of themes at a time, a matrix a thread: the matrices built, then (the first giving
  // the population: every matrix has the same rows, the declared participants and those with a
  // transcript) their parts of the report, added in order, and the matrices dropped.
  // More than one matrix at a time only while a matrix is small (the rows, declared
  // participants and transcripts, by the sub-themes): a study of 200,000 participants holds one.
  std::size_t subthemes = 0;
  for (const int theme : themes)
    subthemes = std::max(subthemes,
                         study.framework.themes[static_cast<std::size_t>(theme)].subthemes.size());
  const std::size_t cells =
      (study.participants.participants.size() + study.transcripts.size()) * subthemes;
  const unsigned jobs = cells <= kParallelMatrixCells ? ResolveJobs(options.jobs) : 1;
  for (std::size_t begin = 0; begin < themes.size(); begin += jobs) {
    const std::size_t end = std::min(themes.size(), begin + jobs);
    std::vector<Matrix> matrices(end - begin);
    ParallelFor(matrices.size(), jobs, [&](std::size_t i) {
      matrices[i] = std::move(ChartedMatrices(study, {themes[begin + i]}).front());
    });
    if (begin == 0) builder.Begin({&matrices.front().participants});
    std::vector<ReportBuilder::Part> parts(matrices.size());
    ParallelFor(parts.size(), jobs, [&](std::size_t i) {
      parts[i] = builder.Build(matrices[i]);
      matrices[i] = Matrix();
    });
    for (ReportBuilder::Part& part : parts) builder.Add(std::move(part));
  }
  return builder.End();
}

}  // namespace framework
