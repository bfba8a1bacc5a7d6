// The summary as JSON (schemas/summarise-output.schema.json), in the layout of nlohmann's
// dump(2), written a piece at a time.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/summarise.h"
#include "json_layout.h"
#include "summarise_render.h"

namespace framework {
namespace {

using Json = nlohmann::ordered_json;
using summarise_render::Output;

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

// Writes one JSON object member by member, as dump(2) writes it `depth` levels deep, so that a
// large value need never be a tree: each member's value is appended by the caller after `Key`.
class ObjectWriter {
 public:
  ObjectWriter(Output& out, std::size_t depth) : out_(out), depth_(depth) {}

  // Starts the next member; its value follows, written `depth + 1` levels deep.
  Output& Key(const char* key) {
    std::string& text = out_.text;
    text += first_ ? "{\n" : ",\n";
    first_ = false;
    text.append(2 * (depth_ + 1), ' ');
    text += Json(key).dump();
    text += ": ";
    return out_;
  }
  void Member(const char* key, const Json& value) {
    AppendJsonAtDepth(value, depth_ + 1, Key(key).text);
  }
  void End() {
    if (first_) {
      out_.text += "{}";
      return;
    }
    out_.text += '\n';
    out_.text.append(2 * depth_, ' ');
    out_.text += '}';
  }
  std::size_t inner() const { return depth_ + 1; }

 private:
  Output& out_;
  std::size_t depth_;
  bool first_ = true;
};

// Appends the array of `count` items, item `i` appended `depth + 1` levels deep by
// `append(i, depth + 1)`, as dump(2) writes it `depth` levels deep; the output may be handed
// over after each item.
template <typename F>
void AppendArrayOf(std::size_t count, F append, std::size_t depth, Output& out) {
  if (count == 0) {
    out.text += "[]";
    return;
  }
  out.text += "[\n";
  for (std::size_t i = 0; i < count; ++i) {
    out.text.append(2 * (depth + 1), ' ');
    append(i, depth + 1);
    out.text += i + 1 < count ? ",\n" : "\n";
    out.Spill();
  }
  out.text.append(2 * depth, ' ');
  out.text += ']';
}

// An array of strings, as dump(2) writes it `depth` levels deep.
void AppendStrings(const std::vector<std::string>& items, std::size_t depth, Output& out) {
  AppendArrayOf(
      items.size(),
      [&](std::size_t i, std::size_t d) { AppendJsonAtDepth(Json(items[i]), d, out.text); }, depth,
      out);
}

// One theme of the coverage view, a cell at a time.
void AppendCoverage(const Coverage& c, const SummaryReport& r, std::size_t depth, Output& out) {
  ObjectWriter theme(out, depth);
  theme.Member("theme", c.theme);
  theme.Member("label", c.label);
  AppendStrings(c.participants, theme.inner(), theme.Key("participants"));
  theme.Member("max_words", c.max_words);
  auto column = [&](std::size_t col, std::size_t d) {
    const CoverageColumn& s = c.columns[col];
    ObjectWriter sub(out, d);
    sub.Member("id", s.id);
    sub.Member("label", s.label);
    sub.Member("words", s.words);
    sub.Member("participants", s.participants);
    sub.Member("share_words", ShareWord(s.participants, c.participants.size(), r.share_words));
    sub.Member("little_data", s.little_data);
    AppendStrings(s.silent, sub.inner(), sub.Key("silent"));
    auto cell = [&](std::size_t row, std::size_t cd) {
      const std::size_t w = c.words[row][col];
      AppendJsonAtDepth({{"participant", c.participants[row]},
                         {"words", w},
                         {"level", ShadeLevel(w, c.max_words)}},
                        cd, out.text);
    };
    AppendArrayOf(c.participants.size(), cell, sub.inner(), sub.Key("cells"));
    sub.End();
  };
  AppendArrayOf(c.columns.size(), column, theme.inner(), theme.Key("subthemes"));
  theme.End();
}

// One theme of the range of views, a summary at a time.
void AppendRange(const RangeTheme& t, const SummaryReport& r, std::size_t depth, Output& out) {
  ObjectWriter theme(out, depth);
  theme.Member("theme", t.theme);
  theme.Member("label", t.label);
  auto column = [&](std::size_t c, std::size_t d) {
    const RangeColumn& col = t.columns[c];
    ObjectWriter sub(out, d);
    sub.Member("id", col.id);
    sub.Member("label", col.label);
    sub.Member("charted", col.charted);
    sub.Member("uncharted", col.uncharted);
    sub.Member("withheld", col.withheld);
    auto group = [&](std::size_t g, std::size_t gd) {
      const RangeGroup& rg = col.groups[g];
      ObjectWriter group_writer(out, gd);
      group_writer.Member("group", rg.group >= 0 && r.plan ? Json(rg.label) : Json());
      auto entry = [&](std::size_t i, std::size_t ed) {
        const RangeEntry& e = rg.entries[i];
        AppendJsonAtDepth({{"attribution", e.attribution},
                           {"status", std::string(ChartStatusName(e.status))},
                           {"stale", e.stale},
                           {"summary", e.summary},
                           {"refs", e.refs}},
                          ed, out.text);
      };
      AppendArrayOf(rg.entries.size(), entry, group_writer.inner(), group_writer.Key("summaries"));
      group_writer.End();
    };
    AppendArrayOf(col.groups.size(), group, sub.inner(), sub.Key("groups"));
    sub.End();
  };
  AppendArrayOf(t.columns.size(), column, theme.inner(), theme.Key("subthemes"));
  theme.End();
}

Json SettingsJson(const SummaryReport& r) {
  Json settings;
  settings["by"] = r.plan ? Json(r.plan->attribute) : Json();
  settings["min_group"] = r.options.min_group;
  settings["words"] = r.options.words;
  settings["within"] = std::string(WithinName(r.options.within));
  settings["share_words"] = {
      {"some", r.share_words.some}, {"many", r.share_words.many}, {"most", r.share_words.most}};
  settings["participant"] = NullOr(r.options.participant);
  return settings;
}

Json ViewsJson(const SummaryReport& r) {
  Json views = Json::array();
  if (r.options.coverage) views.push_back("coverage");
  if (r.options.range) views.push_back("views");
  if (r.comparison) views.push_back("compare");
  if (r.cooccurrence) views.push_back("cooccurrence");
  if (r.case_view) views.push_back("case");
  return views;
}

Json ComparisonJson(const Comparison& cmp, const GroupPlan& plan, const ShareWords& words) {
  Json themes_json = Json::array();
  for (const CompareTheme& t : cmp.themes) {
    Json subs = Json::array();
    for (const CompareColumn& c : t.columns) {
      Json shares = Json::array();
      for (std::size_t g = 0; g < c.shares.size(); ++g) {
        const Share& s = c.shares[g];
        shares.push_back({{"group", plan.groups[g].label},
                          {"spoke", s.spoke},
                          {"size", s.size},
                          {"percent", SharePercent(s.spoke, s.size)},
                          {"words", ShareWord(s.spoke, s.size, words)}});
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
  for (const DifferMost& d : cmp.differ_most) {
    const CompareTheme& t = cmp.themes[std::size_t(d.theme)];
    const CompareColumn& c = t.columns[std::size_t(d.column)];
    differ.push_back({{"theme", t.theme},
                      {"subtheme", c.id},
                      {"label", c.label},
                      {"spread", c.spread},
                      {"highest", plan.groups[std::size_t(c.highest)].label},
                      {"lowest", plan.groups[std::size_t(c.lowest)].label}});
  }
  return {{"by", plan.attribute}, {"themes", themes_json}, {"differ_most", differ}};
}

Json CooccurrenceJson(const Cooccurrence& co) {
  Json codes = Json::array();
  for (std::size_t i = 0; i < co.codes.size(); ++i)
    codes.push_back({{"code", co.codes[i]}, {"label", co.labels[i]}, {"total", co.totals[i]}});
  Json pairs = Json::array();
  for (const CooccurrencePair& p : co.pairs)
    pairs.push_back({{"a", co.codes[std::size_t(p.a)]},
                     {"b", co.codes[std::size_t(p.b)]},
                     {"count", p.count},
                     {"participants", p.participants}});
  return {{"within", std::string(WithinName(co.within))},
          {"codes", codes},
          {"counts", co.counts},
          {"pairs", pairs}};
}

Json CaseJson(const CaseView& v) {
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
  return {{"participant", v.participant},
          {"attribution", v.attribution},
          {"has_transcript", v.has_transcript},
          {"themes", themes_json}};
}

// Written member by member, the coverage and the range a cell and a summary at a time, so that
// next to the text no large JSON tree is held: the same bytes as dumping the whole tree.
std::string JsonReport(const SummaryReport& r, const SummarySink* sink) {
  Output out(sink);
  ObjectWriter top(out, 0);
  top.Member("format", "framework-summarise");
  top.Member("version", 1);
  top.Member("title", r.title);
  top.Member("settings", SettingsJson(r));
  top.Member("views", ViewsJson(r));
  top.Member("participants", r.population);
  top.Member("groups", r.plan ? GroupsJson(*r.plan) : Json());
  top.Member("notes", r.notes);
  if (r.options.coverage) {
    auto coverage = [&](std::size_t i, std::size_t d) { AppendCoverage(r.coverage[i], r, d, out); };
    AppendArrayOf(r.coverage.size(), coverage, 1, top.Key("coverage"));
  } else {
    top.Member("coverage", nullptr);
  }
  if (r.options.range) {
    auto range = [&](std::size_t i, std::size_t d) { AppendRange(r.range[i], r, d, out); };
    AppendArrayOf(r.range.size(), range, 1, top.Key("range"));
  } else {
    top.Member("range", nullptr);
  }
  top.Member("comparison", r.comparison && r.plan
                               ? ComparisonJson(*r.comparison, *r.plan, r.share_words)
                               : Json());
  top.Member("cooccurrence", r.cooccurrence ? CooccurrenceJson(*r.cooccurrence) : Json());
  top.Member("case", r.case_view ? CaseJson(*r.case_view) : Json());
  top.End();
  out.text += '\n';
  return out.Finish();
}

}  // namespace

std::string RenderSummaryJson(const SummaryReport& report) { return JsonReport(report, nullptr); }

void RenderSummaryJson(const SummaryReport& report, const SummarySink& sink) {
  JsonReport(report, &sink);
}

}  // namespace framework
