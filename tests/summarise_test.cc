// `framework summarise` and its library part (summarise.h): coverage, the range of views, the
// group comparison with small groups merged or withheld, words for shares, co-occurrence within
// a segment or a turn, and the case view. Hand-computed expectations on a small study written
// to a temporary folder, numbers checked against `framework codes` on the bundled example, and
// every view in every format run through the binary on both.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/html.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "framework/summarise.h"
#include "framework/table.h"
#include "run_binary.h"

namespace {

using namespace framework_test;
using framework::SummariseOptions;
using framework::SummaryReport;
using Json = nlohmann::json;

// Seven participants: three practitioners, three managers and one academic (a group of one).
// Sectors: north (P1-P4), south (P5, P6), east (P7): with min_group 3, south and east merge
// into "(other)". The attribution names the region only, so the word "academic" can only reach
// the output through a breakdown by role.
//
// Coded words (rows P1..P7; t.a, t.b, t.c):
//   P1 5 1 2   P2 2 0 0   P3 3 3 0   P4 1 0 0   P5 0 2 0   P6 4 0 0   P7 4 1 0
// Co-occurrence: t.a and t.b overlap in P1 (line 1) and P3; P7 has both in one turn, apart;
// P1 has t.c and t.a in one later turn, apart.
class SmallStudy {
 public:
  SmallStudy() {
    Write("framework.yaml", R"(framework: 1
title: Small summarise study
speakers: {INT: interviewer}
attribution: "{region}"
themes:
  - id: t
    label: Theme T
    subthemes:
      - {id: a, label: Sub A}
      - {id: b, label: Sub B, codes: [bee]}
      - {id: c, label: Sub C}
)");
    Write("participants.yaml", R"(attributes:
  role: {type: category, values: [practitioner, manager, academic]}
  sector: {type: category, values: [north, south, east]}
  region: {type: string}
participants:
  - {id: P1, role: practitioner, sector: north, region: Upland}
  - {id: P2, role: practitioner, sector: north, region: Upland}
  - {id: P3, role: practitioner, sector: north, region: Lowland}
  - {id: P4, role: manager, sector: north, region: Lowland}
  - {id: P5, role: manager, sector: south, region: Lowland}
  - {id: P6, role: manager, sector: south, region: Upland}
  - {id: P7, role: academic, sector: east, region: Upland}
)");
    Write("transcripts/P1.txt",
          "P1: {t.a}one two {t.b}three{/t.b} four{/t.a}\n"
          "\n"
          "INT: Anything else?\n"
          "\n"
          "P1: {t.c}five six{/t.c} {t.a}seven{/t.a}\n");
    Write("transcripts/P2.txt", "P2: {t.a}alpha beta{/t.a}\n");
    Write("transcripts/P3.txt", "P3: {t.a, bee}gamma delta epsilon{/}\n");
    Write("transcripts/P4.txt", "P4: {t.a}one{/t.a}\n");
    Write("transcripts/P5.txt", "P5: {t.b}one two{/t.b}\n");
    Write("transcripts/P6.txt", "P6: {t.a}x y z w{/t.a}\n");
    Write("transcripts/P7.txt", "P7: {t.a}solo view words here{/t.a} {t.b}more{/t.b}\n");
    Write("charts/t.yaml", R"(theme: t
cells:
  - {participant: P1, subtheme: a, status: charted, summary: First view on A, refs: [L1, L5]}
  - {participant: P3, subtheme: a, status: draft, summary: Drafted view on A}
  - {participant: P4, subtheme: a, status: reviewed, summary: Manager view on A, refs: [L1]}
  - {participant: P7, subtheme: a, status: charted, summary: The lone voice on A, refs: [L1]}
)");
  }
  fs::path root() const { return tmp_.path() / "study"; }

 private:
  void Write(const std::string& relative, const std::string& text) {
    WriteFile(root() / relative, text);
  }
  TempDir tmp_;
};

framework::Study Load(const fs::path& root) {
  framework::DiskFileSystem disk(root.string());
  return framework::LoadStudy(disk);
}

SummaryReport Report(const framework::Study& study, SummariseOptions options) {
  if (options.themes.empty())
    for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
      options.themes.push_back(static_cast<int>(t));
  return framework::Summarise(study, framework::ChartedMatrices(study, options.themes), options);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<std::string> GroupLabels(const framework::GroupPlan& plan) {
  std::vector<std::string> labels;
  for (const auto& g : plan.groups) labels.push_back(g.label);
  return labels;
}

const std::vector<std::string> kFormats = {"text", "md", "json", "html"};
const std::vector<std::string> kViewNames = {"coverage", "views", "compare", "cooccurrence"};

TEST_CASE("summarise: coverage counts coded words per cell, little data and silent participants") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  REQUIRE(study.diagnostics.empty());
  const SummaryReport r = Report(study, {});
  REQUIRE(r.coverage.size() == 1);
  const framework::Coverage& c = r.coverage[0];
  CHECK(c.participants == std::vector<std::string>{"P1", "P2", "P3", "P4", "P5", "P6", "P7"});
  const std::vector<std::vector<std::size_t>> words{{5, 1, 2}, {2, 0, 0}, {3, 3, 0}, {1, 0, 0},
                                                    {0, 2, 0}, {4, 0, 0}, {4, 1, 0}};
  CHECK(c.words == words);
  CHECK(c.max_words == 5);
  REQUIRE(c.columns.size() == 3);
  CHECK(c.columns[0].words == 19);
  CHECK(c.columns[0].participants == 6);
  CHECK(c.columns[0].silent == std::vector<std::string>{"P5"});
  CHECK(c.columns[1].words == 7);  // the alias 'bee' counts in its column
  CHECK(c.columns[1].participants == 4);
  CHECK(c.columns[2].words == 2);
  CHECK(c.columns[2].silent == std::vector<std::string>{"P2", "P3", "P4", "P5", "P6", "P7"});
  // Little data: fewer than half of 7 spoke to c (1); b has 4 of 7 and 7 words (median 7).
  CHECK(!c.columns[0].little_data);
  CHECK(!c.columns[1].little_data);
  CHECK(c.columns[2].little_data);
  // Shades: quarters of the largest cell (5 words).
  CHECK(framework::ShadeLevel(0, 5) == 0);
  CHECK(framework::ShadeLevel(1, 5) == 1);
  CHECK(framework::ShadeLevel(2, 5) == 2);
  CHECK(framework::ShadeLevel(3, 5) == 3);
  CHECK(framework::ShadeLevel(4, 5) == 4);
  CHECK(framework::ShadeLevel(5, 5) == 4);

  const std::string text = framework::RenderSummaryText(r, {100, false, true});
  CHECK(Contains(text, "Coverage: Theme T (t), coded words per participant"));
  CHECK(Contains(text, "\u2588\u2588\u2588 5"));  // P1 on A: the darkest shade
  CHECK(Contains(text, "\u2591\u2591\u2591 1"));  // P4 on A: the lightest
  CHECK(Contains(text,
                 "Legend: \u00B7 no data  \u2591 1  \u2592 2  \u2593 3  \u2588 4\u20135 "
                 "coded words"));
  CHECK(Contains(text, "Sub C [little data]"));
  CHECK(Contains(text, "P2, P3, P4, P5, P6, P7"));
  CHECK(Contains(text, "Little data: Sub C"));
}

TEST_CASE("summarise: the range of views lists every summary with attribution, drafts marked") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  const SummaryReport r = Report(study, {});
  REQUIRE(r.range.size() == 1);
  const framework::RangeColumn& a = r.range[0].columns[0];
  CHECK(a.charted == 4);
  CHECK(a.uncharted == 2);  // P2 and P6 have data on A but no summary
  CHECK(a.withheld == 0);
  REQUIRE(a.groups.size() == 1);
  REQUIRE(a.groups[0].entries.size() == 4);
  CHECK(a.groups[0].entries[0].summary == "First view on A");
  CHECK(a.groups[0].entries[0].attribution == "Upland");
  CHECK(a.groups[0].entries[0].refs == std::vector<std::string>{"L1", "L5"});
  CHECK(a.groups[0].entries[1].status == framework::ChartStatus::kDraft);
  const std::string text = framework::RenderSummaryText(r, {100, false, true});
  CHECK(Contains(text, "Sub A (t.a): 4 summaries, 2 not yet charted"));
  CHECK(Contains(text, "\u2022 Drafted view on A [draft]"));
  CHECK(Contains(text, "\u2014 Upland (L1, L5)"));
  CHECK(Contains(text, "\u2022 The lone voice on A"));  // no --by: nothing is broken down

  // By role: the lone academic cannot be merged with anyone, so the breakdown is refused
  // (showing the other groups would give the academic's summary as the rest).
  SummariseOptions by;
  by.by = study.participants.FindAttribute("role");
  const SummaryReport grouped = Report(study, by);
  REQUIRE(grouped.plan);
  CHECK(grouped.plan->refused);
  CHECK(grouped.plan->groups.empty());
  CHECK(grouped.range.empty());
  CHECK(grouped.coverage.empty());
  const std::string grouped_text = framework::RenderSummaryText(grouped, {100, false, true});
  CHECK(!Contains(grouped_text, "lone voice"));
  CHECK(!Contains(grouped_text, "practitioner"));
  CHECK(Contains(grouped_text, "no breakdown by role"));
}

TEST_CASE("summarise: group comparison shares, spread and the sub-themes that differ most") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions o;
  o.by = study.participants.FindAttribute("role");
  o.compare = true;
  // The lone academic (P7) would have the breakdown refused at 3: every group shown at 1.
  o.min_group = 1;
  const SummaryReport r = Report(study, o);
  REQUIRE(r.comparison);
  const auto& cols = r.comparison->themes[0].columns;
  REQUIRE(cols.size() == 3);
  // A: practitioners 3 of 3, managers 2 of 3 (P4, P6); B: 2 of 3 (P1, P3) and 1 of 3 (P5);
  // C: 1 of 3 and 0 of 3. The academic (P7) spoke to A and B.
  CHECK(cols[0].shares[0].spoke == 3);
  CHECK(cols[0].shares[1].spoke == 2);
  CHECK(cols[0].shares[1].size == 3);
  CHECK(cols[1].shares[0].spoke == 2);
  CHECK(cols[1].shares[1].spoke == 1);
  CHECK(cols[2].shares[0].spoke == 1);
  CHECK(cols[2].shares[1].spoke == 0);
  CHECK(cols[0].spread == 33);  // 100 - 67
  CHECK(cols[1].spread == 67);  // 100 (the academic) - 33
  CHECK(cols[2].spread == 33);
  REQUIRE(r.comparison->differ_most.size() == 3);
  CHECK(r.comparison->differ_most[0].column == 1);  // largest spread first
  CHECK(r.comparison->differ_most[1].column == 0);  // ties in framework order
  CHECK(r.comparison->differ_most[2].column == 2);
  const std::string text = framework::RenderSummaryText(r, {100, false, true});
  CHECK(Contains(text, "practitioner (3)"));
  CHECK(Contains(text, "2 of 3 (67%)"));
  CHECK(Contains(text,
                 "1. Sub B (t.b): academic 1 of 1 (100%), manager 1 of 3 (33%); 67 "
                 "points apart"));
  CHECK(Contains(text, "academic (1)"));
}

TEST_CASE("summarise: words instead of numbers, with thresholds from framework.yaml") {
  framework::ShareWords w;  // 25, 50, 75
  CHECK(framework::ShareWord(0, 7, w) == "none");
  CHECK(framework::ShareWord(1, 7, w) == "a few");  // 14%
  CHECK(framework::ShareWord(2, 8, w) == "some");   // 25% exactly
  CHECK(framework::ShareWord(3, 7, w) == "some");   // 43%
  CHECK(framework::ShareWord(1, 2, w) == "many");   // 50%
  CHECK(framework::ShareWord(5, 7, w) == "many");   // 71%
  CHECK(framework::ShareWord(3, 4, w) == "most");   // 75%
  CHECK(framework::ShareWord(6, 7, w) == "most");
  CHECK(framework::ShareWord(7, 7, w) == "all");
  CHECK(framework::ShareWord(0, 0, w) == "none");
  framework::ShareWords strict{10, 40, 90};
  CHECK(framework::ShareWord(1, 7, strict) == "some");
  CHECK(framework::ShareWord(6, 7, strict) == "many");
  CHECK(framework::SharePercent(2, 3) == 67);
  CHECK(framework::SharePercent(1, 8) == 13);  // 12.5 rounds half up
  CHECK(framework::SharePercent(0, 0) == 0);

  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions o;
  o.by = study.participants.FindAttribute("role");
  o.compare = true;
  o.words = true;
  o.min_group = 1;  // as above: the lone academic shown
  const SummaryReport r = Report(study, o);
  const std::string text = framework::RenderSummaryText(r, {100, false, true});
  CHECK(Contains(text, "1. Sub B (t.b): academic all, manager some"));
  CHECK(!Contains(text, "(67%)"));
  CHECK(!Contains(text, "points"));
  CHECK(!Contains(text, "practitioner (3)"));

  // Thresholds set in framework.yaml reach the words.
  WriteFile(s.root() / "framework.yaml", ReadFile(s.root() / "framework.yaml") +
                                             "share_words: {some: 10, many: 70, most: 90}\n");
  const framework::Study tuned = Load(s.root());
  REQUIRE(tuned.diagnostics.empty());
  CHECK(tuned.framework.share_words.many == 70);
  const std::string tuned_text = framework::RenderSummaryText(Report(tuned, o), {100, false, true});
  CHECK(Contains(tuned_text, "1. Sub B (t.b): academic all, manager some"));
}

TEST_CASE("summarise: small groups merge into (other), or the breakdown is refused") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  const std::vector<std::string> ids{"P1", "P2", "P3", "P4", "P5", "P6", "P7"};
  const int sector = study.participants.FindAttribute("sector");
  // south (2) and east (1) merge into (other) of 3.
  framework::GroupPlan plan = framework::PlanGroups(study, ids, sector, 3);
  CHECK(GroupLabels(plan) == std::vector<std::string>{"north", "(other)"});
  CHECK(plan.merged);
  CHECK(!plan.refused);
  CHECK(plan.groups[1].participants == std::vector<std::string>{"P5", "P6", "P7"});
  CHECK(plan.GroupOf("P7") == 1);
  // With 4, (other) of 3 is too small: north alone would give the rest away, so refused.
  plan = framework::PlanGroups(study, ids, sector, 4);
  CHECK(plan.refused);
  CHECK(plan.groups.empty());
  CHECK(plan.GroupOf("P1") == -1);
  // With 1 every group stands alone, in declared order.
  plan = framework::PlanGroups(study, ids, sector, 1);
  CHECK(GroupLabels(plan) == std::vector<std::string>{"north", "south", "east"});
  // Missing values form "(not recorded)", which is merged like any small group.
  framework::Study partial = study;
  partial.participants.participants[0].values[1].reset();
  plan = framework::PlanGroups(partial, ids, sector, 1);
  CHECK(GroupLabels(plan) == std::vector<std::string>{"north", "south", "east", "(not recorded)"});

  SummariseOptions o;
  o.by = sector;
  o.compare = true;
  const SummaryReport r = Report(study, o);
  const auto& a = r.comparison->themes[0].columns[0];
  CHECK(a.shares[0].spoke == 4);  // north: P1-P4 all spoke to A
  CHECK(a.shares[1].spoke == 2);  // (other): P6, P7
  CHECK(a.shares[1].size == 3);
  // (The second note: summaries whose attribution few of their group share stand under
  // (other) in the range of views, TextHeadings.)
  REQUIRE(r.notes.size() == 2);
  CHECK(r.notes[0] ==
        "groups of sector with fewer than 3 participants are merged into (other), so none is "
        "shown on its own");
  INFO(r.notes[1]);
  CHECK(r.notes[1].rfind("in the range of views", 0) == 0);
}

TEST_CASE("summarise: co-occurrence within a segment differs from within a turn") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions o;
  const SummaryReport seg = Report(study, o);
  REQUIRE(seg.cooccurrence);
  const framework::Cooccurrence& cs = *seg.cooccurrence;
  CHECK(cs.codes == std::vector<std::string>{"t.a", "t.b", "t.c"});
  CHECK(cs.counts[0][1] == 2);  // P1 and P3 overlap
  CHECK(cs.counts[1][0] == 2);
  CHECK(cs.counts[0][2] == 0);
  CHECK(cs.counts[1][2] == 0);
  CHECK(cs.totals == std::vector<std::size_t>{7, 4, 1});  // segments per code
  REQUIRE(cs.pairs.size() == 1);
  CHECK(cs.pairs[0].count == 2);
  CHECK(cs.pairs[0].participants == 2);

  o.within = framework::Within::kTurn;
  const SummaryReport turn = Report(study, o);
  const framework::Cooccurrence& ct = *turn.cooccurrence;
  CHECK(ct.counts[0][1] == 3);  // P1's first turn, P3, and P7's turn
  CHECK(ct.counts[0][2] == 1);  // P1's last turn
  CHECK(ct.counts[1][2] == 0);
  REQUIRE(ct.pairs.size() == 2);
  CHECK(ct.pairs[0].a == 0);
  CHECK(ct.pairs[0].b == 1);
  CHECK(ct.pairs[0].participants == 3);
  CHECK(ct.pairs[1].b == 2);

  const std::string text = framework::RenderSummaryText(turn, {100, false, true});
  CHECK(Contains(text, "Co-occurrence (--within turn)"));
  CHECK(Contains(text, "t.a + t.b: 3 times, 3 participants"));
  CHECK(Contains(text, "t.a + t.c: 1 time, 1 participant"));
}

TEST_CASE("summarise: the case view reads one participant across the themes") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions o;
  o.participant = "P1";
  const SummaryReport r = Report(study, o);
  REQUIRE(r.case_view);
  CHECK(r.coverage.empty());
  CHECK(!r.cooccurrence);
  const framework::CaseView& v = *r.case_view;
  CHECK(v.attribution == "Upland");
  REQUIRE(v.themes.size() == 1);
  REQUIRE(v.themes[0].cells.size() == 3);
  CHECK(v.themes[0].cells[0].chart->summary == "First view on A");
  CHECK(v.themes[0].cells[1].segments == 1);
  CHECK(v.themes[0].cells[1].excerpt_refs == std::vector<std::string>{"L1"});
  CHECK(v.themes[0].cells[2].words == 2);
  CHECK(v.themes[0].cells[2].excerpt_refs == std::vector<std::string>{"L5"});
  const std::string text = framework::RenderSummaryText(r, {80, false, true});
  CHECK(Contains(text, "Case: P1 (Upland)"));
  CHECK(Contains(text, "Sub A [charted]"));
  CHECK(Contains(text, "refs: L1, L5"));
  CHECK(Contains(text, "Sub C: not charted"));
  CHECK(Contains(text, "1 segment, 2 words (L5)"));
}

TEST_CASE("summarise: a group of one participant is never broken down, in any view or format") {
  // The lone academic cannot be merged with anyone: --by role is refused in every view and
  // format (the other groups shown would give the academic away as the rest).
  SmallStudy s;
  for (const std::string& format : kFormats) {
    for (const std::string& view : kViewNames) {
      CAPTURE(format);
      CAPTURE(view);
      RunResult run = Run({"summarise", "-C", s.root().string(), "--by", "role", "--view", view,
                           "--format", format, "--width", "120"});
      CHECK(run.exit_code == 1);
      CHECK(run.out.empty());
      CHECK(Contains(run.err, "no breakdown by role"));
      CHECK(!Contains(Lower(run.err), "academic"));
    }
    RunResult all =
        Run({"summarise", "-C", s.root().string(), "--by", "role", "--words", "--format", format});
    CHECK(all.exit_code == 1);
    CHECK(all.out.empty());
  }
  // With --min-group 1 the group of one is the researcher's explicit choice.
  RunResult one = Run({"summarise", "-C", s.root().string(), "--by", "role", "--min-group", "1",
                       "--view", "compare"});
  CHECK(Contains(one.out, "academic (1)"));
}

TEST_CASE("summarise: the output is the same with one or three parser threads (--jobs)") {
  // The example has several transcripts, so one and three parser threads differ in what runs
  // where, never in what is written.
  for (const std::string& format : {std::string("json"), std::string("text")}) {
    CAPTURE(format);
    RunResult one = Run(
        {"summarise", "-C", kExample.string(), "--by", "role", "--format", format, "--jobs", "1"});
    RunResult three = Run(
        {"summarise", "-C", kExample.string(), "--by", "role", "--format", format, "--jobs", "3"});
    REQUIRE(one.exit_code == 0);
    REQUIRE(three.exit_code == 0);
    CHECK(one.out == three.out);
    CHECK(!one.out.empty());
  }
  RunResult bad = Run({"summarise", "-C", kExample.string(), "--jobs", "lots"});
  CHECK(bad.exit_code == 2);
}

TEST_CASE("summarise: every view in every format on the small study, deterministic") {
  SmallStudy s;
  for (const std::string& format : kFormats) {
    CAPTURE(format);
    const std::vector<std::string> args{"summarise", "-C",  s.root().string(), "--by", "sector",
                                        "--format",  format};
    RunResult first = Run(args);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out == Run(args).out);
    CHECK(Contains(first.out, "Sub A"));
    CHECK(Contains(first.out, "(other)"));
    RunResult person =
        Run({"summarise", "-C", s.root().string(), "--participant", "P3", "--format", format});
    REQUIRE(person.exit_code == 0);
    CHECK(Contains(person.out, "Drafted view on A"));
  }
  RunResult html = Run({"summarise", "-C", s.root().string(), "--format", "html"});
  CHECK(Contains(html.out, "<!DOCTYPE html>"));
  CHECK(Contains(html.out, "class=\"heatmap\""));
  CHECK(Contains(html.out, "class=\"cell l4\""));
  CHECK(!Contains(html.out, "<script"));
  CHECK(!Contains(html.out, "http"));  // no outside assets
}

TEST_CASE("summarise: the comparison in text, exactly, at 80 columns") {
  SmallStudy s;
  RunResult run = Run({"summarise", "-C", s.root().string(), "--by", "sector", "--view", "compare",
                       "--width", "80", "-q"});
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());
  // By hand: north is P1-P4; south (P5, P6) and east (P7) merge into (other). A: P1-P4 and
  // P6, P7; B: P1, P3 and P5, P7; C: P1 only.
  CHECK(run.out ==
        "Group comparison by sector: the share of each group that spoke to each sub-theme\n"
        "\n"
        "Theme T (t)\n"
        "┌───────────────────┬───────────────────┬───────────────────┬──────────────────┐\n"
        "│ Sub-theme         │ north (4)         │ (other) (3)       │ Spread           │\n"
        "├───────────────────┼───────────────────┼───────────────────┼──────────────────┤\n"
        "│ Sub A             │ 4 of 4 (100%)     │ 2 of 3 (67%)      │ 33 points        │\n"
        "├───────────────────┼───────────────────┼───────────────────┼──────────────────┤\n"
        "│ Sub B             │ 2 of 4 (50%)      │ 2 of 3 (67%)      │ 17 points        │\n"
        "├───────────────────┼───────────────────┼───────────────────┼──────────────────┤\n"
        "│ Sub C             │ 1 of 4 (25%)      │ 0 of 3 (0%)       │ 25 points        │\n"
        "└───────────────────┴───────────────────┴───────────────────┴──────────────────┘\n"
        "\n"
        "Where the groups differ most\n"
        "  1. Sub A (t.a): north 4 of 4 (100%), (other) 2 of 3 (67%); 33 points apart\n"
        "  2. Sub C (t.c): north 1 of 4 (25%), (other) 0 of 3 (0%); 25 points apart\n"
        "  3. Sub B (t.b): (other) 2 of 3 (67%), north 2 of 4 (50%); 17 points apart\n"
        "\n"
        "Note: groups of sector with fewer than 3 participants are merged into\n"
        "      (other), so none is shown on its own\n");
}

TEST_CASE("summarise: colour only adds escape codes, the text is the same without them") {
  SmallStudy s;
  const std::vector<std::string> args{"summarise", "-C", s.root().string(), "--by", "sector",
                                      "--width",   "90"};
  RunResult plain = Run(args);
  std::vector<std::string> colored_args = args;
  colored_args.push_back("--color=always");
  RunResult colored = Run(colored_args);
  REQUIRE(plain.exit_code == 0);
  REQUIRE(colored.exit_code == 0);
  CHECK(!Contains(plain.out, "\x1b["));
  CHECK(Contains(colored.out, "\x1b[1m"));
  CHECK(StripAnsi(colored.out) == plain.out);
  RunResult no_color = Run(colored_args, kSourceDir, {{"NO_COLOR", "1"}});
  CHECK(Contains(no_color.out, "\x1b["));  // --color always wins over NO_COLOR
}

TEST_CASE("summarise: usage errors say what to do, with did-you-mean") {
  SmallStudy s;
  const std::string dir = s.root().string();
  RunResult theme = Run({"summarise", "-C", dir, "tt"});
  CHECK(theme.exit_code == 2);
  CHECK(Contains(theme.err, "no theme 'tt'"));
  CHECK(Contains(theme.err, "did you mean 't'?"));
  RunResult attr = Run({"summarise", "-C", dir, "--by", "rol"});
  CHECK(attr.exit_code == 2);
  CHECK(Contains(attr.err, "did you mean 'role'?"));
  RunResult who = Run({"summarise", "-C", dir, "--participant", "P9"});
  CHECK(who.exit_code == 2);
  CHECK(Contains(who.err, "no participant 'P9'"));
  CHECK(Contains(who.err, "did you mean 'P1'?"));
  RunResult view = Run({"summarise", "-C", dir, "--view", "coverge"});
  CHECK(view.exit_code == 2);
  CHECK(Contains(view.err, "did you mean 'coverage'?"));
  RunResult compare = Run({"summarise", "-C", dir, "--view", "compare"});
  CHECK(compare.exit_code == 2);
  CHECK(Contains(compare.err, "--by"));
  RunResult both = Run({"summarise", "-C", dir, "--participant", "P1", "--view", "coverage"});
  CHECK(both.exit_code == 2);
  RunResult within = Run({"summarise", "-C", dir, "--within", "line"});
  CHECK(within.exit_code == 2);
}

TEST_CASE("summarise: -o writes the file atomically and prints nothing on stdout") {
  SmallStudy s;
  const fs::path out = s.root() / "summary.html";
  RunResult run =
      Run({"summarise", "-C", s.root().string(), "--format", "html", "-o", out.string()});
  CHECK(run.exit_code == 0);
  CHECK(run.out.empty());
  CHECK(Contains(ReadFile(out), "</html>"));
  CHECK(Contains(run.err, "written to"));
}

// The option sets the lean and the full summaries are compared on.
std::vector<SummariseOptions> OptionSets(const framework::Study& study) {
  std::vector<SummariseOptions> sets(1);
  SummariseOptions by;
  by.by = study.participants.FindAttribute("role");
  by.compare = true;
  sets.push_back(by);
  by.words = true;
  by.min_group = 1;
  sets.push_back(by);
  SummariseOptions turn;
  turn.within = framework::Within::kTurn;
  sets.push_back(turn);
  SummariseOptions one;
  one.themes = {static_cast<int>(study.framework.themes.size()) - 1};
  sets.push_back(one);
  for (const framework::Transcript& t : study.transcripts) {
    SummariseOptions c;
    c.participant = t.participant;
    sets.push_back(c);
    if (sets.size() > 8) break;
  }
  for (SummariseOptions& o : sets)
    if (o.themes.empty())
      for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
        o.themes.push_back(static_cast<int>(t));
  return sets;
}

// A study loaded without its text (SummariseLoadOptions) and summarised a theme at a time gives
// the report the study loaded whole and its matrices give, in every format.
void CheckLeanMatchesFull(const fs::path& root) {
  const framework::Study full = Load(root);
  framework::DiskFileSystem disk(root.string());
  const framework::Study lean = framework::LoadStudy(disk, framework::SummariseLoadOptions());
  REQUIRE(lean.transcripts.size() == full.transcripts.size());
  for (const framework::Transcript& t : lean.transcripts) CHECK(t.text.empty());
  for (const SummariseOptions& o : OptionSets(full)) {
    const SummaryReport a =
        framework::Summarise(full, framework::ChartedMatrices(full, o.themes), o);
    const SummaryReport b = framework::Summarise(lean, o);
    CAPTURE(o.participant);
    CAPTURE(o.by);
    CHECK(framework::RenderSummaryJson(a) == framework::RenderSummaryJson(b));
    CHECK(framework::RenderSummaryText(a, {100, false, true}) ==
          framework::RenderSummaryText(b, {100, false, true}));
    CHECK(framework::RenderSummaryMarkdown(a) == framework::RenderSummaryMarkdown(b));
    // Built a theme a thread (SummariseOptions::jobs), and rendered a section a thread: the same.
    SummariseOptions threads = o;
    threads.jobs = 3;
    const SummaryReport c = framework::Summarise(lean, threads);
    CHECK(framework::RenderSummaryJson(c) == framework::RenderSummaryJson(b));
    CHECK(framework::RenderSummaryText(c, {100, false, true, 3}) ==
          framework::RenderSummaryText(b, {100, false, true}));
  }
}

TEST_CASE("summarise: loaded without the text, a theme at a time, the report is the same") {
  SmallStudy s;
  CheckLeanMatchesFull(s.root());
  CheckLeanMatchesFull(kExample);
}

TEST_CASE("summarise: LoadOptions::count_words records each column's words as the matrix has") {
  SmallStudy s;
  framework::DiskFileSystem disk(s.root().string());
  framework::LoadOptions load;
  load.keep_text = false;
  load.count_words = true;
  const framework::Study lean = framework::LoadStudy(disk, load);
  const int p1 = lean.FindTranscript("P1");
  REQUIRE(p1 >= 0);
  const auto& words = lean.transcripts[static_cast<std::size_t>(p1)].columns;
  // P1: t.a "one two three four" + "seven", t.b "three", t.c "five six".
  REQUIRE(words.size() == 3);
  CHECK(words[0].words == 5);
  CHECK(words[1].words == 1);
  CHECK(words[2].words == 2);
  const framework::Matrix m = framework::IndexTheme(lean, 0);
  const framework::MatrixCell* a = m.Find("P1", "a");
  REQUIRE(a);
  CHECK(a->words == 5);
  REQUIRE(a->segments.size() == 2);
  CHECK(a->segments[0].line_start == 1);
  CHECK(a->segments[1].line_start == 5);
  CHECK(a->segments[0].text.empty());
}

TEST_CASE("summarise: a participant with two transcripts counts once in a co-occurring pair") {
  SmallStudy s;
  // A second transcript of P3 (an error `check` reports; the summary still counts P3 once).
  WriteFile(s.root() / "transcripts" / "P3-second.txt",
            "---\nparticipant: P3\n---\nP3: {t.a}again {t.b}both{/t.b}{/t.a}\n");
  for (const bool lean : {false, true}) {
    framework::DiskFileSystem disk(s.root().string());
    const framework::Study study = framework::LoadStudy(
        disk, lean ? framework::SummariseLoadOptions() : framework::LoadOptions{});
    SummariseOptions o;
    o.themes = {0};
    const SummaryReport r = framework::Summarise(study, o);
    REQUIRE(r.cooccurrence);
    CHECK(r.cooccurrence->counts[0][1] == 3);  // P1, P3 and P3 again
    REQUIRE(!r.cooccurrence->pairs.empty());
    CHECK(r.cooccurrence->pairs[0].participants == 2);  // P1 and P3
  }
}

// --- the bundled example ---

TEST_CASE("summarise: example numbers agree with framework codes and framework chart") {
  const framework::Study study = Load(kExample);
  REQUIRE(study.framework.FindTheme("training") >= 0);
  SummariseOptions o;
  o.themes = {study.framework.FindTheme("training")};
  o.by = study.participants.FindAttribute("role");
  o.compare = true;
  const SummaryReport r = Report(study, o);
  // `framework codes` gives, per column, the words and participants; coverage must agree.
  RunResult codes = Run({"codes", "-C", kExample.string(), "--format", "json"});
  REQUIRE(codes.exit_code == 0);
  const Json cj = Json::parse(codes.out);
  std::size_t checked = 0;
  for (const Json& theme : cj["themes"]) {
    if (theme["id"] != "training") continue;
    for (const Json& sub : theme["subthemes"]) {
      for (const auto& col : r.coverage[0].columns) {
        if (col.id != sub["id"].get<std::string>()) continue;
        CAPTURE(col.id);
        CHECK(col.words == sub["words"].get<std::size_t>());
        CHECK(col.participants == sub["participants"].get<std::size_t>());
        ++checked;
      }
    }
  }
  CHECK(checked == 5);
  // `framework chart` counts the charted cells; the range of views holds every one of them.
  RunResult chart = Run({"chart", "training", "-C", kExample.string(), "--format", "json"});
  REQUIRE(chart.exit_code == 0);
  std::size_t charted = 0;
  const Json chart_json = Json::parse(chart.out);
  for (const Json& row : chart_json["rows"])
    for (const Json& cell : row["cells"]) charted += !cell["chart"].is_null();
  std::size_t in_range = 0;
  for (const auto& col : r.range[0].columns) in_range += col.charted;
  CHECK(in_range == charted);
  CHECK(charted == 70);
  // Roles: 7 practitioners, 4 managers, 3 academics; all large enough at min_group 3.
  REQUIRE(r.plan);
  CHECK(GroupLabels(*r.plan) == std::vector<std::string>{"practitioner", "manager", "academic"});
  CHECK(r.plan->groups[0].participants.size() == 7);
  CHECK(r.plan->groups[2].participants.size() == 3);
}

TEST_CASE("summarise: every view in every format on the example, refused by role at 4") {
  const std::string dir = kExample.string();
  for (const std::string& format : kFormats) {
    CAPTURE(format);
    RunResult all = Run({"summarise", "-C", dir, "--by", "role", "--format", format});
    REQUIRE(all.exit_code == 0);
    CHECK(Contains(all.out, "Pre-qualification teaching"));
    CHECK(Contains(Lower(all.out), "academic"));
    RunResult turn = Run({"summarise", "training", "-C", dir, "--view", "cooccurrence", "--within",
                          "turn", "--format", format});
    REQUIRE(turn.exit_code == 0);
    CHECK(Contains(turn.out, "training.prequal"));
    RunResult person = Run({"summarise", "-C", dir, "--participant", "P07", "--format", format});
    REQUIRE(person.exit_code == 0);
    CHECK(Contains(person.out, "P07"));
    // min_group 4: the three academics are fewer, and alone in (other): refused.
    for (const std::string& view : kViewNames) {
      CAPTURE(view);
      RunResult refused = Run({"summarise", "-C", dir, "--by", "role", "--min-group", "4", "--view",
                               view, "--format", format, "--words"});
      CHECK(refused.exit_code == 1);
      CHECK(refused.out.empty());
      CHECK(Contains(refused.err, "no breakdown by role"));
    }
  }
}

}  // namespace

TEST_CASE("summarise: ParseWithin reads what WithinName writes, and nothing else") {
  for (framework::Within w : {framework::Within::kSegment, framework::Within::kTurn})
    CHECK(framework::ParseWithin(framework::WithinName(w)) == w);
  CHECK(!framework::ParseWithin("paragraph").has_value());
  CHECK(!framework::ParseWithin("").has_value());
}

TEST_CASE("summarise: the JSON written piece by piece is exactly dump(2) of itself") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions by;
  by.by = study.participants.FindAttribute("sector");
  by.compare = true;
  SummariseOptions one;
  one.participant = "P3";
  SummariseOptions none;
  none.coverage = none.range = none.cooccurrence = false;
  for (const SummariseOptions& options : {SummariseOptions{}, by, one, none}) {
    const std::string out = framework::RenderSummaryJson(Report(study, options));
    CHECK(nlohmann::ordered_json::parse(out).dump(2) + "\n" == out);
  }
}

TEST_CASE("summarise: GroupTexts gives the group order and headings of the range of views") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  const int sector = study.participants.FindAttribute("sector");
  const std::vector<std::string> ids{"P1", "P2", "P3", "P4", "P5", "P6", "P7"};
  const framework::GroupPlan plan = framework::PlanGroups(study, ids, sector, 3);
  REQUIRE(GroupLabels(plan) == std::vector<std::string>{"north", "(other)"});
  // Three Upland texts in north stay there; the one Lowland text in north moves to (other),
  // where three more Lowland texts are.
  const std::vector<std::string> labels{"Upland",  "Upland",  "Upland", "Lowland",
                                        "Lowland", "Lowland", "Lowland"};
  const framework::TextGrouping texts = framework::GroupTexts(plan, ids, labels, false);
  REQUIRE(texts.headings.size() == 3);  // north, (other), and the extra (other), unused here
  CHECK(texts.headings[0].label == "north");
  CHECK(texts.headings[1].kind == framework::SummaryGroup::Kind::kOther);
  CHECK(texts.headings[2].label == "(other)");
  CHECK(texts.headings[0].participants.empty());
  CHECK(texts.heading_of.at("P1") == 0);
  CHECK(texts.heading_of.at("P3") == 0);
  CHECK(texts.heading_of.at("P4") == 1);
  CHECK(texts.heading_of.at("P7") == 1);
  CHECK(texts.moved);
  const framework::TextGrouping identifying = framework::GroupTexts(plan, ids, labels, true);
  CHECK(identifying.heading_of.at("P4") == 0);
  CHECK(!identifying.moved);
  // The study's own attributions (the region): two of each in north, so every text there
  // stands under (other), in the range of views as GroupTexts says.
  const framework::TextGrouping real = framework::GroupTexts(
      plan, ids, {"Upland", "Upland", "Lowland", "Lowland", "Lowland", "Upland", "Upland"}, false);
  CHECK(real.heading_of.at("P1") == 1);
  // The range of views stands each summary where GroupTexts says.
  SummariseOptions options;
  options.by = sector;
  const SummaryReport r = Report(study, options);
  REQUIRE(r.range.size() == 1);
  for (const framework::RangeGroup& g : r.range[0].columns[0].groups)
    for (const framework::RangeEntry& e : g.entries) {
      const std::string who = e.participant;
      CAPTURE(who);
      CHECK(g.group == real.heading_of.at(who));
    }
}

TEST_CASE("summarise: a value per participant among many groups linearly, GroupOf by index") {
  // 20,000 participants, each with a value of their own: every group is under min_group, so
  // all of them make one "(other)". Grouping used to compare each participant with each group.
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\nthemes:\n  - id: t\n    subthemes:\n      - {id: a}\n");
  std::string people = "attributes:\n  code: {type: string}\nparticipants:\n";
  std::vector<std::string> ids;
  for (int i = 1; i <= 20000; ++i) {
    ids.push_back("P" + std::to_string(i));
    people += "  - {id: " + ids.back() + ", code: c" + std::to_string(i) + "}\n";
  }
  WriteFile(root / "participants.yaml", people);
  fs::create_directories(root / "transcripts");
  const framework::Study study = Load(root);
  const int code = study.participants.FindAttribute("code");
  REQUIRE(code >= 0);
  const framework::GroupPlan plan = framework::PlanGroups(study, ids, code, 3);
  REQUIRE(plan.groups.size() == 1);
  CHECK(plan.groups[0].kind == framework::SummaryGroup::Kind::kOther);
  CHECK(plan.groups[0].participants.size() == 20000);
  CHECK(plan.index.size() == 20000);
  CHECK(plan.GroupOf("P12345") == 0);
  CHECK(plan.GroupOf("nobody") == -1);
  // A plan built by hand, without an index, is looked through.
  framework::GroupPlan hand;
  hand.groups.resize(2);
  hand.groups[1].participants = {"X"};
  CHECK(hand.GroupOf("X") == 1);
  CHECK(hand.GroupOf("Y") == -1);
}

TEST_CASE("summarise: a study of 5000 participants gives a row each, in every format") {
  // Participants declared without transcripts: the coverage grid has a row per participant,
  // drawn a row at a time.
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\nthemes:\n  - id: t\n    subthemes:\n      - {id: a}\n      - {id: b}\n");
  const int n = 5000;
  std::string people = "participants:\n";
  for (int i = 1; i <= n; ++i) people += "  - {id: P" + std::to_string(i) + "}\n";
  WriteFile(root / "participants.yaml", people);
  WriteFile(root / "transcripts/P1.txt", "P1: {t.a}one two{/t.a}\n");
  const RunResult text = Run({"summarise", "-C", root.string(), "--view", "coverage", "-q"});
  REQUIRE(text.exit_code == 0);
  std::size_t rows = 0, rules = 0;
  for (std::size_t at = 0; (at = text.out.find("\n\u2502 P", at)) != std::string::npos; ++at)
    ++rows;
  for (std::size_t at = 0; (at = text.out.find("\n\u251C", at)) != std::string::npos; ++at) ++rules;
  CHECK(rows == static_cast<std::size_t>(n) + 1);  // and the header, "Participant"
  // Under the header and between the rows, and two in the sub-theme table.
  CHECK(rules == static_cast<std::size_t>(n) + 2);
  const RunResult md = Run({"summarise", "-C", root.string(), "--view", "coverage", "-f", "md"});
  REQUIRE(md.exit_code == 0);
  CHECK(Contains(md.out, "| P5000 | \u00B7 | \u00B7 |\n"));
  const RunResult json =
      Run({"summarise", "-C", root.string(), "--view", "coverage", "-f", "json"});
  REQUIRE(json.exit_code == 0);
  const Json parsed = Json::parse(json.out);
  CHECK(parsed["coverage"][0]["subthemes"][0]["cells"].size() == static_cast<std::size_t>(n));
  CHECK(parsed["coverage"][0]["subthemes"][0]["silent"].size() == static_cast<std::size_t>(n - 1));
  const RunResult one = Run({"summarise", "-C", root.string(), "--participant", "P4999", "-q"});
  CHECK(one.exit_code == 0);
}

TEST_CASE("summarise: every renderer gives the same bytes whole and through a sink") {
  SmallStudy s;
  const framework::Study study = Load(s.root());
  SummariseOptions by;
  by.by = study.participants.FindAttribute("sector");
  by.compare = true;
  SummariseOptions one;
  one.participant = "P1";
  for (const SummariseOptions& options : {SummariseOptions{}, by, one}) {
    const SummaryReport r = Report(study, options);
    std::string joined;
    std::size_t pieces = 0;
    const framework::SummarySink sink = [&](std::string_view piece) {
      joined += piece;
      ++pieces;
    };
    framework::RenderSummaryText(r, {72, false, true}, sink);
    CHECK(joined == framework::RenderSummaryText(r, {72, false, true}));
    joined.clear();
    framework::RenderSummaryMarkdown(r, sink);
    CHECK(joined == framework::RenderSummaryMarkdown(r));
    joined.clear();
    framework::RenderSummaryJson(r, sink);
    CHECK(joined == framework::RenderSummaryJson(r));
    joined.clear();
    framework::RenderSummaryHtml(r, sink);
    CHECK(joined == framework::RenderSummaryHtml(r));
    CHECK(pieces >= 4);
  }
}

TEST_CASE("summarise: html.h's one table writer gives export's and summarise's layouts") {
  const std::vector<std::string> header{"A", "B"};
  const std::vector<std::vector<framework::HtmlCell>> rows{{{"r1"}, {"x", "key"}},
                                                           {{"r2"}, {"", "empty"}}};
  std::string compact;
  framework::HtmlTableStyle plain;
  plain.table_class = "cooc";
  framework::AppendHtmlTable(header, rows, plain, compact);
  CHECK(compact ==
        "<div class=\"scroll\"><table class=\"cooc\"><thead><tr><th>A</th><th>B</th></tr></thead>"
        "<tbody>\n<tr><th>r1</th><td class=\"key\">x</td></tr>\n"
        "<tr><th>r2</th><td class=\"empty\"></td></tr>\n</tbody></table></div>\n");
  std::string open;
  framework::HtmlTableStyle sheet;
  sheet.focusable = sheet.scopes = sheet.tag_per_line = true;
  framework::AppendHtmlTable(header, rows, sheet, open);
  CHECK(open ==
        "<div class=\"scroll\" tabindex=\"0\">\n<table>\n<thead>\n<tr><th scope=\"col\">A</th>"
        "<th scope=\"col\">B</th></tr>\n</thead>\n<tbody>\n<tr><th scope=\"row\">r1</th>"
        "<td class=\"key\">x</td></tr>\n<tr><th scope=\"row\">r2</th><td class=\"empty\"></td>"
        "</tr>\n</tbody>\n</table>\n</div>\n");
}

TEST_CASE("summarise: a table drawn a row at a time is the table drawn whole") {
  // The coverage grid goes through AppendTable's after-row hook; every row's text is the same
  // as RenderTable's, and a narrow column that a wide character widens still lines up.
  std::vector<framework::TableCell> header{{"Who"}, {"Said"}};
  std::vector<std::vector<framework::TableCell>> rows;
  for (int i = 0; i < 50; ++i)
    rows.push_back({{"P" + std::to_string(i)},
                    {i % 3 ? "short" : "a longer text that wraps over lines \u4E2D\u6587"}});
  // Width 8 leaves the wrapped column 1 wide (min_column 1): the CJK characters widen it.
  for (const auto& [width, min_column] :
       std::vector<std::pair<std::size_t, std::size_t>>{{8, 1}, {24, 1}, {24, 12}}) {
    framework::TableOptions options;
    options.width = width;
    options.min_column = min_column;
    options.fixed = {true};
    std::string drawn;
    std::size_t calls = 0;
    framework::AppendTable(header, rows, options, drawn, [&](std::string&) { ++calls; });
    CHECK(drawn == framework::RenderTable(header, rows, options));
    CHECK(calls == rows.size());
  }
}

TEST_CASE("summarise: a table wrapped on several threads is the table wrapped on one") {
  // 400 rows: more than one block of rows at 3 jobs (64 rows a job), the last block part-full.
  std::vector<framework::TableCell> header{{"Who"}, {"Said"}, {"More"}};
  std::vector<std::vector<framework::TableCell>> rows;
  for (int i = 0; i < 400; ++i)
    rows.push_back({{"P" + std::to_string(i)},
                    {std::string(static_cast<std::size_t>(i % 17), 'x') + " e-learning (L" +
                     std::to_string(i) + "-" + std::to_string(i + 2) + ") \u201Cquoted\u201D"},
                    {i % 5 ? "" : "\u4E2D\u6587 text"}});
  for (const std::size_t width : {30, 80}) {
    framework::TableOptions one;
    one.width = width;
    one.fixed = {true};
    framework::TableOptions three = one;
    three.jobs = 3;
    std::string drawn;
    std::size_t calls = 0;
    framework::AppendTable(header, rows, three, drawn, [&](std::string&) { ++calls; });
    CHECK(drawn == framework::RenderTable(header, rows, one));
    CHECK(calls == rows.size());
  }
}

TEST_CASE("summarise: the text rendered a section a thread is the text rendered in order") {
  // Sections render on their own as if after a line that is not blank, and are rendered again
  // in place where that does not hold: here a label ending in blank lines leaves the coverage
  // of theme t1 ending in a blank line, so the theme after it starts without a gap.
  SummaryReport r;
  r.population = 3;
  for (int t = 0; t < 5; ++t) {
    framework::Coverage c;
    c.theme = "t" + std::to_string(t);
    c.label = "Theme " + std::to_string(t);
    c.participants = {"P1", "P2", "P3"};
    framework::CoverageColumn col;
    col.id = "s";
    col.label = t == 1 ? "Sub\n\n" : "Sub";
    col.little_data = true;
    col.words = 4;
    col.participants = 1;
    col.silent = {"P2", "P3"};
    c.columns = {col};
    c.words = {{4}, {0}, {0}};
    c.max_words = 4;
    r.coverage.push_back(c);
    framework::RangeTheme range;
    range.theme = c.theme;
    range.label = c.label;
    framework::RangeColumn rc;
    rc.id = "s";
    rc.label = "Sub";
    rc.charted = 1;
    framework::RangeGroup g;
    framework::RangeEntry e;
    e.attribution = "Manager, children's services";
    e.summary = t == 3 ? "Ends in blank lines\n\n" : "Plain words (L1-2).";
    e.refs = {"L1-2"};
    g.entries = {e};
    rc.groups = {g};
    range.columns = {rc};
    r.range.push_back(range);
  }
  const std::string in_order = framework::RenderSummaryText(r, {60, false, true, 1});
  CHECK(in_order.find("Sub\n\n\nCoverage: Theme 2") == std::string::npos);
  for (const unsigned jobs : {2u, 3u, 8u}) {
    CHECK(framework::RenderSummaryText(r, {60, false, true, jobs}) == in_order);
    std::string pieces;
    framework::RenderSummaryText(r, {60, false, true, jobs},
                                 [&](std::string_view piece) { pieces += piece; });
    CHECK(pieces == in_order);
  }
}
