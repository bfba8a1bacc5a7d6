// Refs that follow their text (issue 13, item 2): a chart cell records where its segments were
// (`at`); `check` warns when they moved under unchanged text and when a ref lies on none of the
// cell's segments; RebaseCell and `chart --rebase` (and every save) shift the refs.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "run_binary.h"
#include "test_hooks.h"

namespace {

using namespace framework_test;
using framework::LineRef;

framework::ChartCell Cell(std::vector<std::string> at, std::vector<std::string> refs,
                          std::string summary) {
  framework::ChartCell c;
  c.participant = "P01";
  c.subtheme = "prequal";
  c.source = "0123456789abcdef";
  c.at = std::move(at);
  c.refs = std::move(refs);
  c.summary = std::move(summary);
  return c;
}

std::vector<LineRef> Ranges(const std::vector<std::string>& refs) {
  std::vector<LineRef> out;
  for (const std::string& r : refs) out.push_back(*framework::ParseLineRef(r));
  return out;
}

std::string Strays(const framework::CellRebase& r) {
  std::string out;
  for (const LineRef& s : r.stray) out += (out.empty() ? "" : " ") + s.ToString();
  return out;
}

// ---- the library --------------------------------------------------------------------------

TEST_CASE("RebaseCell shifts refs and summary refs with their segments, and nothing else") {
  const auto cell = Cell({"L12-14", "L30"}, {"L12-14", "L30", "L40"},
                         "L12 opens it; (L12-14), L13-14: then L30. \"HL7\" and L30x stay; "
                         "L12\u201314 too; L40 is elsewhere; ends L30");
  const auto r = framework::RebaseCell(cell, Ranges({"L13-15", "L32"}));
  REQUIRE(r.mapped);
  CHECK(r.cell.refs == std::vector<std::string>{"L13-15", "L32", "L40"});
  CHECK(r.cell.summary ==
        "L13 opens it; (L13-15), L14-15: then L32. \"HL7\" and L30x stay; "
        "L13\u201315 too; L40 is elsewhere; ends L32");
  CHECK(r.cell.at == std::vector<std::string>{"L13-15", "L32"});
  CHECK(framework::DescribeShifts(r.shifted) ==
        "L12-14 is now L13-15, L30 is now L32, L12 is now L13, L13-14 is now L14-15");
  CHECK(Strays(r) == "L40");
  // Everything else in the cell is as it was.
  CHECK(r.cell.source == cell.source);
  CHECK(r.cell.participant == "P01");
}

TEST_CASE("RebaseCell: segments that grew, shrank, or a ref across segments") {
  SUBCASE("a segment now spans one more line: its ends stay its ends") {
    const auto r =
        framework::RebaseCell(Cell({"L12-14"}, {"L12-14", "L13", "L14"}, ""), Ranges({"L13-16"}));
    CHECK(r.cell.refs == std::vector<std::string>{"L13-16", "L14", "L16"});
  }
  SUBCASE("a segment now on one line") {
    const auto r =
        framework::RebaseCell(Cell({"L12-14"}, {"L12-14", "L13"}, "(L12-14)"), Ranges({"L20"}));
    CHECK(r.cell.refs == std::vector<std::string>{"L20", "L20"});
    CHECK(r.cell.summary == "(L20)");
  }
  SUBCASE("a ref across two segments maps each end by its own segment") {
    const auto r =
        framework::RebaseCell(Cell({"L12-14", "L30"}, {"L12-30"}, ""), Ranges({"L12-14", "L35"}));
    CHECK(r.cell.refs == std::vector<std::string>{"L12-35"});
  }
  SUBCASE("a ref reaching past its segment shifts as the segment it overlaps") {
    const auto r =
        framework::RebaseCell(Cell({"L12-14"}, {"L10-14", "L13-16"}, ""), Ranges({"L22-24"}));
    CHECK(r.cell.refs == std::vector<std::string>{"L20-24", "L23-26"});
    CHECK(r.stray.empty());
  }
  SUBCASE("a segment that moved up") {
    const auto r =
        framework::RebaseCell(Cell({"L12-14"}, {"L12-14"}, "see L12-14."), Ranges({"L2-4"}));
    CHECK(r.cell.summary == "see L2-4.");
    CHECK(framework::DescribeMove(Ranges({"L12-14"}), Ranges({"L2-4"})) == "up 10 lines");
  }
}

TEST_CASE("RebaseCell leaves the cell when the recorded ranges do not pair with the segments") {
  for (const auto& at : std::vector<std::vector<std::string>>{
           {}, {"L12-14"}, {"L12-14", "L20", "L30"}, {"L12-14", "twelve"}}) {
    const auto cell = Cell(at, {"L12-14"}, "(L12-14)");
    const auto r = framework::RebaseCell(cell, Ranges({"L13-15", "L21"}));
    CHECK_FALSE(r.mapped);
    CHECK(r.cell.refs == cell.refs);
    CHECK(r.cell.summary == cell.summary);
    CHECK(r.cell.at == cell.at);
    CHECK(r.shifted.empty());
  }
}

TEST_CASE("RefsOutside, DescribeMove and LineRanges") {
  const auto cell = Cell({}, {"L12-14", "L15", "L9-12"}, "L15 again, L20, and (L11)");
  std::string outside;
  for (const LineRef& r : framework::RefsOutside(cell, Ranges({"L12-14", "L30"})))
    outside += r.ToString() + " ";
  CHECK(outside == "L15 L20 L11 ");  // adjacent lines are outside; each ref named once
  CHECK(framework::RefsOutside(cell, {}).size() == 5);
  CHECK(framework::DescribeMove(Ranges({"L12-14", "L30"}), Ranges({"L13-15", "L31"})) ==
        "down 1 line");
  CHECK(framework::DescribeMove(Ranges({"L12-14", "L30"}), Ranges({"L13-15", "L30"})) ==
        "by different amounts");
  CHECK(framework::DescribeMove(Ranges({"L12-14"}), Ranges({"L12-14"})).empty());
  CHECK(framework::LineRanges(Ranges({"L12-14", "L30-30"})) ==
        std::vector<std::string>{"L12-14", "L30"});
}

TEST_CASE("at: read by both chart readers alike, written back by SerializeChart") {
  const std::string text =
      "theme: training\ncells:\n  - participant: P1\n    subtheme: prequal\n    status: charted\n"
      "    refs: [L2-3]\n    source: 0123456789abcdef\n    at: [L2-3, L9]\n";
  framework::Diagnostics fast_d, slow_d;
  const auto fast = framework::LoadChart("charts/training.yaml", text, fast_d);
  const auto slow = framework::LoadChartWithYamlCpp("charts/training.yaml", text, slow_d);
  CHECK(fast_d.empty());
  CHECK(slow_d.empty());
  REQUIRE(fast.cells.size() == 1);
  REQUIRE(slow.cells.size() == 1);
  CHECK(fast.cells[0].at == std::vector<std::string>{"L2-3", "L9"});
  CHECK(slow.cells[0].at == fast.cells[0].at);
  CHECK(framework::SerializeChart(fast) == text);

  // A bad range is an error (the file is then never rewritten), from either reader.
  framework::Diagnostics bad;
  framework::LoadChart("charts/training.yaml",
                       "theme: training\ncells:\n  - participant: P1\n    subtheme: prequal\n"
                       "    status: charted\n    at: [L2-3, L0]\n",
                       bad);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].rule == "bad-ref");
  CHECK(bad[0].message == "'L0' is not a line range");
  CHECK(bad[0].line == 6);
}

// ---- check and chart, through the binary ----------------------------------------------------

class StudyCopy {
 public:
  StudyCopy() { fs::copy(kExample, root(), fs::copy_options::recursive); }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }
  fs::path operator/(const std::string& relative) const { return root() / relative; }

 private:
  TempDir tmp_;
};

std::vector<nlohmann::json> Diagnostics(const fs::path& root, const std::string& rule) {
  const RunResult r = Run({"check", "--format", "json"}, root);
  std::vector<nlohmann::json> out;
  const nlohmann::json report = nlohmann::json::parse(r.out);  // kept alive for the loop
  for (const auto& d : report.at("diagnostics"))
    if (d.at("rule") == rule) out.push_back(d);
  return out;
}

framework::ChartCell LoadCell(const fs::path& chart, const std::string& p, const std::string& s) {
  framework::Diagnostics d;
  const framework::Chart c = framework::LoadChart("charts/x.yaml", ReadFile(chart), d);
  for (const auto& diagnostic : d)  // warnings (an unknown key) are fine
    CHECK(diagnostic.severity != framework::Severity::kError);
  const int i = c.Find(p, s);
  REQUIRE(i >= 0);
  return c.cells[static_cast<std::size_t>(i)];
}

// The text of lines `ref` of `file` (1-based), joined by newlines.
std::string LinesOf(const std::string& file, const std::string& ref) {
  const auto range = framework::ParseLineRef(ref);
  REQUIRE(range);
  const std::vector<std::string> lines = Lines(file);
  std::string out;
  for (int l = range->first; l <= range->last; ++l) {
    REQUIRE(static_cast<std::size_t>(l) <= lines.size());
    out += lines[static_cast<std::size_t>(l - 1)] + "\n";
  }
  return out;
}

// The refs of a cell: its `refs`, then those typed in its summary.
std::vector<std::string> AllRefs(const framework::ChartCell& cell) {
  std::vector<std::string> out = cell.refs;
  for (const auto& found : framework::FindLineRefs(cell.summary))
    out.push_back(found.ref.ToString());
  return out;
}

// Inserts `line` before line `before` (1-based) of `path`.
void InsertLine(const fs::path& path, int before, const std::string& line) {
  std::string text = ReadFile(path);
  std::size_t at = 0;
  for (int l = 1; l < before; ++l) at = text.find('\n', at) + 1;
  text.insert(at, line + "\n");
  WriteFile(path, text);
}

TEST_CASE("refs: a line inserted above a charted segment is reported, and --rebase restores them") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  const fs::path transcript = study / "transcripts/P01.txt";
  // The example's charts predate `at`: --rebase records it, changing no ref.
  const RunResult record = Run({"chart", "training", "--rebase"}, study.root());
  CHECK(record.exit_code == 0);
  CHECK(Contains(record.err,
                 "P01:prequal: recorded where its segments are (at: L66-69); it had no record to "
                 "shift its refs from"));
  const framework::ChartCell before = LoadCell(chart, "P01", "prequal");
  CHECK(before.at == std::vector<std::string>{"L66-69"});
  CHECK(before.refs == std::vector<std::string>{"L66-68", "L68-69"});
  CHECK(Diagnostics(study.root(), "moved-refs").empty());
  const std::string old_text = ReadFile(transcript);

  // One line inserted after the front matter (line 8): the text is unchanged, so not stale.
  InsertLine(transcript, 8, "");
  CHECK(Diagnostics(study.root(), "stale-cell").empty());
  const auto moved = Diagnostics(study.root(), "moved-refs");
  std::vector<nlohmann::json> p01_prequal;
  for (const auto& d : moved)
    if (Contains(d.at("message").get<std::string>(), "P01:prequal")) p01_prequal.push_back(d);
  REQUIRE(p01_prequal.size() == 1);
  CHECK(p01_prequal[0].at("severity") == "warning");
  CHECK(p01_prequal[0].at("file") == "charts/training.yaml");
  CHECK(p01_prequal[0].at("line") == 3);  // the cell's first line
  CHECK(p01_prequal[0].at("column") == 5);
  CHECK(p01_prequal[0].at("message") ==
        "refs point to lines that moved: the coded text of P01:prequal moved down 1 line "
        "(L66-68 is now L67-69, L68-69 is now L69-70)");
  CHECK(p01_prequal[0].at("hint") ==
        "run 'framework chart training --rebase P01:prequal' to shift them with the text");
  // Every P01 cell of the chart moved; other participants' did not.
  for (const auto& d : moved) CHECK(Contains(d.at("message").get<std::string>(), "P01:"));
  CHECK(moved.size() == 5);
  // The text form, with its location.
  const RunResult text = Run({"check"}, study.root());
  CHECK(text.exit_code == 0);
  CHECK(Contains(text.err,
                 "charts/training.yaml:3:5: warning: refs point to lines that moved: the coded "
                 "text of P01:prequal moved down 1 line (L66-68 is now L67-69, L68-69 is now "
                 "L69-70)"));
  CHECK(Run({"check", "--strict"}, study.root()).exit_code == 1);

  // --rebase CELL shifts exactly that cell.
  const RunResult one = Run({"chart", "training", "--rebase", "P01:prequal"}, study.root());
  CHECK(one.exit_code == 0);
  CHECK(Contains(one.err, "P01:prequal: L66-68 is now L67-69, L68-69 is now L69-70"));
  CHECK(Contains(one.err, "rebased 1 cell in charts/training.yaml"));
  const framework::ChartCell after = LoadCell(chart, "P01", "prequal");
  CHECK(after.at == std::vector<std::string>{"L67-70"});
  CHECK(after.refs == std::vector<std::string>{"L67-69", "L69-70"});
  CHECK(after.source == before.source);
  CHECK(after.updated == before.updated);
  CHECK(after.comment == before.comment);
  // Each ref cites the same words as before the insertion.
  const std::vector<std::string> old_refs = AllRefs(before), new_refs = AllRefs(after);
  REQUIRE(old_refs.size() == new_refs.size());
  REQUIRE(old_refs.size() == 4);
  const std::string new_text = ReadFile(transcript);
  for (std::size_t i = 0; i < old_refs.size(); ++i) {
    INFO(old_refs[i], " -> ", new_refs[i]);
    CHECK(old_refs[i] != new_refs[i]);
    CHECK(LinesOf(new_text, new_refs[i]) == LinesOf(old_text, old_refs[i]));
  }
  // Only the L-tokens of the summary changed.
  std::string expected = before.summary;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"(L66-68)", "(L67-69)"}, {"(L68-69)", "(L69-70)"}}) {
    const std::size_t at = expected.find(from);
    REQUIRE(at != std::string::npos);
    expected.replace(at, from.size(), to);
  }
  CHECK(after.summary == expected);

  // The rest of P01's cells: `--rebase all`; then check is quiet again.
  const RunResult all = Run({"chart", "training", "--rebase", "all"}, study.root());
  CHECK(all.exit_code == 0);
  CHECK(Contains(all.err, "rebased 4 cells"));
  CHECK(Diagnostics(study.root(), "moved-refs").empty());
  CHECK(Run({"check", "--strict"}, study.root()).exit_code == 0);
  // Nothing left to do: a second run writes nothing.
  const std::string settled = ReadFile(chart);
  CHECK(Contains(Run({"chart", "training", "--rebase"}, study.root()).err, "rebased 0 cells"));
  CHECK(ReadFile(chart) == settled);
}

TEST_CASE("refs: a stale cell is not rebased, and says so") {
  StudyCopy study;
  CHECK(Run({"chart", "training", "--rebase"}, study.root()).exit_code == 0);
  const fs::path transcript = study / "transcripts/P01.txt";
  InsertLine(transcript, 8, "");
  std::string text = ReadFile(transcript);
  const std::string from = "Nothing at all about working with the";
  text.replace(text.find(from), from.size(), "Nothing whatsoever about working with the");
  WriteFile(transcript, text);
  const std::string chart_before = ReadFile(study / "charts/training.yaml");
  const RunResult r = Run({"chart", "training", "--rebase", "P01:prequal"}, study.root());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err,
                 "P01:prequal: stale (its coded text changed since it was charted), not rebased"));
  CHECK(Contains(r.err, "rebased 0 cells in charts/training.yaml; 1 stale cell not rebased"));
  CHECK(ReadFile(study / "charts/training.yaml") == chart_before);
  // check: stale, not moved.
  bool stale = false;
  for (const auto& d : Diagnostics(study.root(), "stale-cell"))
    stale |= Contains(d.at("message").get<std::string>(), "P01:prequal");
  CHECK(stale);
  for (const auto& d : Diagnostics(study.root(), "moved-refs"))
    CHECK_FALSE(Contains(d.at("message").get<std::string>(), "P01:prequal"));

  // --accept: the summary stands for the new text; the refs follow the segments, in order.
  const RunResult accept = Run({"chart", "training", "--accept", "P01:prequal"}, study.root());
  CHECK(accept.exit_code == 0);
  CHECK(Contains(accept.err,
                 "note: shifted the refs of P01:prequal with its segments, in order (L66-68 is "
                 "now L67-69, L68-69 is now L69-70); check them: its text changed"));
  const framework::ChartCell cell = LoadCell(study / "charts/training.yaml", "P01", "prequal");
  CHECK(cell.refs == std::vector<std::string>{"L67-69", "L69-70"});
  CHECK(cell.at == std::vector<std::string>{"L67-70"});
  CHECK(Run({"check", "--strict"}, study.root()).exit_code == 1);  // P01's other cells moved
}

TEST_CASE("refs: old charts without 'at' are never reported as moved") {
  StudyCopy study;
  InsertLine(study / "transcripts/P01.txt", 8, "");
  CHECK(Diagnostics(study.root(), "moved-refs").empty());
  CHECK(Diagnostics(study.root(), "stale-cell").empty());
}

TEST_CASE("refs: a ref on none of its cell's segments is warned about, with or without 'at'") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  std::string text = ReadFile(chart);
  // P01:prequal's segment is L66-69: L70 is the next line, outside; L5 is far outside.
  const std::string from = "    refs: [L66-68, L68-69]\n";
  REQUIRE(text.find(from) != std::string::npos);
  text.replace(text.find(from), from.size(), "    refs: [L66-68, L68-69, L70]\n");
  const std::string words = "the power and control wheel (L66-68)";
  REQUIRE(text.find(words) != std::string::npos);
  text.replace(text.find(words), words.size(), "the power and control wheel (L66-68, L5)");
  WriteFile(chart, text);
  auto outside = Diagnostics(study.root(), "ref-outside-cell");
  REQUIRE(outside.size() == 2);
  CHECK(outside[0].at("severity") == "warning");
  CHECK(outside[0].at("line") == 3);
  CHECK(outside[0].at("message") ==
        "cell P01:prequal refers to L70, outside every segment of the cell (L66-69)");
  CHECK(outside[1].at("message") ==
        "cell P01:prequal refers to L5, outside every segment of the cell (L66-69)");
  CHECK(outside[0].at("hint") ==
        "cite a line of the cell's coded text, or code the passage the ref cites");

  // With `at` recorded and the segment moved: the strays are still strays (and unchanged by the
  // rebase), the others follow.
  CHECK(Run({"chart", "training", "--rebase", "P01:prequal"}, study.root()).exit_code == 0);
  InsertLine(study / "transcripts/P01.txt", 8, "");
  // P01's other cells have no `at` (not rebased): their refs now lie off their moved segments.
  outside.clear();
  for (const auto& d : Diagnostics(study.root(), "ref-outside-cell"))
    if (Contains(d.at("message").get<std::string>(), "P01:prequal")) outside.push_back(d);
  REQUIRE(outside.size() == 2);
  CHECK(outside[0].at("message") ==
        "cell P01:prequal refers to L70, outside every segment of the cell when it was charted "
        "(L66-69)");
  CHECK(outside[1].at("message") ==
        "cell P01:prequal refers to L5, outside every segment of the cell when it was charted "
        "(L66-69)");
  const RunResult r = Run({"chart", "training", "--rebase", "P01:prequal"}, study.root());
  CHECK(Contains(r.err, "L70 is on none of its segments, left as it was"));
  CHECK(Contains(r.err, "L5 is on none of its segments, left as it was"));
  const framework::ChartCell cell = LoadCell(chart, "P01", "prequal");
  CHECK(cell.refs == std::vector<std::string>{"L67-69", "L69-70", "L70"});
  CHECK(Contains(cell.summary, "(L67-69, L5)"));
  // L70 now lies on the moved segment (L67-70): it is no longer outside; L5 still is.
  outside.clear();
  for (const auto& d : Diagnostics(study.root(), "ref-outside-cell"))
    if (Contains(d.at("message").get<std::string>(), "P01:prequal")) outside.push_back(d);
  REQUIRE(outside.size() == 1);
  CHECK(outside[0].at("message") ==
        "cell P01:prequal refers to L5, outside every segment of the cell (L67-70)");
}

// An editor script that copies its buffer beside itself and then runs `body`.
fs::path Editor(const StudyCopy& study, const std::string& body) {
  const fs::path path = study.tmp() / "editor.sh";
  WriteFile(path,
            "#!/bin/sh\ncp \"$1\" '" + (study.tmp() / "buffer").string() + "'\n" + body + "\n");
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
  return path;
}

TEST_CASE("refs: every save records 'at' and rebases the cell (edit, draft)") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  CHECK(Run({"chart", "training", "--rebase"}, study.root()).exit_code == 0);
  InsertLine(study / "transcripts/P01.txt", 8, "");

  // --edit shows the summary rebased; the editor adds a sentence; the save keeps the shift.
  const fs::path editor =
      Editor(study, "sed -i 's/^Recalls one lecture/Clearly recalls one lecture/' \"$1\"");
  const std::map<std::string, std::string> env{{"EDITOR", editor.string()},
                                               {"VISUAL", editor.string()},
                                               {"SOURCE_DATE_EPOCH", "1700000000"},
                                               {"TMPDIR", study.tmp().string()}};
  const RunResult edit = Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), env);
  CHECK(edit.exit_code == 0);
  const std::string buffer = ReadFile(study.tmp() / "buffer");
  CHECK(Contains(buffer, "# L67-70 [training.prequal]"));
  CHECK(Contains(buffer, "(L67-69)"));
  CHECK_FALSE(Contains(buffer, "(L66-68)"));
  const framework::ChartCell cell = LoadCell(chart, "P01", "prequal");
  CHECK(cell.summary.rfind("Clearly recalls one lecture", 0) == 0);
  CHECK(cell.refs == std::vector<std::string>{"L67-69", "L69-70"});
  CHECK(cell.at == std::vector<std::string>{"L67-70"});
  for (const auto& d : Diagnostics(study.root(), "moved-refs"))
    CHECK_FALSE(Contains(d.at("message").get<std::string>(), "P01:prequal"));

  // --draft records where the drafted cell's segments are.
  std::string text = ReadFile(chart);
  const std::size_t start = text.find("  - participant: P02\n    subtheme: prequal\n");
  REQUIRE(start != std::string::npos);
  const std::size_t end = text.find("  - participant: ", start + 1);
  text.erase(start, end - start);
  WriteFile(chart, text);
  const RunResult draft = Run({"chart", "training", "--draft"}, study.root(), env);
  CHECK(draft.exit_code == 0);
  const framework::ChartCell drafted = LoadCell(chart, "P02", "prequal");
  CHECK(drafted.status == framework::ChartStatus::kDraft);
  CHECK(!drafted.at.empty());
  CHECK(!drafted.source.empty());
  // Its `at` is where its segments are.
  framework::DiskFileSystem disk(study.root().string());
  const framework::Study loaded = framework::LoadStudy(disk);
  const framework::Matrix m = framework::IndexTheme(loaded, loaded.framework.FindTheme("training"));
  CHECK(drafted.at ==
        framework::LineRanges(framework::SegmentLines(m.Find("P02", "prequal")->segments)));
}

// Replaces the one occurrence of `from` in `text` with `to`.
void ReplaceOnce(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  text.replace(at, from.size(), to);
}

TEST_CASE(
    "refs: only some segments moved, a ref across two segments; comments, unknown keys "
    "survive the rebase") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  const fs::path transcript = study / "transcripts/P01.txt";
  CHECK(Run({"chart", "training", "--rebase"}, study.root()).exit_code == 0);
  // P01:gaps has three segments (L52-53, L94-96, L158-159). A comment above it and inside it,
  // an unknown key, and a summary ref that spans the first two segments.
  std::string text = ReadFile(chart);
  ReplaceOnce(text, "  - participant: P01\n    subtheme: gaps\n",
              "  # the gaps cell, reviewed twice\n  - participant: P01\n    subtheme: gaps\n"
              "    # keep this note\n    memo: kept as it is\n");
  ReplaceOnce(text, "five (L158-159).", "five (L158-159); across (L52-96).");
  WriteFile(chart, text);
  const framework::ChartCell before = LoadCell(chart, "P01", "gaps");
  REQUIRE(before.at == std::vector<std::string>{"L52-53", "L94-96", "L158-159"});
  const std::string old_text = ReadFile(transcript);

  // A line inserted between the first and second segment: only the second and third move.
  InsertLine(transcript, 62, "");
  std::vector<nlohmann::json> gaps;
  for (const auto& d : Diagnostics(study.root(), "moved-refs"))
    if (Contains(d.at("message").get<std::string>(), "P01:gaps")) gaps.push_back(d);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].at("message") ==
        "refs point to lines that moved: the coded text of P01:gaps moved by different amounts "
        "(L95-96 is now L96-97, L158-159 is now L159-160, L52-96 is now L52-97)");
  CHECK(gaps[0].at("line") == 49);  // its first line (the comment and four `at` lines above)

  const std::string chart_before = ReadFile(chart);
  const RunResult r = Run({"chart", "training", "--rebase", "P01:gaps"}, study.root());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err, "rebased 1 cell in charts/training.yaml"));
  const framework::ChartCell after = LoadCell(chart, "P01", "gaps");
  CHECK(after.refs == std::vector<std::string>{"L52-53", "L96-97", "L159-160"});
  CHECK(after.at == std::vector<std::string>{"L52-53", "L95-97", "L159-160"});
  CHECK(Contains(after.summary, "(L52-53)"));
  CHECK(Contains(after.summary, "(L96-97)"));
  CHECK(Contains(after.summary, "five (L159-160); across (L52-97)."));
  for (std::size_t i = 0; i < 3; ++i)  // the cell's own refs cite the same words
    CHECK(LinesOf(ReadFile(transcript), after.refs[i]) == LinesOf(old_text, before.refs[i]));
  // Every byte outside the changed keys stays: the comments, the unknown key, the other cells.
  const std::string chart_after = ReadFile(chart);
  CHECK(Contains(chart_after,
                 "  # the gaps cell, reviewed twice\n  - participant: P01\n"
                 "    subtheme: gaps\n    # keep this note\n    memo: kept as it is\n"));
  const auto old_lines = Lines(chart_before), new_lines = Lines(chart_after);
  REQUIRE(old_lines.size() == new_lines.size());
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < old_lines.size(); ++i)
    if (old_lines[i] != new_lines[i]) changed.push_back(new_lines[i]);
  REQUIRE(changed.size() >= 3);
  CHECK(changed.back() == "    at: [L52-53, L95-97, L159-160]");
  CHECK(changed[changed.size() - 2] == "    refs: [L52-53, L96-97, L159-160]");
  for (const auto& d : Diagnostics(study.root(), "moved-refs"))
    CHECK_FALSE(Contains(d.at("message").get<std::string>(), "P01:gaps"));
}

TEST_CASE("refs: a rebase while an editor is open; the store keeps both, or refuses the edit") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  CHECK(Run({"chart", "training", "--rebase"}, study.root()).exit_code == 0);
  InsertLine(study / "transcripts/P01.txt", 8, "");
  const std::string binary = FRAMEWORK_BIN;
  const std::string rebase = "'" + binary + "' chart training --rebase >'" +
                             (study.tmp() / "rebase.err").string() + "' 2>&1";
  const std::map<std::string, std::string> base_env{{"SOURCE_DATE_EPOCH", "1700000000"},
                                                    {"TMPDIR", study.tmp().string()}};

  SUBCASE("another cell: the rebase and the edit are both kept") {
    const fs::path editor = Editor(
        study,
        rebase + "\nsed -i 's/^A safeguarding module/A safeguarding module, she says,/' \"$1\"");
    auto env = base_env;
    env["EDITOR"] = env["VISUAL"] = editor.string();
    const std::string before = LoadCell(chart, "P02", "prequal").summary;
    const RunResult edit = Run({"chart", "training", "--edit", "P02:prequal"}, study.root(), env);
    CHECK(edit.exit_code == 0);
    CHECK(Contains(ReadFile(study.tmp() / "rebase.err"), "rebased 5 cells"));
    CHECK(LoadCell(chart, "P01", "prequal").refs == std::vector<std::string>{"L67-69", "L69-70"});
    const std::string after = LoadCell(chart, "P02", "prequal").summary;
    CHECK(after != before);
    CHECK(Diagnostics(study.root(), "moved-refs").empty());
  }
  SUBCASE("the same cell: the rebase is kept, the edit refused with its buffer kept") {
    const fs::path editor = Editor(
        study, rebase + "\nsed -i 's/^Recalls one lecture/Clearly recalls one lecture/' \"$1\"");
    auto env = base_env;
    env["EDITOR"] = env["VISUAL"] = editor.string();
    const RunResult edit = Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), env);
    CHECK(edit.exit_code == 1);
    CHECK(Contains(edit.err, "was changed in charts/training.yaml while you edited it"));
    CHECK(Contains(edit.err, "your buffer is kept in"));
    const framework::ChartCell cell = LoadCell(chart, "P01", "prequal");
    CHECK(cell.refs == std::vector<std::string>{"L67-69", "L69-70"});
    CHECK(cell.summary.rfind("Recalls one lecture", 0) == 0);
  }
}

TEST_CASE("refs: --rebase on a chart file with errors writes nothing") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  std::string text = ReadFile(chart);
  ReplaceOnce(text, "    status: reviewed\n    summary: >-\n      Recalls one lecture",
              "    status: finished\n    summary: >-\n      Recalls one lecture");
  WriteFile(chart, text);
  const RunResult r = Run({"chart", "training", "--rebase"}, study.root());
  CHECK(r.exit_code == 1);
  CHECK(ReadFile(chart) == text);
}

}  // namespace
