// End-to-end tests of `framework chart`, run as a binary (see run_binary.h) on fresh copies of
// the bundled example and on the small studies in tests/studies-chart/.
//
// Goldens, in tests/golden/ (regenerate with UPDATE_GOLDENS=1 ./framework_tests -tc='*chart*',
// then read the diff before committing it):
//   chart-training-w100.txt     `chart training --width 100 --color never`
//   chart-training-w160.txt     `chart training --width 160 --color never`
//   chart-treatment-adult.txt   `chart treatment --width 80 --sort role,sector
//                                --attributes role,sector --where "sector=adult social care"`
//   chart-role-w100.txt         `chart role --width 100` (no chart: cells show their data)
//   chart-unicode-w70.txt       `chart voices --width 70` on tests/studies-chart/unicode
//   chart-unicode-w50.txt       `chart voices --width 50` on tests/studies-chart/unicode
//
// Editing runs the binary with EDITOR and VISUAL set to a small shell script written to the
// test's temporary folder: it copies the buffer it was given beside itself (so the test can read
// what the user would have seen), then changes it as the test needs, or not at all.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "framework/text.h"
#include "run_binary.h"
#include "study_copy.h"

namespace {

using namespace framework_test;

const fs::path kUnicodeStudy = kSourceDir / "tests" / "studies-chart" / "unicode";
const char* kEpoch = "1700000000";
const char* kEpochIso = "2023-11-14T22:13:20Z";

// The cells of a chart file as text blocks: "P01:prequal" -> from its "  - participant:" line to
// the next one (or the end).
std::map<std::string, std::string> Cells(const std::string& yaml) {
  std::map<std::string, std::string> blocks;
  const std::vector<std::string> lines = Lines(yaml);
  std::string key, block;
  auto flush = [&] {
    if (!block.empty() && !key.empty()) {  // not the lines before the first cell
      CHECK_MESSAGE(blocks.count(key) == 0, "two blocks for ", key);
      blocks[key] = block;
    }
    block.clear();
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    static const std::string kStart = "  - participant: ";
    if (lines[i].rfind(kStart, 0) == 0) {
      flush();
      key = lines[i].substr(kStart.size()) + ":";
      if (i + 1 < lines.size() && lines[i + 1].rfind("    subtheme: ", 0) == 0)
        key += lines[i + 1].substr(14);
    }
    block += lines[i] + "\n";
  }
  flush();
  return blocks;
}

framework::Chart LoadChartFile(const fs::path& path) {
  framework::Diagnostics diagnostics;
  framework::Chart chart =
      framework::LoadChart("charts/" + path.filename().string(), ReadFile(path), diagnostics);
  CHECK_MESSAGE(diagnostics.empty(), path.string(), " loads with diagnostics");
  return chart;
}

const framework::ChartCell* FindCell(const framework::Chart& chart, const std::string& p,
                                     const std::string& s) {
  const int i = chart.Find(p, s);
  return i < 0 ? nullptr : &chart.cells[static_cast<std::size_t>(i)];
}

// The study at `root` through the library, and one theme's matrix with its chart attached.
framework::Matrix LibraryMatrix(const fs::path& root, const std::string& theme) {
  framework::DiskFileSystem disk(root.string());
  const framework::Study study = framework::LoadStudy(disk);
  const int t = study.framework.FindTheme(theme);
  REQUIRE(t >= 0);
  framework::Matrix m = framework::IndexTheme(study, t);
  for (const auto& chart : study.charts)
    if (chart.theme == theme) framework::AttachChart(m, chart);
  return m;
}

// Writes an executable editor script `name` in `dir`: it first copies the buffer it was given
// to `<name>.buffer`, then runs `body` (which may change "$1").
fs::path WriteEditor(const fs::path& dir, const std::string& name, const std::string& body) {
  const fs::path path = dir / name;
  WriteFile(path, "#!/bin/sh\ncp \"$1\" '" + (dir / (name + ".buffer")).string() + "' || exit 9\n" +
                      body + "\n");
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
  return path;
}

// An editor that replaces the SUMMARY section with the contents of `summary` (and the COMMENT
// section with `comment`, and the status with `status`, when not empty).
fs::path ReplacingEditor(const fs::path& dir, const std::string& name, const std::string& summary,
                         const std::string& comment = {}, const std::string& status = {},
                         const std::string& then = {}) {
  const fs::path summary_file = dir / (name + ".summary");
  const fs::path comment_file = dir / (name + ".comment");
  WriteFile(summary_file, summary);
  WriteFile(comment_file, comment);
  const std::string awk =
      "awk -v sf='" + summary_file.string() + "' -v cf='" + comment_file.string() + "' -v st='" +
      status + "' -v keep_comment='" + (comment.empty() ? "1" : "") +
      "' '\n"
      "/^## SUMMARY/ { print; while ((getline l < sf) > 0) print l; skip = 1; next }\n"
      "/^## COMMENT/ { print; skip = 0; if (keep_comment == \"\") {\n"
      "  while ((getline l < cf) > 0) print l; skip = 1 }; next }\n"
      "/^## STATUS:/ { skip = 0; if (st != \"\") { print \"## STATUS: \" st; next } }\n"
      "!skip { print }' \"$1\" > \"$1.new\" && cat \"$1.new\" > \"$1\" && rm -f \"$1.new\"";
  return WriteEditor(dir, name, awk + (then.empty() ? "" : "\n" + then));
}

std::map<std::string, std::string> EditorEnv(const StudyCopy& study, const fs::path& editor) {
  return {{"EDITOR", editor.string()},
          {"VISUAL", editor.string()},
          {"SOURCE_DATE_EPOCH", kEpoch},
          {"TMPDIR", study.tmp().string()}};
}

// Buffers the binary left behind: kept in the study's .framework/unsaved (or, when the study
// cannot take them, in TMPDIR).
std::size_t LeftoverBuffers(const StudyCopy& study) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(study.tmp()))
    n += entry.path().filename().string().rfind("framework-chart-", 0) == 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(study / ".framework/unsaved", ec))
    n += entry.path().extension() == ".md";
  return n;
}

// The study's files, less the edit buffers kept in .framework/unsaved.
std::map<std::string, std::string> StudyFiles(const StudyCopy& study) {
  auto files = Snapshot(study.root());
  std::erase_if(files, [](const auto& f) { return f.first.rfind(".framework/", 0) == 0; });
  return files;
}

bool IsTableLine(const std::string& line) {
  for (const char* border : {"┌", "│", "├", "└", "+", "|"})
    if (line.rfind(border, 0) == 0) return true;
  return false;
}

// Every line of the table in `out` has the same display width; returns it.
std::size_t CheckTableAligned(const std::string& out) {
  std::size_t width = 0, rows = 0;
  for (const std::string& line : Lines(out)) {
    if (!IsTableLine(line)) continue;
    INFO("line: ", line);
    const std::size_t w = framework::DisplayWidth(line);
    if (rows++ == 0) width = w;
    CHECK(w == width);
    CHECK(line.back() != ' ');
  }
  CHECK(rows > 3);
  return width;
}

// No line reference in the table is broken across lines: each "(L" is followed, on the same
// line, by "<digits>" or "<digits>-<digits>" and a closing parenthesis.
void CheckRefsWhole(const std::string& out) {
  for (const std::string& line : Lines(out)) {
    if (!IsTableLine(line)) continue;
    for (std::size_t at = line.find("(L"); at != std::string::npos; at = line.find("(L", at + 1)) {
      std::size_t i = at + 2;
      while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
      if (i < line.size() && line[i] == '-') ++i;
      while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
      INFO("line: ", line);
      CHECK(i > at + 2);
      CHECK(i < line.size());
      if (i < line.size()) CHECK(line[i] == ')');
    }
  }
}

// The JSON diagnostics of `framework check` on `root` with rule `rule`.
std::vector<nlohmann::json> CheckDiagnostics(const fs::path& root, const std::string& rule) {
  const RunResult r = Run({"check", "--format", "json"}, root);
  const auto report = nlohmann::json::parse(r.out);
  std::vector<nlohmann::json> out;
  for (const auto& d : report.at("diagnostics"))
    if (d.at("rule") == rule) out.push_back(d);
  return out;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "not found: ", from);
  CHECK_MESSAGE(text.find(from, at + 1) == std::string::npos, "found twice: ", from);
  return text.replace(at, from.size(), to);
}

std::string CollapseAll(const std::string& text) {
  std::string out;
  for (char c : text)
    if (!framework::IsAsciiSpace(c)) out += c;
  return out;
}

}  // namespace

// ---- viewing ---------------------------------------------------------------------------------

TEST_CASE("chart: golden terminal output of the example at fixed widths") {
  StudyCopy study;
  struct Case {
    const char* golden;
    std::vector<std::string> args;
    std::size_t width;  // the table's width when the columns fit, else 0
  };
  const std::vector<Case> cases = {
      {"chart-training-w100.txt", {"chart", "training", "--width", "100", "--color", "never"}, 100},
      {"chart-training-w160.txt", {"chart", "training", "--width", "160", "--color", "never"}, 160},
      {"chart-treatment-adult.txt",
       {"chart", "treatment", "--width", "80", "--sort", "role,sector", "--attributes",
        "role,sector", "--where", "sector=adult social care", "--color", "never"},
       0},
      {"chart-role-w100.txt", {"chart", "role", "--width", "100"}, 100},
  };
  for (const Case& c : cases) {
    CAPTURE(c.golden);
    const RunResult r = Run(c.args, study.root());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find('\x1b') == std::string::npos);
    CheckGolden(kGoldens / c.golden, r.out);
    const std::size_t width = CheckTableAligned(r.out);
    if (c.width) CHECK(width == c.width);
    CheckRefsWhole(r.out);
  }
  // The example is untouched by viewing.
  CHECK(Snapshot(study.root()) == Snapshot(kExample));
}

TEST_CASE("chart: what the example's views say") {
  StudyCopy study;
  SUBCASE("training: every cell charted, the header counts them") {
    // Wide enough for the heading on one line (it wraps to the width like the table).
    const RunResult r = Run({"chart", "training", "--width", "160"}, study.root());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("Training and guidance (training): 14 participants x 5 sub-themes; 70 "
                      "charted (",
                      0) == 0);
    CHECK(Contains(r.out, "0 drafts, 0 stale, 0 waiting\n"));
    CHECK(!Contains(r.out, "[stale]"));
    CHECK(!Contains(r.out, "segments,"));
    CHECK(!Contains(r.out, "Orphan"));
    for (const char* header : {"Participant", "Pre-", "Post-", "Access to", "Gaps in"})
      CHECK(Contains(r.out, header));
  }
  SUBCASE("treatment: --where keeps the adult social care rows, --sort orders them by role") {
    const RunResult r = Run({"chart", "treatment", "--width", "200", "--sort", "role,sector",
                             "--attributes", "role,sector", "--where", "sector=adult social care"},
                            study.root());
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> rows;
    for (const std::string& line : Lines(r.out))
      if (line.rfind("│ P", 0) == 0 && line.rfind("│ Participant", 0) != 0)
        rows.push_back(line.substr(4, 3));
    // Practitioners, then managers, then academics (the declared order), then by id.
    CHECK(rows == std::vector<std::string>{"P02", "P08", "P11", "P06", "P13", "P09"});
    CHECK(Contains(r.out, "6 participants x 4 sub-themes"));
  }
  SUBCASE("--where with != and quotes") {
    const RunResult r =
        Run({"chart", "treatment", "--width", "200", "--where", "sector!='adult social care'"},
            study.root());
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.out, "8 participants x 4 sub-themes"));
  }
  SUBCASE("role: uncharted cells show their data") {
    const RunResult r = Run({"chart", "role", "--width", "160"}, study.root());
    REQUIRE(r.exit_code == 0);
    const framework::Matrix m = LibraryMatrix(study.root(), "role");
    for (std::size_t row = 0; row < m.participants.size(); ++row) {
      for (const auto& cell : m.cells[row]) {
        REQUIRE(cell.has_data());
        const std::string text = std::to_string(cell.segments.size()) +
                                 (cell.segments.size() == 1 ? " segment, " : " segments, ") +
                                 std::to_string(cell.words) + " words";
        CHECK(Contains(r.out, text));
      }
    }
    CHECK(Contains(r.out, "0 charted (0 reviewed), 0 drafts, 0 stale, 42 waiting"));
  }
}

TEST_CASE("chart: CJK, combining marks and emoji keep the borders aligned (golden)") {
  StudyCopy study(kUnicodeStudy);
  REQUIRE(Run({"check", "--strict"}, study.root()).exit_code == 0);
  for (const std::string width : {"70", "50"}) {
    CAPTURE(width);
    const RunResult r =
        Run({"chart", "voices", "--width", width, "--color", "never"}, study.root());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CheckGolden(kGoldens / ("chart-unicode-w" + width + ".txt"), r.out);
    const std::size_t table = CheckTableAligned(r.out);
    CHECK(table >= std::stoul(width));
    if (width == "70") CHECK(table == 70);
    CheckRefsWhole(r.out);
    // Every summary is there, whole: no grapheme cluster was split across lines.
    for (const char* piece :
         {"👨‍👩‍👧‍👦", "🏳️‍🌈", "👩🏽‍⚕️", "🇬🇧🇫🇷", "👍🏽",
          "ŵ", "ŷ", "q\xCC\x83", "x\xCC\x81\xCC\x82", "培训", "Feelings 😊"})
      CHECK(Contains(r.out, piece));
    // Natural order of rows: P1, P2, P3, P10.
    const std::size_t p1 = r.out.find("│ P1 "), p2 = r.out.find("│ P2 "), p3 = r.out.find("│ P3 "),
                      p10 = r.out.find("│ P10 ");
    CHECK(p1 < p2);
    CHECK(p2 < p3);
    CHECK(p3 < p10);
    CHECK(p10 != std::string::npos);
    // With colour, the same table once the escape codes are taken out.
    const RunResult color =
        Run({"chart", "voices", "--width", width, "--color", "always"}, study.root());
    CHECK(StripAnsi(color.out) == r.out);
  }
}

TEST_CASE("chart: --format json has the matrix the library builds") {
  StudyCopy study;
  const RunResult r = Run({"chart", "training", "--format", "json"}, study.root());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto json = nlohmann::json::parse(r.out);
  CHECK(json.at("format") == "framework-chart");
  CHECK(json.at("version") == 1);
  CHECK(json.at("theme").at("id") == "training");
  REQUIRE(json.at("subthemes").size() == 5);
  CHECK(json.at("orphans").empty());
  const framework::Matrix m = LibraryMatrix(study.root(), "training");
  REQUIRE(json.at("rows").size() == 14);
  for (std::size_t row = 0; row < 14; ++row) {
    const auto& jrow = json.at("rows").at(row);
    CHECK(jrow.at("participant") == m.participants[row]);
    CHECK(jrow.at("attributes").at("role").is_string());
    REQUIRE(jrow.at("cells").size() == 5);
    for (std::size_t c = 0; c < 5; ++c) {
      const auto& jcell = jrow.at("cells").at(c);
      const framework::MatrixCell& cell = m.cells[row][c];
      INFO("cell: ", m.participants[row], ":", m.subthemes[c]);
      CHECK(jcell.at("subtheme") == m.subthemes[c]);
      const std::string state = jcell.at("state");
      CHECK((state == "charted" || state == "reviewed"));
      CHECK(jcell.at("stale") == false);
      CHECK(jcell.at("words") == cell.words);
      CHECK(jcell.at("source") == cell.source);
      REQUIRE(cell.chart);
      CHECK(jcell.at("chart").at("summary") == cell.chart->summary);
      CHECK(jcell.at("chart").at("status") == state);
      CHECK(jcell.at("chart").at("source") == cell.chart->source);
      REQUIRE(jcell.at("segments").size() == cell.segments.size());
      for (std::size_t i = 0; i < cell.segments.size(); ++i) {
        const auto& js = jcell.at("segments").at(i);
        CHECK(js.at("text") == cell.segments[i].text);
        CHECK(js.at("code") == cell.segments[i].code);
        CHECK(js.at("line_start") == cell.segments[i].line_start);
        CHECK(js.at("line_end") == cell.segments[i].line_end);
        CHECK(js.at("speaker") == cell.segments[i].speaker);
      }
    }
  }
  SUBCASE("an uncharted theme: state uncharted, chart null") {
    const auto role =
        nlohmann::json::parse(Run({"chart", "role", "--format", "json"}, study.root()).out);
    for (const auto& row : role.at("rows"))
      for (const auto& cell : row.at("cells")) {
        CHECK(cell.at("state") == "uncharted");
        CHECK(cell.at("chart").is_null());
      }
  }
}

// ---- editing ---------------------------------------------------------------------------------

TEST_CASE("chart --edit: a new summary is saved with its status, refs, source and time") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  const std::string before = ReadFile(chart);
  const framework::Matrix m = LibraryMatrix(study.root(), "training");
  const std::string source = m.Find("P03", "access")->source;
  REQUIRE(!source.empty());

  const fs::path editor = ReplacingEditor(
      study.tmp(), "edit.sh",
      "Could not get release from the caseload (L12-14); \"no cover\" at all (L20),\n"
      "and again (L12-14).\n"
      "\n"
      "A second paragraph: courses are full.\n",
      "Ask about the rota.\n", "charted");
  const RunResult r =
      Run({"chart", "training", "--edit", "P03:access"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err, "saved P03:access (charted) in charts/training.yaml"));
  CHECK(LeftoverBuffers(study) == 0);

  const framework::Chart after = LoadChartFile(chart);
  const framework::ChartCell* cell = FindCell(after, "P03", "access");
  REQUIRE(cell);
  CHECK(cell->status == framework::ChartStatus::kCharted);
  // Exactly as typed, line breaks and the blank line between paragraphs too.
  CHECK(cell->summary ==
        "Could not get release from the caseload (L12-14); \"no cover\" at all (L20),\n"
        "and again (L12-14).\n\nA second paragraph: courses are full.");
  CHECK(cell->comment == "Ask about the rota.");
  CHECK(cell->refs == std::vector<std::string>{"L12-14", "L20"});
  CHECK(cell->source == source);
  CHECK(cell->updated == kEpochIso);

  // Every other cell is byte-identical, and in the same place.
  auto old_cells = Cells(before), new_cells = Cells(ReadFile(chart));
  REQUIRE(old_cells.size() == 70);
  REQUIRE(new_cells.size() == 70);
  for (const auto& old_cell : old_cells) {
    const std::string& key = old_cell.first;  // a named variable: doctest's INFO captures it
    const auto& block = old_cell.second;
    if (key == "P03:access") continue;
    INFO("cell: ", key);
    CHECK(new_cells[key] == block);
  }
  CHECK(new_cells["P03:access"] != old_cells["P03:access"]);

  SUBCASE("a reviewed status is kept when the buffer says so") {
    const fs::path again =
        ReplacingEditor(study.tmp(), "again.sh", "Reviewed again (L80).\n", {}, "reviewed");
    const RunResult r2 =
        Run({"chart", "training", "--edit", "P03:access"}, study.root(), EditorEnv(study, again));
    CHECK(r2.exit_code == 0);
    const framework::Chart twice = LoadChartFile(chart);
    CHECK(FindCell(twice, "P03", "access")->status == framework::ChartStatus::kReviewed);
    CHECK(FindCell(twice, "P03", "access")->refs == std::vector<std::string>{"L80"});
    CHECK(FindCell(twice, "P03", "access")->comment == "Ask about the rota.");
  }
}

TEST_CASE("chart --edit: an editor that changes nothing changes nothing") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  const fs::path editor = WriteEditor(study.tmp(), "noop.sh", "");
  SUBCASE("a charted cell") {
    const RunResult r =
        Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "no change"));
  }
  SUBCASE("VISUAL is preferred to EDITOR") {
    auto env = EditorEnv(study, editor);
    env["EDITOR"] = WriteEditor(study.tmp(), "wrong.sh", "echo wrong editor >&2; exit 1").string();
    const RunResult r = Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), env);
    CHECK(r.exit_code == 0);
    CHECK(!Contains(r.err, "wrong editor"));
  }
  SUBCASE("an uncharted cell: no chart file is created") {
    const RunResult r =
        Run({"chart", "role", "--edit", "P01:background"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 0);
    CHECK(!fs::exists(study / "charts/role.yaml"));
  }
  CHECK(fs::exists(study.tmp() / "noop.sh.buffer"));  // the editor did run
  CHECK(Snapshot(study.root()) == before);
  CHECK(LeftoverBuffers(study) == 0);
}

TEST_CASE("chart --edit: an emptied summary changes nothing and keeps the buffer") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  const fs::path editor = ReplacingEditor(study.tmp(), "empty.sh", "\n\n");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
  CHECK(Contains(r.err, "the summary is empty; nothing was changed"));
  CHECK(StudyFiles(study) == before);
  CHECK(LeftoverBuffers(study) == 1);  // what was typed is kept, as the message says
}

TEST_CASE("chart --edit: a failing editor changes nothing and exits non-zero") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  // It even rewrites the summary before failing: nothing of it may be saved.
  const fs::path editor =
      ReplacingEditor(study.tmp(), "fail.sh", "Half-written summary (L66).\n", {}, {}, "exit 1");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code != 0);
  CHECK(Contains(r.err, "the editor exited with status 1; nothing was changed"));
  CHECK(StudyFiles(study) == before);
  CHECK(LeftoverBuffers(study) == 1);  // what it wrote is kept

  SUBCASE("an editor that cannot be run at all") {
    const RunResult missing = Run({"chart", "training", "--edit", "P01:prequal"}, study.root(),
                                  EditorEnv(study, study.tmp() / "no-such-editor"));
    CHECK(missing.exit_code != 0);
    CHECK(StudyFiles(study) == before);
    CHECK(LeftoverBuffers(study) == 1);  // nothing typed: no second buffer
  }
}

// An editor (or a script given as EDITOR) that leaves something other than a text of sensible
// size: refused at once, nothing saved, the buffer kept. Before, a FIFO hung, a 64 GB sparse
// file was read to the end, and a 300 MB summary was saved into a chart it then made unreadable.
TEST_CASE("chart --edit: a FIFO, a vast file or a huge summary left as the buffer is refused") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  struct Case {
    std::string name, body, says;
  };
  const std::vector<Case> cases = {
      {"fifo.sh", "rm -f \"$1\" && mkfifo \"$1\"", "a FIFO (named pipe), not a regular file"},
      {"sparse.sh", "truncate -s 64G \"$1\"", "file too large (64 GB > limit"},
      {"grown.sh", "head -c 17000000 /dev/zero | tr '\\0' 'x' >> \"$1\"", "file too large ("},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const fs::path editor = WriteEditor(study.tmp(), c.name, c.body);
    const RunResult r =
        Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 3);
    CHECK(Contains(r.err, "cannot read the buffer "));
    CHECK(Contains(r.err, c.says));
    CHECK(Contains(r.err, "; nothing was changed"));
    CHECK(Contains(r.err, "the buffer is kept in "));
    CHECK(LeftoverBuffers(study) == 1u);
    // Removed before the study is read back (a snapshot would block on the FIFO).
    fs::remove_all(study / ".framework/unsaved");
    CHECK(StudyFiles(study) == before);
  }
}

TEST_CASE("chart --edit: a line ref beyond the transcript is saved with a warning, exit 1") {
  StudyCopy study;
  const fs::path editor =
      ReplacingEditor(study.tmp(), "far.sh", "Mentioned at L900 and (L66-68).\n");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 1);
  CHECK(Contains(r.err, "warning: P01:prequal refers to L900, beyond the end of the transcript"));
  const framework::Chart saved = LoadChartFile(study / "charts/training.yaml");
  const framework::ChartCell* cell = FindCell(saved, "P01", "prequal");
  REQUIRE(cell);
  CHECK(cell->summary == "Mentioned at L900 and (L66-68).");
  CHECK(cell->refs == std::vector<std::string>{"L900", "L66-68"});
  // check reports it as an error of the chart, too.
  const auto refs = CheckDiagnostics(study.root(), "ref-out-of-range");
  REQUIRE(refs.size() == 1);
  CHECK(Contains(refs[0].at("message"), "L900"));
}

TEST_CASE("chart --next edits exactly the next uncharted cell") {
  StudyCopy study;
  SUBCASE("role has no chart: the first participant's first sub-theme") {
    const fs::path editor = ReplacingEditor(study.tmp(), "next.sh", "Qualified three years ago.\n");
    const RunResult r = Run({"chart", "role", "--next"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "editing P01:background of role"));
    CHECK(ReadFile(study.tmp() / "next.sh.buffer")
              .rfind("# framework chart role --edit P01:background\n", 0) == 0);
    const framework::Chart chart = LoadChartFile(study / "charts/role.yaml");
    REQUIRE(chart.cells.size() == 1);
    CHECK(chart.cells[0].participant == "P01");
    CHECK(chart.cells[0].subtheme == "background");
    CHECK(chart.cells[0].summary == "Qualified three years ago.");
    CHECK(chart.cells[0].status == framework::ChartStatus::kCharted);
    // And then the next one.
    const RunResult r2 = Run({"chart", "role", "--next"}, study.root(), EditorEnv(study, editor));
    CHECK(r2.exit_code == 0);
    CHECK(Contains(r2.err, "editing P01:caseload of role"));
    CHECK(LoadChartFile(study / "charts/role.yaml").cells.size() == 2);
  }
  SUBCASE("training with one cell taken out of the chart: that cell") {
    const fs::path chart = study / "charts/training.yaml";
    auto cells = Cells(ReadFile(chart));
    const std::string removed = cells.at("P05:content");
    WriteFile(chart, Replace(ReadFile(chart), removed, ""));
    const auto before = Cells(ReadFile(chart));
    const fs::path editor = ReplacingEditor(study.tmp(), "next.sh", "Back in the chart.\n");
    const RunResult r =
        Run({"chart", "training", "--next"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "editing P05:content of training"));
    const auto after = Cells(ReadFile(chart));
    CHECK(after.size() == 70);
    for (const auto& [key, block] : before) CHECK(after.at(key) == block);
    // Then nothing is left to do.
    const RunResult done =
        Run({"chart", "training", "--next"}, study.root(), EditorEnv(study, editor));
    CHECK(done.exit_code == 0);
    CHECK(Contains(done.err, "every cell with data in training is charted and up to date"));
  }
}

TEST_CASE("chart --edit: the buffer shows the sub-theme and every excerpt with its line ref") {
  StudyCopy study;
  const framework::Matrix m = LibraryMatrix(study.root(), "training");
  // A cell with several excerpts, one of them coded with the alias cpd if there is one.
  std::string participant, subtheme;
  for (std::size_t r = 0; r < m.participants.size() && participant.empty(); ++r)
    for (std::size_t c = 0; c < m.subthemes.size(); ++c)
      if (m.cells[r][c].segments.size() >= 2) {
        participant = m.participants[r];
        subtheme = m.subthemes[c];
        break;
      }
  REQUIRE(!participant.empty());
  const std::string name = participant + ":" + subtheme;
  CAPTURE(name);
  const framework::MatrixCell& cell = *m.Find(participant, subtheme);

  const fs::path editor = WriteEditor(study.tmp(), "look.sh", "");
  REQUIRE(Run({"chart", "training", "--edit", name}, study.root(), EditorEnv(study, editor))
              .exit_code == 0);
  const std::string buffer = ReadFile(study.tmp() / "look.sh.buffer");
  INFO(buffer);
  const std::vector<std::string> lines = Lines(buffer);
  // Everything before the summary is a comment line.
  std::string comments;
  bool in_comments = true;
  for (const std::string& line : lines) {
    if (line.rfind("## SUMMARY", 0) == 0) in_comments = false;
    if (in_comments) {
      CHECK(line.rfind("#", 0) == 0);
      comments += line.substr(1) + "\n";
    }
  }
  CHECK(!in_comments);
  framework::DiskFileSystem disk(study.root().string());
  const framework::Study s = framework::LoadStudy(disk);
  const auto& theme =
      s.framework.themes[static_cast<std::size_t>(s.framework.FindTheme("training"))];
  const auto& sub = theme.subthemes[static_cast<std::size_t>(m.Column(subtheme))];
  CHECK(Contains(buffer, "# Sub-theme: " + sub.label + " (" + sub.id + ")\n"));
  CHECK(Contains(CollapseAll(comments), CollapseAll(sub.description)));
  CHECK(Contains(buffer, "(" + std::to_string(cell.segments.size()) + " segments, " +
                             std::to_string(cell.words) + " words)"));
  for (const framework::CellSegment& seg : cell.segments) {
    const std::string ref = framework::LineRef{seg.line_start, seg.line_end}.ToString();
    CHECK(Contains(buffer, "\n# " + ref + " [" + seg.code + "] " + seg.speaker + ":\n"));
    CHECK(Contains(CollapseAll(comments), CollapseAll(seg.text)));
  }
  // The existing summary and status are there to edit.
  CHECK(Contains(buffer, "## SUMMARY\n" + cell.chart->summary + "\n"));
  CHECK(Contains(buffer,
                 "## STATUS: " + std::string(framework::ChartStatusName(cell.chart->status))));
}

// ---- stale and orphan cells ------------------------------------------------------------------

TEST_CASE("chart: a changed coded text makes exactly that cell stale, until accepted") {
  StudyCopy study;
  const fs::path transcript = study / "transcripts/P01.txt";
  const fs::path chart = study / "charts/training.yaml";
  const std::string before = ReadFile(chart);
  // One word inside P01's {training.prequal} segment.
  WriteFile(transcript, Replace(ReadFile(transcript), "Nothing at all about working with the",
                                "Nothing whatsoever about working with the"));

  const auto stale = CheckDiagnostics(study.root(), "stale-cell");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].at("severity") == "warning");
  CHECK(stale[0].at("file") == "charts/training.yaml");
  CHECK(Contains(stale[0].at("message"), "cell P01:prequal is stale"));
  CHECK(Run({"check"}, study.root()).exit_code == 0);
  CHECK(Run({"check", "--strict"}, study.root()).exit_code == 1);

  const RunResult view = Run({"chart", "training", "--width", "100"}, study.root());
  CHECK(view.exit_code == 0);
  CHECK(Contains(view.out, "1 stale"));
  std::size_t marks = 0;
  for (std::size_t at = view.out.find("[stale]"); at != std::string::npos;
       at = view.out.find("[stale]", at + 1))
    ++marks;
  CHECK(marks == 1);
  // In P01's row, first sub-theme column.
  CHECK(Contains(view.out, "│ P01         │ [stale]"));
  const auto json =
      nlohmann::json::parse(Run({"chart", "training", "--format", "json"}, study.root()).out);
  for (const auto& row : json.at("rows"))
    for (const auto& cell : row.at("cells"))
      CHECK(cell.at("stale") ==
            (row.at("participant") == "P01" && cell.at("subtheme") == "prequal"));
  CHECK(ReadFile(chart) == before);  // nothing was written

  // --next goes to it.
  const fs::path noop = WriteEditor(study.tmp(), "noop.sh", "");
  const RunResult next = Run({"chart", "training", "--next"}, study.root(), EditorEnv(study, noop));
  CHECK(Contains(next.err, "editing P01:prequal of training"));
  CHECK(Contains(ReadFile(study.tmp() / "noop.sh.buffer"), "# STALE:"));
  CHECK(ReadFile(chart) == before);

  // Accepting a cell that is not stale changes nothing.
  const RunResult other = Run({"chart", "training", "--accept", "P02:prequal"}, study.root());
  CHECK(other.exit_code == 0);
  CHECK(ReadFile(chart) == before);

  const RunResult accept = Run({"chart", "training", "--accept", "P01:prequal"}, study.root());
  CHECK(accept.exit_code == 0);
  CHECK(Contains(accept.err, "accepted 1 cell"));
  const std::string after = ReadFile(chart);
  const framework::Matrix m = LibraryMatrix(study.root(), "training");
  const std::string source = m.Find("P01", "prequal")->source;
  // The file is unchanged but for that cell's source, and the lines of its segments recorded
  // after it (`at`, issue 13).
  const auto old_lines = Lines(before);
  auto new_lines = Lines(after);
  const auto at_line = std::find(new_lines.begin(), new_lines.end(), "    at: [L66-69]");
  REQUIRE(at_line != new_lines.end());
  CHECK(at_line - new_lines.begin() < 12);
  new_lines.erase(at_line);
  REQUIRE(old_lines.size() == new_lines.size());
  std::size_t changed = 0;
  for (std::size_t i = 0; i < old_lines.size(); ++i) {
    if (old_lines[i] == new_lines[i]) continue;
    ++changed;
    CHECK(old_lines[i].rfind("    source: ", 0) == 0);
    CHECK(new_lines[i] == "    source: " + source);
    CHECK(i < 12);  // in the first cell, P01:prequal
  }
  CHECK(changed == 1);
  framework::Diagnostics ignored;
  CHECK(FindCell(LoadChartFile(chart), "P01", "prequal")->summary ==
        FindCell(framework::LoadChart("x", before, ignored), "P01", "prequal")->summary);
  CHECK(CheckDiagnostics(study.root(), "stale-cell").empty());
  CHECK(Run({"check", "--strict"}, study.root()).exit_code == 0);
  CHECK(!Contains(Run({"chart", "training", "--width", "100"}, study.root()).out, "[stale]"));
}

TEST_CASE("chart: cells of a renamed sub-theme are orphans, listed and never lost") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  WriteFile(study / "framework.yaml",
            Replace(ReadFile(study / "framework.yaml"), "- id: prequal", "- id: predegree"));
  const std::string before = ReadFile(chart);
  const auto old_cells = Cells(before);

  const auto orphans = CheckDiagnostics(study.root(), "orphan-cell");
  CHECK(orphans.size() == 14);
  std::set<std::string> named;
  for (const auto& d : orphans) {
    CHECK(d.at("severity") == "warning");
    const std::string message = d.at("message");
    const std::size_t at = message.find(":prequal");
    REQUIRE(at != std::string::npos);
    named.insert(message.substr(message.find("P"), at - message.find("P")));
  }
  CHECK(named.size() == 14);

  const RunResult view = Run({"chart", "training", "--width", "100"}, study.root());
  CHECK(view.exit_code == 0);
  CHECK(Contains(view.out, "Orphan cells, kept in charts/training.yaml"));
  const framework::Chart loaded = LoadChartFile(chart);
  for (const auto& c : loaded.cells)
    if (c.subtheme == "prequal")
      CHECK(Contains(view.out, "  " + c.participant + ":prequal  " + c.summary + "\n"));

  const fs::path editor = ReplacingEditor(study.tmp(), "gaps.sh", "A new gaps summary (L101).\n");
  const RunResult edit =
      Run({"chart", "training", "--edit", "P02:gaps"}, study.root(), EditorEnv(study, editor));
  CHECK(edit.exit_code == 0);
  const std::string after = ReadFile(chart);
  const auto new_cells = Cells(after);
  CHECK(new_cells.size() == 70);
  for (const auto& old_cell : old_cells) {
    const std::string& key = old_cell.first;  // a named variable: doctest's INFO captures it
    const auto& block = old_cell.second;
    if (key == "P02:gaps") continue;
    INFO("cell: ", key);
    CHECK(new_cells.count(key) == 1);
    if (new_cells.count(key)) CHECK(new_cells.at(key) == block);
  }
  CHECK(FindCell(LoadChartFile(chart), "P02", "gaps")->summary == "A new gaps summary (L101).");
}

// ---- drafts --------------------------------------------------------------------------------

TEST_CASE("chart --draft drafts uncharted cells and never touches charted ones") {
  StudyCopy study;
  const fs::path chart = study / "charts/role.yaml";
  const framework::Matrix m = LibraryMatrix(study.root(), "role");
  REQUIRE(!fs::exists(chart));

  SUBCASE("one draft, then the rest") {
    const RunResult one =
        Run({"chart", "role", "--draft"}, study.root(), {{"SOURCE_DATE_EPOCH", kEpoch}});
    CHECK(one.exit_code == 0);
    CHECK(Contains(one.err, "drafted 1 cell"));
    const framework::Chart first = LoadChartFile(chart);
    REQUIRE(first.cells.size() == 1);
    const framework::ChartCell& c = first.cells[0];
    CHECK(c.participant == "P01");
    CHECK(c.subtheme == "background");
    CHECK(c.status == framework::ChartStatus::kDraft);
    CHECK(!c.summary.empty());
    CHECK(c.source == m.Find("P01", "background")->source);
    CHECK(c.updated == kEpochIso);
    const std::string first_block = Cells(ReadFile(chart)).at("P01:background");

    const RunResult all = Run({"chart", "role", "--draft", "--all"}, study.root(),
                              {{"SOURCE_DATE_EPOCH", "1800000000"}});
    CHECK(all.exit_code == 0);
    CHECK(Contains(all.err, "drafted 41 cells"));
    const framework::Chart drafted = LoadChartFile(chart);
    CHECK(drafted.cells.size() == 42);
    for (const auto& d : drafted.cells) CHECK(d.status == framework::ChartStatus::kDraft);
    CHECK(Cells(ReadFile(chart)).at("P01:background") == first_block);
    CHECK(Contains(Run({"chart", "role", "--width", "100"}, study.root()).out, "[draft]"));

    // Nothing left to draft: nothing written.
    const std::string full = ReadFile(chart);
    const RunResult none = Run({"chart", "role", "--draft", "--all"}, study.root());
    CHECK(none.exit_code == 0);
    CHECK(Contains(none.err, "no uncharted cell"));
    CHECK(ReadFile(chart) == full);
  }

  SUBCASE("a cell charted by hand first is never redrafted") {
    const fs::path editor =
        ReplacingEditor(study.tmp(), "chart.sh", "Sees IPV in two thirds of cases (L22-23).\n");
    REQUIRE(
        Run({"chart", "role", "--edit", "P01:background"}, study.root(), EditorEnv(study, editor))
            .exit_code == 0);
    const std::string charted = Cells(ReadFile(chart)).at("P01:background");
    const RunResult one = Run({"chart", "role", "--draft"}, study.root());
    CHECK(one.exit_code == 0);
    auto cells = Cells(ReadFile(chart));
    CHECK(cells.size() == 2);
    CHECK(cells.count("P01:caseload") == 1);  // the first uncharted cell
    CHECK(cells.at("P01:background") == charted);
    REQUIRE(Run({"chart", "role", "--draft", "--all"}, study.root()).exit_code == 0);
    cells = Cells(ReadFile(chart));
    CHECK(cells.size() == 42);
    CHECK(cells.at("P01:background") == charted);
    const framework::Chart loaded = LoadChartFile(chart);
    CHECK(FindCell(loaded, "P01", "background")->status == framework::ChartStatus::kCharted);
  }

  SUBCASE("--draft --all with --where drafts only the rows shown") {
    REQUIRE(Run({"chart", "role", "--draft", "--all", "--where", "nation=Wales"}, study.root())
                .exit_code == 0);
    const framework::Chart loaded = LoadChartFile(chart);
    CHECK(loaded.cells.size() == 5 * 3);
  }
}

TEST_CASE("chart --draft on the fully charted example writes nothing") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  CHECK(Run({"chart", "training", "--draft", "--all"}, study.root()).exit_code == 0);
  CHECK(Snapshot(study.root()) == before);
}

// ---- usage and colour --------------------------------------------------------------------------

TEST_CASE("chart: usage errors exit 2 and suggest what was meant") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"chart", "trainign"}, "did you mean 'training'?"},
      {{"chart", "nothing-like-it"}, "themes: role, understanding, training"},
      {{"chart", "training", "--edit", "P01-prequal"}, "is not PARTICIPANT:SUBTHEME"},
      {{"chart", "training", "--edit", "P01:prequl"}, "did you mean 'prequal'?"},
      {{"chart", "training", "--edit", "P010:prequal"}, "did you mean 'P01'?"},
      {{"chart", "training", "--accept", "P01:gapz"}, "did you mean 'gaps'?"},
      {{"chart", "training", "--where", "sectr=adult social care"}, "did you mean 'sector'?"},
      {{"chart", "training", "--where", "sector"}, "is not ATTR=VALUE"},
      {{"chart", "training", "--sort", "rol"}, "did you mean 'role'?"},
      {{"chart", "training", "--attributes", "yeras"}, "did you mean 'years'?"},
      {{"chart", "training", "--format", "xml"}, "xml"},
      {{"chart"}, "THEME"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    CAPTURE(joined);
    const RunResult r = Run(c.args, study.root());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, c.says));
  }
  CHECK(Snapshot(study.root()) == before);
}

TEST_CASE("chart: colour only when asked for") {
  StudyCopy study;
  const std::vector<std::string> args = {"chart", "training", "--width", "100", "--pager", "never"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  const RunResult never = Run(with({"--color", "never"}), study.root());
  CHECK(never.out.find('\x1b') == std::string::npos);
  const RunResult always = Run(with({"--color", "always"}), study.root());
  CHECK(Contains(always.out, "\x1b["));
  CHECK(StripAnsi(always.out) == never.out);
  // On a terminal: colour by default, none with NO_COLOR or --color never.
  RunStdout pty;
  pty.pty_columns = 200;
  const RunResult terminal = Run(args, study.root(), {{"TERM", "xterm"}}, pty);
  CHECK(Contains(terminal.out, "\x1b["));
  const RunResult no_color = Run(args, study.root(), {{"TERM", "xterm"}, {"NO_COLOR", "1"}}, pty);
  CHECK(no_color.out.find('\x1b') == std::string::npos);
  CHECK(no_color.out == never.out);
  const RunResult flag = Run(with({"--color", "never"}), study.root(), {{"TERM", "xterm"}}, pty);
  CHECK(flag.out.find('\x1b') == std::string::npos);
  // Stale cells and drafts are styled; the borders never are.
  for (const std::string& line : Lines(always.out))
    if (IsTableLine(line)) CHECK(line.rfind("\x1b", 0) != 0);
}

TEST_CASE("chart: a table wider than the terminal goes through the pager, one that fits does not") {
  StudyCopy study;
  RunStdout pty;
  pty.pty_columns = 120;
  const std::map<std::string, std::string> env = {{"TERM", "xterm"},
                                                  {"FRAMEWORK_PAGER", "sed s/^/PAGED:/"}};
  SUBCASE("fits the terminal, in colour: printed directly") {
    // The escape codes of a coloured table do not count towards its width.
    const RunResult r = Run({"chart", "training"}, study.root(), env, pty);
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "\x1b["));
    CHECK(!Contains(r.out, "PAGED:"));
    CHECK(CheckTableAligned(StripAnsi(r.out)) == 120);
  }
  SUBCASE("fits, at a smaller --width") {
    const RunResult r = Run({"chart", "training", "--width", "100"}, study.root(), env, pty);
    CHECK(!Contains(r.out, "PAGED:"));
  }
  SUBCASE("wider than the terminal: paged") {
    const RunResult r = Run({"chart", "training", "--width", "160"}, study.root(), env, pty);
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "PAGED:┌"));
  }
  SUBCASE("--pager never") {
    const RunResult r =
        Run({"chart", "training", "--width", "160", "--pager", "never"}, study.root(), env, pty);
    CHECK(!Contains(r.out, "PAGED:"));
  }
  SUBCASE("--pager always, even to a file") {
    const RunResult r =
        Run({"chart", "training", "--width", "80", "--pager", "always"}, study.root(), env);
    CHECK(Contains(r.out, "PAGED:┌"));
  }
}

TEST_CASE("chart: a chart file with errors is never rewritten") {
  StudyCopy study;
  const fs::path chart = study / "charts/training.yaml";
  // An unknown status is an error of the file: every summary in it must survive as it is.
  WriteFile(chart,
            Replace(ReadFile(chart), "    status: reviewed\n    summary: >-\n      Recalls one",
                    "    status: finished\n    summary: >-\n      Recalls one"));
  // And give --accept and --draft something to do: a stale cell, an uncharted one.
  WriteFile(chart, Replace(ReadFile(chart), Cells(ReadFile(chart)).at("P05:content"), ""));
  const fs::path transcript = study / "transcripts/P01.txt";
  WriteFile(transcript, Replace(ReadFile(transcript), "Nothing at all about working with the",
                                "Nothing whatsoever about working with the"));
  const auto before = Snapshot(study.root());
  const fs::path editor = ReplacingEditor(study.tmp(), "edit.sh", "A new summary (L80).\n");
  const auto env = EditorEnv(study, editor);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"chart", "training", "--edit", "P02:gaps"},
           {"chart", "training", "--next"},
           {"chart", "training", "--accept", "all"},
           {"chart", "training", "--draft", "--all"},
       }) {
    CAPTURE(args[2]);
    const RunResult r = Run(args, study.root(), env);
    CHECK(r.exit_code != 0);
    CHECK(Snapshot(study.root()) == before);
  }
  const RunResult edit = Run({"chart", "training", "--edit", "P02:gaps"}, study.root(), env);
  CHECK(edit.exit_code == 1);
  CHECK(Contains(edit.err, "charts/training.yaml has errors; nothing was written"));
  CHECK(Snapshot(study.root()) == before);
}

TEST_CASE("chart --edit: an unknown status keeps the buffer and changes nothing") {
  StudyCopy study;
  const auto before = Snapshot(study.root());
  const fs::path editor =
      ReplacingEditor(study.tmp(), "status.sh", "A summary (L66).\n", {}, "finished");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "unknown status 'finished'"));
  CHECK(StudyFiles(study) == before);
  CHECK(LeftoverBuffers(study) == 1);
}

TEST_CASE("chart --edit: editing a stale cell records the current source") {
  StudyCopy study;
  const fs::path transcript = study / "transcripts/P01.txt";
  WriteFile(transcript, Replace(ReadFile(transcript), "Nothing at all about working with the",
                                "Nothing whatsoever about working with the"));
  REQUIRE(CheckDiagnostics(study.root(), "stale-cell").size() == 1);
  const fs::path editor =
      ReplacingEditor(study.tmp(), "fresh.sh", "Nothing whatsoever on the men (L68-69).\n");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:prequal"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 0);
  CHECK(Contains(ReadFile(study.tmp() / "fresh.sh.buffer"), "# STALE:"));
  CHECK(CheckDiagnostics(study.root(), "stale-cell").empty());
  const framework::Matrix m = LibraryMatrix(study.root(), "training");
  CHECK(!m.Find("P01", "prequal")->stale());
  CHECK(m.Find("P01", "prequal")->chart->summary == "Nothing whatsoever on the men (L68-69).");
}

TEST_CASE("chart: a chart file that cannot be read is an error, not a theme without summaries") {
  StudyCopy study;
  const fs::path chart = study.root() / "charts" / "training.yaml";
  SUBCASE("the theme's chart in UTF-16") {
    const std::string text = ReadFile(chart);
    std::string utf16 = "\xff\xfe";
    for (char c : text) utf16 += std::string{c, '\0'};
    WriteFile(chart, utf16);
    for (const char* format : {"text", "json"}) {
      const RunResult r = Run({"chart", "training", "--format", format}, study.root());
      INFO(r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.out.empty());
      CHECK(Contains(r.err, "charts/training.yaml"));
      CHECK(Contains(r.err, "UTF-16"));
      CHECK(Contains(r.err, "the chart of training is not shown"));
    }
    CHECK(ReadFile(chart) == utf16);  // left as it was
  }
  SUBCASE("another chart file too large to read") {
    const fs::path big = study.root() / "charts" / "big.yaml";
    WriteFile(big, "");
    REQUIRE(::truncate(big.c_str(), off_t{1} << 36) == 0);
    const RunResult r = Run({"chart", "training"}, study.root());
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "charts/big.yaml"));
  }
  SUBCASE("a transcript with an error: the chart is shown, with a note") {
    const fs::path p01 = study.root() / "transcripts" / "P01.txt";
    WriteFile(p01, ReadFile(p01) + "\n{nope.code}x{/nope.code}\n");
    const RunResult r = Run({"chart", "training", "--width", "160"}, study.root());
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "70 charted"));
    CHECK(Contains(r.err, "note: the study has 1 error, so some cells may be missing"));
  }
}
