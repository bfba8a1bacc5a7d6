#include "framework/summarise.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "framework/attribution.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/html.h"
#include "framework/markdown.h"
#include "framework/table.h"
#include "framework/text.h"
#include "json_layout.h"

namespace framework {

std::string_view WithinName(Within within) { return within == Within::kTurn ? "turn" : "segment"; }

int GroupPlan::GroupOf(std::string_view participant) const {
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
  for (const std::string& id : participants) {
    std::string value = AttributeText(study, id, def.name);
    const bool recorded = !Trim(value).empty();
    const SummaryGroup::Kind kind =
        recorded ? SummaryGroup::Kind::kValue : SummaryGroup::Kind::kNotRecorded;
    auto it = std::find_if(all.begin(), all.end(), [&](const SummaryGroup& g) {
      return g.kind == kind && (!recorded || g.value == value);
    });
    if (it == all.end()) {
      SummaryGroup g;
      g.kind = kind;
      g.value = recorded ? value : std::string();
      g.label = recorded ? value : std::string("(not recorded)");
      all.push_back(std::move(g));
      it = all.end() - 1;
    }
    it->participants.push_back(id);
  }
  auto key = [&](const SummaryGroup& g) {
    using Key = std::tuple<int, double, std::string>;
    if (g.kind == SummaryGroup::Kind::kNotRecorded) return Key{2, 0, ""};
    if (def.type == AttributeType::kCategory) {
      auto it = std::find(def.values.begin(), def.values.end(), g.value);
      if (it != def.values.end()) return Key{0, double(it - def.values.begin()), ""};
    }
    if (def.type == AttributeType::kInteger || def.type == AttributeType::kNumber)
      return Key{1, std::strtod(g.value.c_str(), nullptr), g.value};
    return Key{1, 0, g.value};
  };
  std::stable_sort(all.begin(), all.end(), [&](const SummaryGroup& a, const SummaryGroup& b) {
    auto ka = key(a), kb = key(b);
    if (std::get<0>(ka) != std::get<0>(kb)) return std::get<0>(ka) < std::get<0>(kb);
    if (std::get<1>(ka) != std::get<1>(kb)) return std::get<1>(ka) < std::get<1>(kb);
    return NaturalLess(std::get<2>(ka), std::get<2>(kb));
  });

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
  return plan;
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
      for (std::size_t g = 0; g < plan.groups.size(); ++g)
        for (const std::string& id : plan.groups[g].participants)
          group_of_.emplace(id, static_cast<int>(g));  // the first group, as GroupOf finds
      // Texts: under their group only where their attribution is shared there by enough.
      int other = static_cast<int>(plan.groups.size());
      for (std::size_t g = 0; g < plan.groups.size(); ++g)
        if (plan.groups[g].kind == SummaryGroup::Kind::kOther) other = static_cast<int>(g);
      std::vector<int> groups;
      std::vector<std::string> labels;
      for (const std::string& id : population) {
        auto it = group_of_.find(id);
        groups.push_back(it == group_of_.end() ? other : it->second);
        labels.push_back(label_of_[id]);
      }
      const std::vector<int> headings = r.options.allow_identifying
                                            ? groups
                                            : TextHeadings(groups, labels, other, plan.min_group);
      bool moved = false;
      for (std::size_t i = 0; i < population.size(); ++i) {
        heading_of_.emplace(population[i], headings[i]);
        moved |= headings[i] != groups[i] && headings[i] == other;
      }
      if (moved && r.options.range)
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

  void Add(const Matrix& m) {
    SummaryReport& r = report_;
    if (r.case_view) {
      r.case_view->themes.push_back(BuildCaseTheme(study_, m, r.case_view->participant));
      return;
    }
    const GroupPlan* plan = r.plan ? &*r.plan : nullptr;
    const std::vector<int> groups = RowGroups(m, plan, group_of_);
    if (r.options.coverage) r.coverage.push_back(BuildCoverage(study_, m));
    if (r.options.range)
      r.range.push_back(BuildRange(study_, m, plan, RowGroups(m, plan, heading_of_), label_of_));
    if (r.comparison) r.comparison->themes.push_back(BuildCompareTheme(study_, m, *plan, groups));
    if (const int t = study_.framework.FindTheme(m.theme); t >= 0) themes_.push_back(t);
  }

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
  std::unordered_map<std::string, int> group_of_;          // participant -> group shown
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

SummaryReport Summarise(const Study& study, const SummariseOptions& options) {
  ReportBuilder builder(study, options);
  bool begun = false;
  for (const int theme : options.themes) {
    if (theme < 0 || static_cast<std::size_t>(theme) >= study.framework.themes.size()) continue;
    std::vector<Matrix> one = ChartedMatrices(study, {theme});
    // Every matrix has the same rows (the declared participants and those with a
    // transcript), so the first gives the population.
    if (!begun) builder.Begin({&one.front().participants});
    begun = true;
    builder.Add(one.front());
  }
  if (!begun) builder.Begin({});
  return builder.End();
}

}  // namespace framework

// ---------------------------------------------------------------------------------------------
// Renderers

namespace framework {
namespace {

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string JoinRefs(const std::vector<std::string>& refs) {
  std::string out;
  for (const std::string& r : refs) out += (out.empty() ? "" : ", ") + r;
  return out;
}

// "a few" / "3 of 7 (43%)"
std::string ShareText(const Share& s, const SummaryReport& report) {
  if (report.options.words) return ShareWord(s.spoke, s.size, report.share_words);
  return std::to_string(s.spoke) + " of " + std::to_string(s.size) + " (" +
         std::to_string(SharePercent(s.spoke, s.size)) + "%)";
}

std::string GroupHeading(const SummaryGroup& g, const SummaryReport& report) {
  if (report.options.words) return g.label;
  return g.label + " (" + std::to_string(g.participants.size()) + ")";
}

std::string SpokeText(const CoverageColumn& c, std::size_t population, const SummaryReport& r) {
  if (r.options.words) return ShareWord(c.participants, population, r.share_words);
  return std::to_string(c.participants) + " of " + std::to_string(population);
}

std::string Marks(ChartStatus status, bool stale) {
  std::string out;
  if (status == ChartStatus::kDraft) out += " [draft]";
  if (stale) out += " [stale]";
  return out;
}

std::string WithinText(Within within) {
  return within == Within::kTurn ? "codes whose segments open in the same speaker turn"
                                 : "codes whose segments overlap in the same text";
}

// The words each shade stands for, e.g. "81-160"; empty when no whole number falls in it.
std::string ShadeRange(int level, std::size_t max_words) {
  if (max_words == 0) return {};
  // Level k holds the w with (k-1)*max < 4w <= k*max (ShadeLevel is ceil(4w/max)).
  const std::size_t k = static_cast<std::size_t>(level);
  const std::size_t lo = (k - 1) * max_words / 4 + 1;
  const std::size_t hi = k * max_words / 4;
  const bool any = lo <= hi;
  if (!any) return {};
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "\u2013" + std::to_string(hi);
}

constexpr const char* kShades[] = {"\u00B7", "\u2591", "\u2592", "\u2593", "\u2588"};
constexpr const char* kAsciiShades[] = {".", "-", ":", "+", "#"};

// --- text ---

class TextWriter {
 public:
  TextWriter(const SummaryReport& report, const SummaryTextOptions& options)
      : r_(report), o_(options) {}

  std::string Run();

 private:
  void Heading(const std::string& text) {
    Gap();
    for (const std::string& line : WrapText(text, o_.width))
      out_ += (o_.color ? "\x1b[1m" + line + "\x1b[0m" : line) + "\n";
  }
  void Line(const std::string& text, std::size_t indent = 0, std::size_t hang = 0) {
    const std::size_t width = o_.width > indent + hang + 12 ? o_.width - indent - hang : 12;
    const auto lines = WrapText(text, width);
    for (std::size_t i = 0; i < lines.size(); ++i)
      out_ += std::string(indent + (i ? hang : 0), ' ') + lines[i] + "\n";
  }
  void Dim(const std::string& text, std::size_t indent, std::size_t hang = 0) {
    const std::size_t width = o_.width > indent + hang + 12 ? o_.width - indent - hang : 12;
    const auto lines = WrapText(text, width);
    for (std::size_t i = 0; i < lines.size(); ++i)
      out_ += std::string(indent + (i ? hang : 0), ' ') +
              (o_.color ? "\x1b[2m" + lines[i] + "\x1b[0m" : lines[i]) + "\n";
  }
  void Gap() {
    if (!out_.empty() && out_.substr(out_.size() >= 2 ? out_.size() - 2 : 0) != "\n\n")
      out_ += "\n";
  }
  TableOptions Table(std::vector<bool> fixed = {}) const {
    TableOptions t;
    t.width = o_.width;
    t.color = o_.color;
    t.unicode = o_.unicode;
    t.fixed = std::move(fixed);
    return t;
  }
  void Coverage(const framework::Coverage& c);
  void Range(const RangeTheme& t);
  void Compare(const Comparison& cmp);
  void Cooccur(const Cooccurrence& co);
  void Case(const CaseView& v);
  void Notes();

  const SummaryReport& r_;
  const SummaryTextOptions& o_;
  std::string out_;
};

void TextWriter::Coverage(const framework::Coverage& c) {
  const auto& shades = o_.unicode ? kShades : kAsciiShades;
  Heading("Coverage: " + c.label + " (" + c.theme + "), coded words per participant");
  std::vector<TableCell> header{{"Participant", CellStyle::kHeader}};
  for (const CoverageColumn& col : c.columns) header.push_back({col.label, CellStyle::kHeader});
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t row = 0; row < c.participants.size(); ++row) {
    std::vector<TableCell> cells{{c.participants[row]}};
    for (std::size_t col = 0; col < c.columns.size(); ++col) {
      const std::size_t w = c.words[row][col];
      const int level = ShadeLevel(w, c.max_words);
      std::string shade;
      for (int k = 0; k < 3; ++k) shade += shades[level];
      cells.push_back(
          {w ? shade + " " + std::to_string(w) : shade, w ? CellStyle::kNormal : CellStyle::kDim});
    }
    rows.push_back(std::move(cells));
  }
  out_ += RenderTable(header, rows, Table({true}));
  std::string legend = "Legend: " + std::string(shades[0]) + " no data";
  for (int level = 1; level <= 4; ++level)
    if (std::string range = ShadeRange(level, c.max_words); !range.empty())
      legend += "  " + std::string(shades[level]) + " " + range;
  Line(legend + " coded words");
  Gap();
  std::vector<TableCell> h2{{"Sub-theme", CellStyle::kHeader},
                            {"Spoke to it", CellStyle::kHeader},
                            {"Words", CellStyle::kHeader},
                            {"Silent", CellStyle::kHeader}};
  std::vector<std::vector<TableCell>> rows2;
  for (const CoverageColumn& col : c.columns) {
    std::string silent;
    for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + id;
    rows2.push_back({{col.label + (col.little_data ? " [little data]" : ""),
                      col.little_data ? CellStyle::kWarning : CellStyle::kNormal},
                     {SpokeText(col, c.participants.size(), r_)},
                     {std::to_string(col.words)},
                     {silent.empty() ? "none" : silent,
                      silent.empty() ? CellStyle::kDim : CellStyle::kNormal}});
  }
  out_ += RenderTable(h2, rows2, Table({false, true, true, false}));
  std::string little;
  for (const CoverageColumn& col : c.columns)
    if (col.little_data) little += (little.empty() ? "" : "; ") + col.label;
  Line("Little data: " + (little.empty() ? std::string("none") : little));
}

void TextWriter::Range(const RangeTheme& t) {
  Heading("Range of views: " + t.label + " (" + t.theme + ")");
  for (const RangeColumn& col : t.columns) {
    Gap();
    std::string head = col.label + " (" + t.theme + "." + col.id +
                       "): " + Plural(col.charted, "summary", "summaries");
    if (col.uncharted) head += ", " + std::to_string(col.uncharted) + " not yet charted";
    Heading(head);
    if (col.groups.empty()) Dim("no summaries to show", 2);
    for (const RangeGroup& g : col.groups) {
      std::size_t indent = 2;
      if (g.group >= 0 && r_.plan) {
        Line(r_.plan->attribute + ": " + g.label, 2);
        indent = 4;
      }
      for (const RangeEntry& e : g.entries) {
        Line("\u2022 " + e.summary + Marks(e.status, e.stale), indent, 2);
        std::string by = "\u2014 " + e.attribution;
        if (!e.refs.empty()) by += " (" + JoinRefs(e.refs) + ")";
        Dim(by, indent + 2, 2);
      }
    }
    if (col.withheld)
      Dim(Plural(col.withheld, "summary", "summaries") +
              " from groups too small to show are left out (run without --by to read them)",
          2);
  }
}

void TextWriter::Compare(const Comparison& cmp) {
  const GroupPlan& plan = *r_.plan;
  Heading("Group comparison by " + plan.attribute +
          ": the share of each group that spoke to each sub-theme");
  if (plan.groups.empty()) {
    Line("No group has " + std::to_string(plan.min_group) + " or more participants to show.");
    return;
  }
  for (const CompareTheme& t : cmp.themes) {
    Gap();
    Heading(t.label + " (" + t.theme + ")");
    std::vector<TableCell> header{{"Sub-theme", CellStyle::kHeader}};
    for (const SummaryGroup& g : plan.groups)
      header.push_back({GroupHeading(g, r_), CellStyle::kHeader});
    if (!r_.options.words && plan.groups.size() >= 2)
      header.push_back({"Spread", CellStyle::kHeader});
    std::vector<std::vector<TableCell>> rows;
    for (const CompareColumn& c : t.columns) {
      std::vector<TableCell> row{{c.label}};
      for (const Share& s : c.shares) row.push_back({ShareText(s, r_)});
      if (!r_.options.words && plan.groups.size() >= 2)
        row.push_back({std::to_string(c.spread) + " points"});
      rows.push_back(std::move(row));
    }
    out_ += RenderTable(header, rows, Table());
  }
  Gap();
  Heading("Where the groups differ most");
  if (cmp.differ_most.empty()) Line("nowhere: every group shown spoke to each sub-theme alike", 2);
  std::size_t rank = 0;
  for (const DifferMost& d : cmp.differ_most) {
    const CompareTheme& t = cmp.themes[std::size_t(d.theme)];
    const CompareColumn& c = t.columns[std::size_t(d.column)];
    const Share& hi = c.shares[std::size_t(c.highest)];
    const Share& lo = c.shares[std::size_t(c.lowest)];
    std::string line = std::to_string(++rank) + ". " + c.label + " (" + t.theme + "." + c.id +
                       "): " + plan.groups[std::size_t(c.highest)].label + " " + ShareText(hi, r_) +
                       ", " + plan.groups[std::size_t(c.lowest)].label + " " + ShareText(lo, r_);
    if (!r_.options.words) line += "; " + std::to_string(c.spread) + " points apart";
    Line(line, 2, 3);
  }
}

void TextWriter::Cooccur(const Cooccurrence& co) {
  Heading("Co-occurrence (--within " + std::string(WithinName(co.within)) +
          "): " + WithinText(co.within));
  std::vector<TableCell> header{{"#", CellStyle::kHeader}, {"Code", CellStyle::kHeader}};
  for (std::size_t i = 0; i < co.codes.size(); ++i)
    header.push_back({std::to_string(i + 1), CellStyle::kHeader});
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t a = 0; a < co.codes.size(); ++a) {
    std::vector<TableCell> row{{std::to_string(a + 1)}, {co.codes[a]}};
    for (std::size_t b = 0; b < co.codes.size(); ++b) {
      if (a == b)
        row.push_back({o_.unicode ? "\u2014" : "-", CellStyle::kDim});
      else if (co.counts[a][b] == 0)
        row.push_back({o_.unicode ? "\u00B7" : ".", CellStyle::kDim});
      else
        row.push_back({std::to_string(co.counts[a][b])});
    }
    rows.push_back(std::move(row));
  }
  out_ += RenderTable(header, rows, Table(std::vector<bool>(co.codes.size() + 2, true)));
  Heading("Strongest pairs");
  if (co.pairs.empty()) Line("none: no two codes occur together", 2);
  for (const CooccurrencePair& p : co.pairs)
    Line(co.codes[std::size_t(p.a)] + " + " + co.codes[std::size_t(p.b)] + ": " +
             Plural(p.count, "time", "times") + ", " +
             Plural(p.participants, "participant", "participants"),
         2, 2);
}

void TextWriter::Case(const CaseView& v) {
  Heading("Case: " + v.participant + " (" + v.attribution + ")");
  if (!v.has_transcript) Dim("no transcript", 2);
  for (const CaseTheme& t : v.themes) {
    Gap();
    Heading(t.label + " (" + t.theme + ")");
    for (const CaseCell& c : t.cells) {
      if (c.chart) {
        Line(c.label + " [" + std::string(ChartStatusName(c.chart->status)) + "]" +
                 (c.stale ? " [stale]" : ""),
             2);
        Line(c.chart->summary, 4);
        if (!c.chart->refs.empty()) Dim("refs: " + JoinRefs(c.chart->refs), 4);
      } else if (c.segments > 0) {
        Line(c.label + ": not charted", 2);
        Dim(Plural(c.segments, "segment", "segments") + ", " + Plural(c.words, "word", "words") +
                " (" + JoinRefs(c.excerpt_refs) + ")",
            4);
      } else {
        Dim(c.label + ": no data", 2);
      }
    }
  }
}

void TextWriter::Notes() {
  if (r_.notes.empty()) return;
  Gap();
  for (const std::string& note : r_.notes) Line("Note: " + note, 0, 6);
}

std::string TextWriter::Run() {
  if (r_.case_view) {
    Case(*r_.case_view);
    return out_;
  }
  for (const framework::Coverage& c : r_.coverage) Coverage(c);
  for (const RangeTheme& t : r_.range) Range(t);
  if (r_.comparison) Compare(*r_.comparison);
  if (r_.cooccurrence) Cooccur(*r_.cooccurrence);
  Notes();
  return out_;
}

}  // namespace

std::string RenderSummaryText(const SummaryReport& report, const SummaryTextOptions& options) {
  return TextWriter(report, options).Run();
}

}  // namespace framework

// --- Markdown ---

namespace framework {
namespace {

// Markdown text (the one escaper, framework/markdown.h); line breaks become spaces.
std::string Md(std::string_view text) { return MarkdownEscape(text); }

std::string MdRow(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + c + " |";
  return out + "\n";
}

std::string MdTable(const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows) {
  std::string out = MdRow(header);
  out += "|";
  for (std::size_t i = 0; i < header.size(); ++i) out += " --- |";
  out += "\n";
  for (const auto& row : rows) out += MdRow(row);
  return out;
}

std::string MarkdownReport(const SummaryReport& r) {
  std::string out = "# " + Md(r.title.empty() ? "Summary" : r.title) + "\n";
  if (r.case_view) {
    const CaseView& v = *r.case_view;
    out += "\n## Case: " + Md(v.participant) + " (" + Md(v.attribution) + ")\n";
    if (!v.has_transcript) out += "\n_No transcript._\n";
    for (const CaseTheme& t : v.themes) {
      out += "\n### " + Md(t.label) + " (`" + t.theme + "`)\n\n";
      for (const CaseCell& c : t.cells) {
        if (c.chart) {
          out += "- **" + Md(c.label) + "** [" + std::string(ChartStatusName(c.chart->status)) +
                 "]" + (c.stale ? " [stale]" : "") + ": " + Md(c.chart->summary);
          if (!c.chart->refs.empty()) out += " (" + JoinRefs(c.chart->refs) + ")";
          out += "\n";
        } else if (c.segments > 0) {
          out += "- **" + Md(c.label) + "**: not charted; " +
                 Plural(c.segments, "segment", "segments") + ", " +
                 Plural(c.words, "word", "words") + " (" + JoinRefs(c.excerpt_refs) + ")\n";
        } else {
          out += "- **" + Md(c.label) + "**: no data\n";
        }
      }
    }
    return out;
  }
  for (const Coverage& c : r.coverage) {
    out += "\n## Coverage: " + Md(c.label) + " (`" + c.theme + "`)\n\n";
    std::vector<std::string> header{"Participant"};
    for (const CoverageColumn& col : c.columns) header.push_back(Md(col.label));
    std::vector<std::vector<std::string>> rows;
    for (std::size_t row = 0; row < c.participants.size(); ++row) {
      std::vector<std::string> cells{Md(c.participants[row])};
      for (std::size_t col = 0; col < c.columns.size(); ++col) {
        const std::size_t w = c.words[row][col];
        const char* shade = kShades[ShadeLevel(w, c.max_words)];
        cells.push_back(w ? std::string(shade) + " " + std::to_string(w) : shade);
      }
      rows.push_back(std::move(cells));
    }
    out += MdTable(header, rows);
    out += "\nLegend: " + std::string(kShades[0]) + " no data";
    for (int level = 1; level <= 4; ++level)
      if (std::string range = ShadeRange(level, c.max_words); !range.empty())
        out += ", " + std::string(kShades[level]) + " " + range;
    out += " coded words.\n\n";
    std::vector<std::vector<std::string>> rows2;
    for (const CoverageColumn& col : c.columns) {
      std::string silent;
      for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + Md(id);
      rows2.push_back({Md(col.label) + (col.little_data ? " **(little data)**" : ""),
                       SpokeText(col, c.participants.size(), r), std::to_string(col.words),
                       silent.empty() ? "none" : silent});
    }
    out += MdTable({"Sub-theme", "Spoke to it", "Words", "Silent"}, rows2);
  }
  for (const RangeTheme& t : r.range) {
    out += "\n## Range of views: " + Md(t.label) + " (`" + t.theme + "`)\n";
    for (const RangeColumn& col : t.columns) {
      out += "\n### " + Md(col.label) + " (`" + t.theme + "." + col.id + "`)\n\n";
      out += Plural(col.charted, "summary", "summaries");
      if (col.uncharted) out += ", " + std::to_string(col.uncharted) + " not yet charted";
      out += ".\n";
      for (const RangeGroup& g : col.groups) {
        if (g.group >= 0 && r.plan)
          out += "\n#### " + Md(r.plan->attribute) + ": " + Md(g.label) + "\n";
        out += "\n";
        for (const RangeEntry& e : g.entries) {
          out += "- " + Md(e.summary) + Marks(e.status, e.stale) + " \u2014 *" + Md(e.attribution) +
                 "*";
          if (!e.refs.empty()) out += " (" + JoinRefs(e.refs) + ")";
          out += "\n";
        }
      }
      if (col.withheld)
        out += "\n_" + Plural(col.withheld, "summary", "summaries") +
               " from groups too small to show are left out._\n";
    }
  }
  if (r.comparison && r.plan) {
    const GroupPlan& plan = *r.plan;
    out += "\n## Group comparison by " + Md(plan.attribute) + "\n\n";
    out += "The share of each group that spoke to each sub-theme.\n";
    for (const CompareTheme& t : r.comparison->themes) {
      if (plan.groups.empty()) break;
      out += "\n### " + Md(t.label) + " (`" + t.theme + "`)\n\n";
      std::vector<std::string> header{"Sub-theme"};
      for (const SummaryGroup& g : plan.groups) header.push_back(Md(GroupHeading(g, r)));
      const bool spread = !r.options.words && plan.groups.size() >= 2;
      if (spread) header.push_back("Spread");
      std::vector<std::vector<std::string>> rows;
      for (const CompareColumn& c : t.columns) {
        std::vector<std::string> row{Md(c.label)};
        for (const Share& s : c.shares) row.push_back(ShareText(s, r));
        if (spread) row.push_back(std::to_string(c.spread) + " points");
        rows.push_back(std::move(row));
      }
      out += MdTable(header, rows);
    }
    out += "\n### Where the groups differ most\n\n";
    if (r.comparison->differ_most.empty()) out += "Nowhere: every group shown spoke alike.\n";
    std::size_t rank = 0;
    for (const DifferMost& d : r.comparison->differ_most) {
      const CompareTheme& t = r.comparison->themes[std::size_t(d.theme)];
      const CompareColumn& c = t.columns[std::size_t(d.column)];
      out += std::to_string(++rank) + ". " + Md(c.label) + " (`" + t.theme + "." + c.id +
             "`): " + Md(plan.groups[std::size_t(c.highest)].label) + " " +
             ShareText(c.shares[std::size_t(c.highest)], r) + ", " +
             Md(plan.groups[std::size_t(c.lowest)].label) + " " +
             ShareText(c.shares[std::size_t(c.lowest)], r);
      if (!r.options.words) out += "; " + std::to_string(c.spread) + " points apart";
      out += "\n";
    }
  }
  if (r.cooccurrence) {
    const Cooccurrence& co = *r.cooccurrence;
    out += "\n## Co-occurrence (" + std::string(WithinName(co.within)) + ")\n\n" +
           CapitaliseFirst(WithinText(co.within)) + ".\n\n";
    std::vector<std::string> header{"Code"};
    for (const std::string& code : co.codes) header.push_back("`" + code + "`");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t a = 0; a < co.codes.size(); ++a) {
      std::vector<std::string> row{"`" + co.codes[a] + "`"};
      for (std::size_t b = 0; b < co.codes.size(); ++b)
        row.push_back(a == b ? "\u2014" : std::to_string(co.counts[a][b]));
      rows.push_back(std::move(row));
    }
    out += MdTable(header, rows);
    out += "\n### Strongest pairs\n\n";
    if (co.pairs.empty()) out += "None: no two codes occur together.\n";
    for (const CooccurrencePair& p : co.pairs)
      out += "- `" + co.codes[std::size_t(p.a)] + "` + `" + co.codes[std::size_t(p.b)] +
             "`: " + Plural(p.count, "time", "times") + ", " +
             Plural(p.participants, "participant", "participants") + "\n";
  }
  if (!r.notes.empty()) {
    out += "\n";
    for (const std::string& note : r.notes) out += "> **Note:** " + Md(note) + "\n>\n";
    out.resize(out.size() - 2);
  }
  return out;
}

}  // namespace

std::string RenderSummaryMarkdown(const SummaryReport& report) { return MarkdownReport(report); }

}  // namespace framework

// --- JSON ---

namespace framework {
namespace {

using Json = nlohmann::ordered_json;

Json NullOr(const std::string& s) { return s.empty() ? Json() : Json(s); }

Json GroupsJson(const GroupPlan& plan) {
  Json groups = Json::array();
  for (const SummaryGroup& g : plan.groups) {
    const char* kind = g.kind == SummaryGroup::Kind::kValue         ? "value"
                       : g.kind == SummaryGroup::Kind::kNotRecorded ? "not-recorded"
                                                                    : "other";
    groups.push_back({{"label", g.label},
                      {"kind", kind},
                      {"value", g.kind == SummaryGroup::Kind::kValue ? Json(g.value) : Json()},
                      {"size", g.participants.size()}});
  }
  return groups;
}

// One theme of the coverage view.
Json CoverageJson(const Coverage& c, const SummaryReport& r) {
  Json subs = Json::array();
  for (std::size_t col = 0; col < c.columns.size(); ++col) {
    const CoverageColumn& s = c.columns[col];
    Json cells = Json::array();
    for (std::size_t row = 0; row < c.participants.size(); ++row) {
      const std::size_t w = c.words[row][col];
      cells.push_back({{"participant", c.participants[row]},
                       {"words", w},
                       {"level", ShadeLevel(w, c.max_words)}});
    }
    subs.push_back(
        {{"id", s.id},
         {"label", s.label},
         {"words", s.words},
         {"participants", s.participants},
         {"share_words", ShareWord(s.participants, c.participants.size(), r.share_words)},
         {"little_data", s.little_data},
         {"silent", s.silent},
         {"cells", cells}});
  }
  return Json({{"theme", c.theme},
               {"label", c.label},
               {"participants", c.participants},
               {"max_words", c.max_words},
               {"subthemes", subs}});
}

// One theme of the range of views.
Json RangeJson(const RangeTheme& t, const SummaryReport& r) {
  Json subs = Json::array();
  for (const RangeColumn& col : t.columns) {
    Json groups = Json::array();
    for (const RangeGroup& g : col.groups) {
      Json summaries = Json::array();
      for (const RangeEntry& e : g.entries)
        summaries.push_back({{"attribution", e.attribution},
                             {"status", std::string(ChartStatusName(e.status))},
                             {"stale", e.stale},
                             {"summary", e.summary},
                             {"refs", e.refs}});
      const bool grouped = g.group >= 0 && r.plan;
      groups.push_back({{"group", grouped ? Json(g.label) : Json()}, {"summaries", summaries}});
    }
    subs.push_back({{"id", col.id},
                    {"label", col.label},
                    {"charted", col.charted},
                    {"uncharted", col.uncharted},
                    {"withheld", col.withheld},
                    {"groups", groups}});
  }
  return Json({{"theme", t.theme}, {"label", t.label}, {"subthemes", subs}});
}

// The report, its coverage and range arrays left empty.
Json JsonReport(const SummaryReport& r) {
  Json out;
  out["format"] = "framework-summarise";
  out["version"] = 1;
  out["title"] = r.title;
  Json settings;
  settings["by"] = r.plan ? Json(r.plan->attribute) : Json();
  settings["min_group"] = r.options.min_group;
  settings["words"] = r.options.words;
  settings["within"] = std::string(WithinName(r.options.within));
  settings["share_words"] = {
      {"some", r.share_words.some}, {"many", r.share_words.many}, {"most", r.share_words.most}};
  settings["participant"] = NullOr(r.options.participant);
  out["settings"] = settings;
  Json views = Json::array();
  if (r.options.coverage) views.push_back("coverage");
  if (r.options.range) views.push_back("views");
  if (r.comparison) views.push_back("compare");
  if (r.cooccurrence) views.push_back("cooccurrence");
  if (r.case_view) views.push_back("case");
  out["views"] = views;
  out["participants"] = r.population;
  out["groups"] = r.plan ? GroupsJson(*r.plan) : Json();
  out["notes"] = r.notes;

  // coverage and range: written theme by theme by RenderSummaryJson.
  out["coverage"] = r.options.coverage ? Json::array() : Json();

  out["range"] = r.options.range ? Json::array() : Json();

  if (r.comparison && r.plan) {
    const GroupPlan& plan = *r.plan;
    Json themes_json = Json::array();
    for (const CompareTheme& t : r.comparison->themes) {
      Json subs = Json::array();
      for (const CompareColumn& c : t.columns) {
        Json shares = Json::array();
        for (std::size_t g = 0; g < c.shares.size(); ++g) {
          const Share& s = c.shares[g];
          shares.push_back({{"group", plan.groups[g].label},
                            {"spoke", s.spoke},
                            {"size", s.size},
                            {"percent", SharePercent(s.spoke, s.size)},
                            {"words", ShareWord(s.spoke, s.size, r.share_words)}});
        }
        subs.push_back(
            {{"id", c.id},
             {"label", c.label},
             {"shares", shares},
             {"spread", c.spread},
             {"highest", c.highest >= 0 ? Json(plan.groups[std::size_t(c.highest)].label) : Json()},
             {"lowest", c.lowest >= 0 ? Json(plan.groups[std::size_t(c.lowest)].label) : Json()}});
      }
      themes_json.push_back({{"theme", t.theme}, {"label", t.label}, {"subthemes", subs}});
    }
    Json differ = Json::array();
    for (const DifferMost& d : r.comparison->differ_most) {
      const CompareTheme& t = r.comparison->themes[std::size_t(d.theme)];
      const CompareColumn& c = t.columns[std::size_t(d.column)];
      differ.push_back({{"theme", t.theme},
                        {"subtheme", c.id},
                        {"label", c.label},
                        {"spread", c.spread},
                        {"highest", plan.groups[std::size_t(c.highest)].label},
                        {"lowest", plan.groups[std::size_t(c.lowest)].label}});
    }
    out["comparison"] = {{"by", plan.attribute}, {"themes", themes_json}, {"differ_most", differ}};
  } else {
    out["comparison"] = nullptr;
  }

  if (r.cooccurrence) {
    const Cooccurrence& co = *r.cooccurrence;
    Json codes = Json::array();
    for (std::size_t i = 0; i < co.codes.size(); ++i)
      codes.push_back({{"code", co.codes[i]}, {"label", co.labels[i]}, {"total", co.totals[i]}});
    Json pairs = Json::array();
    for (const CooccurrencePair& p : co.pairs)
      pairs.push_back({{"a", co.codes[std::size_t(p.a)]},
                       {"b", co.codes[std::size_t(p.b)]},
                       {"count", p.count},
                       {"participants", p.participants}});
    out["cooccurrence"] = {{"within", std::string(WithinName(co.within))},
                           {"codes", codes},
                           {"counts", co.counts},
                           {"pairs", pairs}};
  } else {
    out["cooccurrence"] = nullptr;
  }

  if (r.case_view) {
    const CaseView& v = *r.case_view;
    Json themes_json = Json::array();
    for (const CaseTheme& t : v.themes) {
      Json subs = Json::array();
      for (const CaseCell& c : t.cells) {
        std::string state = c.chart          ? std::string(ChartStatusName(c.chart->status))
                            : c.segments > 0 ? "uncharted"
                                             : "empty";
        subs.push_back({{"id", c.id},
                        {"label", c.label},
                        {"state", state},
                        {"stale", c.stale},
                        {"segments", c.segments},
                        {"words", c.words},
                        {"excerpt_refs", c.excerpt_refs},
                        {"summary", c.chart ? Json(c.chart->summary) : Json()},
                        {"refs", c.chart ? Json(c.chart->refs) : Json::array()}});
      }
      themes_json.push_back({{"theme", t.theme}, {"label", t.label}, {"subthemes", subs}});
    }
    out["case"] = {{"participant", v.participant},
                   {"attribution", v.attribution},
                   {"has_transcript", v.has_transcript},
                   {"themes", themes_json}};
  } else {
    out["case"] = nullptr;
  }
  return out;
}

}  // namespace

namespace {

// Appends the array of `items`, each turned into JSON by `to_json` only when written, as
// dump(2) writes it `depth` levels deep.
template <typename T, typename F>
void AppendArray(const std::vector<T>& items, F to_json, std::size_t depth, std::string& out) {
  if (items.empty()) {
    out += "[]";
    return;
  }
  out += "[\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out.append(2 * (depth + 1), ' ');
    AppendJsonAtDepth(to_json(items[i]), depth + 1, out);
    out += i + 1 < items.size() ? ",\n" : "\n";
  }
  out.append(2 * depth, ' ');
  out += ']';
}

}  // namespace

// Written member by member, the coverage and the range a theme at a time, so that next to the
// text only one theme's JSON tree is held: the same bytes as dumping the whole tree.
std::string RenderSummaryJson(const SummaryReport& report) {
  const Json top = JsonReport(report);
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : top.items()) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    out += Json(key).dump() + ": ";
    if (key == "coverage" && value.is_array())
      AppendArray(
          report.coverage, [&](const Coverage& c) { return CoverageJson(c, report); }, 1, out);
    else if (key == "range" && value.is_array())
      AppendArray(
          report.range, [&](const RangeTheme& t) { return RangeJson(t, report); }, 1, out);
    else
      AppendJsonAtDepth(value, 1, out);
  }
  out += first ? "}\n" : "\n}\n";
  return out;
}

}  // namespace framework

// --- HTML ---

namespace framework {
namespace {

constexpr std::string_view kSummaryCss = R"css(
.heatmap { display: grid; gap: 2px; margin: .5rem 0; width: max-content; max-width: 100%;
  overflow-x: auto; }
.heatmap > div { padding: .2rem .45rem; font-size: .85em; white-space: nowrap; }
.heatmap .head { font-weight: 600; white-space: normal; max-width: 10rem; align-self: end; }
.heatmap .who { font-weight: 600; }
.heatmap .cell { text-align: right; border-radius: 2px; min-width: 3.2rem; }
.l0 { background: #f4f5f7; color: #9aa0aa; }
.l1 { background: #dbe8f6; }
.l2 { background: #a9c8ea; }
.l3 { background: #5f97d3; color: #fff; }
.l4 { background: #23589a; color: #fff; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .3rem;
  border-radius: 2px; font-size: .85em; }
.little { color: #9a3b00; font-weight: 600; }
ul.summaries li { margin: .35rem 0; }
.by { color: var(--muted); font-size: .9em; }
.mark { color: #9a3b00; font-size: .85em; }
td.num { text-align: right; min-width: 0; }
table.cooc td { min-width: 2.2rem; text-align: right; }
.note { border-left: 3px solid #c8a200; padding: .3rem .7rem; background: #fffbea; }
section .scroll { display: inline-block; max-width: 100%; vertical-align: top; }
@media print { .heatmap { overflow: visible; } }
)css";

std::string H(std::string_view text) { return HtmlEscape(text); }

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows,
                      const std::string& cls = {}) {
  // Cells are given as HTML already.
  std::string out = "<div class=\"scroll\"><table" +
                    (cls.empty() ? std::string() : " class=\"" + cls + "\"") + "><thead><tr>";
  for (const std::string& h : header) out += "<th>" + h + "</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i)
      out += (i == 0 ? "<th>" : "<td>") + row[i] + (i == 0 ? "</th>" : "</td>");
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

std::string HtmlReport(const SummaryReport& r) {
  const std::string title = r.title.empty() ? std::string("Summary") : r.title;
  std::string out = HtmlPageBegin(title + " \u2014 summary", kSummaryCss);
  out += "<h1>" + H(title) + "</h1>\n";
  if (r.case_view) {
    const CaseView& v = *r.case_view;
    out += "<section class=\"case\"><h2>Case: " + H(v.participant) + " <span class=\"muted\">(" +
           H(v.attribution) + ")</span></h2>\n";
    if (!v.has_transcript) out += "<p class=\"muted\">No transcript.</p>\n";
    for (const CaseTheme& t : v.themes) {
      out +=
          "<h3>" + H(t.label) + " <span class=\"muted\">(" + H(t.theme) + ")</span></h3>\n<dl>\n";
      for (const CaseCell& c : t.cells) {
        out += "<dt>" + H(c.label) + "</dt><dd>";
        if (c.chart) {
          out += HtmlEscapeMultiline(c.chart->summary) + " <span class=\"status\">[" +
                 std::string(ChartStatusName(c.chart->status)) + "]</span>";
          if (c.stale) out += " <span class=\"mark\">[stale]</span>";
          if (!c.chart->refs.empty())
            out += " <span class=\"refs\">(" + H(JoinRefs(c.chart->refs)) + ")</span>";
        } else if (c.segments > 0) {
          out +=
              "<span class=\"muted\">not charted: " + H(Plural(c.segments, "segment", "segments")) +
              ", " + H(Plural(c.words, "word", "words")) + " (" + H(JoinRefs(c.excerpt_refs)) +
              ")</span>";
        } else {
          out += "<span class=\"muted\">no data</span>";
        }
        out += "</dd>\n";
      }
      out += "</dl>\n";
    }
    out += "</section>\n";
    return out + HtmlPageEnd();
  }
  for (const std::string& note : r.notes) out += "<p class=\"note\">Note: " + H(note) + "</p>\n";
  for (const Coverage& c : r.coverage) {
    out += "<section class=\"coverage\"><h2>Coverage: " + H(c.label) + " <span class=\"muted\">(" +
           H(c.theme) + ")</span></h2>\n";
    out += "<div class=\"heatmap\" style=\"grid-template-columns: auto repeat(" +
           std::to_string(c.columns.size()) + ", minmax(3.2rem, auto))\">\n<div></div>";
    for (const CoverageColumn& col : c.columns)
      out += "<div class=\"head\">" + H(col.label) + "</div>";
    out += "\n";
    for (std::size_t row = 0; row < c.participants.size(); ++row) {
      out += "<div class=\"who\">" + H(c.participants[row]) + "</div>";
      for (std::size_t col = 0; col < c.columns.size(); ++col) {
        const std::size_t w = c.words[row][col];
        const int level = ShadeLevel(w, c.max_words);
        out += "<div class=\"cell l" + std::to_string(level) + "\" title=\"" +
               H(c.participants[row]) + ", " + H(c.columns[col].label) + ": " + std::to_string(w) +
               " words\">" + (w ? std::to_string(w) : "\u00B7") + "</div>";
      }
      out += "\n";
    }
    out += "</div>\n<p class=\"legend\"><span class=\"l0\">no data</span>";
    for (int level = 1; level <= 4; ++level)
      if (std::string range = ShadeRange(level, c.max_words); !range.empty())
        out += "<span class=\"l" + std::to_string(level) + "\">" + H(range) + "</span>";
    out += "coded words</p>\n";
    std::vector<std::vector<std::string>> rows;
    for (const CoverageColumn& col : c.columns) {
      std::string silent;
      for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + H(id);
      rows.push_back(
          {H(col.label) + (col.little_data ? " <span class=\"little\">little data</span>" : ""),
           H(SpokeText(col, c.participants.size(), r)), std::to_string(col.words),
           silent.empty() ? "<span class=\"muted\">none</span>" : silent});
    }
    out += HtmlTable({"Sub-theme", "Spoke to it", "Words", "Silent"}, rows);
    out += "</section>\n";
  }
  for (const RangeTheme& t : r.range) {
    out += "<section class=\"range\"><h2>Range of views: " + H(t.label) +
           " <span class=\"muted\">(" + H(t.theme) + ")</span></h2>\n";
    for (const RangeColumn& col : t.columns) {
      out += "<h3>" + H(col.label) + " <span class=\"muted\">(" + H(t.theme + "." + col.id) +
             ")</span></h3>\n<p class=\"meta\">" + H(Plural(col.charted, "summary", "summaries"));
      if (col.uncharted) out += ", " + std::to_string(col.uncharted) + " not yet charted";
      out += "</p>\n";
      for (const RangeGroup& g : col.groups) {
        if (g.group >= 0 && r.plan)
          out += "<h4>" + H(r.plan->attribute) + ": " + H(g.label) + "</h4>\n";
        out += "<ul class=\"summaries\">\n";
        for (const RangeEntry& e : g.entries) {
          out += "<li>" + HtmlEscapeMultiline(e.summary);
          if (e.status == ChartStatus::kDraft) out += " <span class=\"mark\">[draft]</span>";
          if (e.stale) out += " <span class=\"mark\">[stale]</span>";
          out += "<br><span class=\"by\">\u2014 " + H(e.attribution);
          if (!e.refs.empty()) out += " (" + H(JoinRefs(e.refs)) + ")";
          out += "</span></li>\n";
        }
        out += "</ul>\n";
      }
      if (col.withheld)
        out += "<p class=\"muted\">" + H(Plural(col.withheld, "summary", "summaries")) +
               " from groups too small to show are left out.</p>\n";
    }
    out += "</section>\n";
  }
  if (r.comparison && r.plan) {
    const GroupPlan& plan = *r.plan;
    out += "<section class=\"compare\"><h2>Group comparison by " + H(plan.attribute) +
           "</h2>\n<p class=\"meta\">The share of each group that spoke to each sub-theme.</p>\n";
    const bool spread = !r.options.words && plan.groups.size() >= 2;
    for (const CompareTheme& t : r.comparison->themes) {
      if (plan.groups.empty()) break;
      out += "<h3>" + H(t.label) + " <span class=\"muted\">(" + H(t.theme) + ")</span></h3>\n";
      std::vector<std::string> header{"Sub-theme"};
      for (const SummaryGroup& g : plan.groups) header.push_back(H(GroupHeading(g, r)));
      if (spread) header.push_back("Spread");
      std::vector<std::vector<std::string>> rows;
      for (const CompareColumn& c : t.columns) {
        std::vector<std::string> row{H(c.label)};
        for (const Share& s : c.shares) row.push_back(H(ShareText(s, r)));
        if (spread) row.push_back(std::to_string(c.spread) + " points");
        rows.push_back(std::move(row));
      }
      out += HtmlTable(header, rows);
    }
    out += "<h3>Where the groups differ most</h3>\n<ol>\n";
    for (const DifferMost& d : r.comparison->differ_most) {
      const CompareTheme& t = r.comparison->themes[std::size_t(d.theme)];
      const CompareColumn& c = t.columns[std::size_t(d.column)];
      out += "<li>" + H(c.label) + " <span class=\"muted\">(" + H(t.theme + "." + c.id) +
             ")</span>: " + H(plan.groups[std::size_t(c.highest)].label) + " " +
             H(ShareText(c.shares[std::size_t(c.highest)], r)) + ", " +
             H(plan.groups[std::size_t(c.lowest)].label) + " " +
             H(ShareText(c.shares[std::size_t(c.lowest)], r));
      if (!r.options.words) out += "; " + std::to_string(c.spread) + " points apart";
      out += "</li>\n";
    }
    out += "</ol>\n";
    if (r.comparison->differ_most.empty())
      out += "<p class=\"muted\">Nowhere: every group shown spoke alike.</p>\n";
    out += "</section>\n";
  }
  if (r.cooccurrence) {
    const Cooccurrence& co = *r.cooccurrence;
    out += "<section class=\"cooccurrence\"><h2>Co-occurrence <span class=\"muted\">(" +
           std::string(WithinName(co.within)) + ")</span></h2>\n<p class=\"meta\">" +
           H(CapitaliseFirst(WithinText(co.within))) + ".</p>\n";
    std::vector<std::string> header{"Code"};
    for (std::size_t i = 0; i < co.codes.size(); ++i)
      header.push_back("<span title=\"" + H(co.codes[i]) + "\">" + std::to_string(i + 1) +
                       "</span>");
    std::vector<std::vector<std::string>> rows;
    for (std::size_t a = 0; a < co.codes.size(); ++a) {
      std::vector<std::string> row{std::to_string(a + 1) + " " + H(co.codes[a])};
      for (std::size_t b = 0; b < co.codes.size(); ++b)
        row.push_back(a == b                 ? "\u2014"
                      : co.counts[a][b] == 0 ? "<span class=\"muted\">\u00B7</span>"
                                             : std::to_string(co.counts[a][b]));
      rows.push_back(std::move(row));
    }
    out += HtmlTable(header, rows, "cooc");
    out += "<h3>Strongest pairs</h3>\n<ol>\n";
    for (const CooccurrencePair& p : co.pairs)
      out += "<li><code>" + H(co.codes[std::size_t(p.a)]) + "</code> + <code>" +
             H(co.codes[std::size_t(p.b)]) + "</code>: " + Plural(p.count, "time", "times") + ", " +
             Plural(p.participants, "participant", "participants") + "</li>\n";
    out += "</ol>\n";
    if (co.pairs.empty()) out += "<p class=\"muted\">None: no two codes occur together.</p>\n";
    out += "</section>\n";
  }
  return out + HtmlPageEnd();
}

}  // namespace

std::string RenderSummaryHtml(const SummaryReport& report) { return HtmlReport(report); }

}  // namespace framework
