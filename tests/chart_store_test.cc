// The chart store (chart_store.h) and the edit buffer (chart_buffer.h): in-place rewrites that
// keep every other byte, text that round-trips exactly through the buffer and the chart file,
// the lock under concurrent edits, conflicts, and buffers kept when a save cannot happen.
// The end-to-end tests run the real binary with a fake editor (a shell script in VISUAL and
// EDITOR), as chart_test.cc does.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/chart_buffer.h"
#include "framework/chart_store.h"
#include "framework/file_system.h"
#include "run_binary.h"
#include "study_copy.h"
#include "test_hooks.h"
#include "tmpfs_util.h"

namespace {

using namespace framework_test;
using framework::Chart;
using framework::ChartCell;
using framework::ChartStatus;

const char* kEpoch = "1700000000";

Chart Load(const std::string& text) {
  framework::Diagnostics diagnostics;
  Chart chart = framework::LoadChart("charts/t.yaml", text, diagnostics);
  CHECK_MESSAGE(framework::CountDiagnostics(diagnostics).errors == 0, Summary(diagnostics));
  return chart;
}

const ChartCell* FindCell(const Chart& chart, const std::string& p, const std::string& s) {
  const int i = chart.Find(p, s);
  return i < 0 ? nullptr : &chart.cells[static_cast<std::size_t>(i)];
}

// The lines `before` and `after` differ in: [first, last_before) of `before`'s lines (the
// common head and tail left out).
std::pair<std::size_t, std::size_t> ChangedLines(const std::string& before,
                                                 const std::string& after) {
  const auto a = Lines(before), b = Lines(after);
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  return {head, a.size() - tail};
}

// Texts that a summary may hold and that must come back byte for byte.
const std::vector<std::string>& HostileTexts() {
  static const std::vector<std::string> texts = {
      "plain",
      "Two paragraphs.\n\nThe second one, after a blank line.",
      "#1 concern is caseload\n## COMMENT inside the summary\n## SUMMARY\n## STATUS: draft",
      "\\## COMMENT with a backslash already\n\\\\## SUMMARY two",
      "trailing spaces   \nand a tab\tinside\n\tleading tab line",
      "  leading spaces\nsecond",
      "windows\r\nline\r\nends",
      "lone CR\rinside",
      "ends with a newline\n",
      "\nstarts with a newline",
      "three\n\n\nblank lines\n\n",
      "a line of spaces\n   \nafter it",
      std::string(120, 'x') + " long word then  double  spaces and more words to pass eighty",
      "A long plain sentence that goes on well beyond eighty characters, so it is folded into "
      "a block scalar; # not a comment",
      "A long plain sentence that goes on well beyond eighty characters and ends with a space ",
      "unicode: caf\xC3\xA9, \xE2\x80\x9Cquotes\xE2\x80\x9D, line\xE2\x80\xA8separator, "
      "nel\xC2\x85here",
      "yes",
      "- looks like a list",
      "key: value # and a comment",
      "'single' \"double\" `back`",
      "control \x01 char and \x7F delete",
      "L12-14 and (L20)",
  };
  return texts;
}

}  // namespace

// ---- text that round-trips -------------------------------------------------------------------

TEST_CASE("chart file: any summary or comment reads back byte for byte") {
  for (const std::string& text : HostileTexts()) {
    CAPTURE(text);
    Chart chart;
    chart.theme = "t";
    ChartCell cell;
    cell.participant = "P01";
    cell.subtheme = "s";
    cell.summary = text;
    cell.comment = text;
    chart.cells.push_back(cell);
    const std::string yaml = framework::SerializeChart(chart);
    CAPTURE(yaml);
    framework::Diagnostics d1, d2;
    const Chart fast = framework::LoadChart("t.yaml", yaml, d1);
    const Chart slow = framework::LoadChartWithYamlCpp("t.yaml", yaml, d2);
    CHECK(d1.empty());
    CHECK(d2.empty());
    REQUIRE(fast.cells.size() == 1);
    REQUIRE(slow.cells.size() == 1);
    CHECK(fast.cells[0].summary == text);
    CHECK(slow.cells[0].summary == text);
    CHECK(slow.cells[0].comment == text);
  }
}

TEST_CASE("edit buffer: every text survives a status-only edit byte for byte") {
  for (const std::string& text : HostileTexts()) {
    CAPTURE(text);
    const framework::CellBufferFields fields{text, text + " (comment)", ChartStatus::kCharted};
    const std::string buffer = framework::WriteCellBuffer("# header\n# more\n", fields);
    // Opened and saved unchanged.
    auto same = framework::ParseCellBuffer(buffer, fields);
    CHECK(same.error.empty());
    CHECK(same.fields.summary == text);
    CHECK(same.fields.comment == text + " (comment)");
    // Only the status changed.
    const std::size_t at = buffer.find("## STATUS: charted");
    REQUIRE(at != std::string::npos);
    std::string edited = buffer;
    edited.replace(at, std::string("## STATUS: charted").size(), "## STATUS: reviewed");
    auto parsed = framework::ParseCellBuffer(edited, fields);
    CHECK(parsed.error.empty());
    CHECK(parsed.fields.status == ChartStatus::kReviewed);
    CHECK(parsed.fields.summary == text);
    CHECK(parsed.fields.comment == text + " (comment)");
  }
}

TEST_CASE("edit buffer: its layout, its escapes and its errors") {
  const framework::CellBufferFields fields{"## COMMENT is not a header here\nok", "",
                                           ChartStatus::kDraft};
  const std::string buffer = framework::WriteCellBuffer("# h\n", fields);
  CHECK(buffer ==
        "# h\n## SUMMARY\n\\## COMMENT is not a header here\nok\n"
        "## COMMENT (your own remark, kept apart from the summary)\n\n"
        "## STATUS: draft   (draft | charted | reviewed)\n");
  SUBCASE("a changed section loses the blank lines around it, keeps those inside") {
    const std::string typed =
        "# h\n## SUMMARY\n\nFirst.\n\n# Second, a '#' line.\n\n\n"
        "## COMMENT\nmine\n## STATUS: charted\n";
    auto p = framework::ParseCellBuffer(typed, fields);
    CHECK(p.error.empty());
    CHECK(p.fields.summary == "First.\n\n# Second, a '#' line.");
    CHECK(p.fields.comment == "mine");
    CHECK(p.fields.status == ChartStatus::kCharted);
  }
  SUBCASE("an editor that wrote CR LF everywhere") {
    std::string crlf;
    for (char c : buffer) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    auto p = framework::ParseCellBuffer(crlf, fields);
    CHECK(p.error.empty());
    CHECK(p.fields.summary == fields.summary);
  }
  SUBCASE("sections missing, doubled or out of order are an error") {
    for (const std::string& bad :
         {std::string("## SUMMARY\nx\n## STATUS: charted\n"),
          std::string("## COMMENT\n## SUMMARY\nx\n## STATUS: charted\n"),
          std::string("## SUMMARY\nx\n## COMMENT\n## COMMENT\n## STATUS: charted\n")}) {
      CAPTURE(bad);
      CHECK(!framework::ParseCellBuffer(bad, fields).error.empty());
    }
  }
  SUBCASE("invalid UTF-8 typed is an error") {
    auto p =
        framework::ParseCellBuffer("## SUMMARY\nbad \xFF byte\n## COMMENT\n## STATUS:\n", fields);
    CHECK(p.error == "the summary or comment is not valid UTF-8");
  }
}

// ---- in-place rewrites -----------------------------------------------------------------------

namespace {

const char* kHandWritten =
    "# Chart of theme t, kept by hand.\n"
    "theme: t\n"
    "\n"
    "cells:\n"
    "  # P1 first\n"
    "  - participant: P1\n"
    "    subtheme: a\n"
    "    status: charted   # checked twice\n"
    "    summary: 'single quoted'\n"
    "    memo: an unknown key of P1\n"
    "\n"
    "  - subtheme: b        # keys in another order\n"
    "    participant: P1\n"
    "    status: draft\n"
    "    # a comment inside the cell\n"
    "    summary: |-\n"
    "      literal\n"
    "        indented\n"
    "    memo: kept\n"
    "  # P10 below\n"
    "  - participant: P10\n"
    "    subtheme: a\n"
    "    status: reviewed\n"
    "    summary: \"double\"\n"
    "# the end\n";

ChartCell Cell(const std::string& p, const std::string& s, const std::string& summary,
               ChartStatus status = ChartStatus::kCharted) {
  ChartCell c;
  c.participant = p;
  c.subtheme = s;
  c.summary = summary;
  c.status = status;
  return c;
}

}  // namespace

TEST_CASE("RewriteChartText: a changed cell rewrites only its changed keys") {
  const std::string text = kHandWritten;
  const Chart before = Load(text);
  REQUIRE(before.cells.size() == 3);
  std::vector<ChartCell> after = before.cells;
  after[1].summary = "new summary";
  after[1].refs = {"L3"};
  const auto out = framework::RewriteChartText(text, before, after, {"a", "b"});
  REQUIRE(out);
  CHECK(*out ==
        "# Chart of theme t, kept by hand.\n"
        "theme: t\n"
        "\n"
        "cells:\n"
        "  # P1 first\n"
        "  - participant: P1\n"
        "    subtheme: a\n"
        "    status: charted   # checked twice\n"
        "    summary: 'single quoted'\n"
        "    memo: an unknown key of P1\n"
        "\n"
        "  - subtheme: b        # keys in another order\n"
        "    participant: P1\n"
        "    status: draft\n"
        "    # a comment inside the cell\n"
        "    summary: new summary\n"
        "    refs: [L3]\n"
        "    memo: kept\n"
        "  # P10 below\n"
        "  - participant: P10\n"
        "    subtheme: a\n"
        "    status: reviewed\n"
        "    summary: \"double\"\n"
        "# the end\n");
  const Chart reread = Load(*out);
  CHECK(framework::SameCell(*FindCell(reread, "P1", "b"), after[1]));
}

TEST_CASE("RewriteChartText: new cells go where the sorted order puts them") {
  const std::string text = kHandWritten;
  const Chart before = Load(text);
  std::vector<ChartCell> after = before.cells;
  after.push_back(Cell("P2", "a", "between P1 and P10"));
  after.push_back(Cell("P0", "a", "first of all"));
  after.push_back(Cell("P11", "b", "last of all"));
  const auto out = framework::RewriteChartText(text, before, after, {"a", "b"});
  REQUIRE(out);
  const Chart reread = Load(*out);
  std::vector<std::string> order;
  for (const ChartCell& c : reread.cells) order.push_back(c.participant + ":" + c.subtheme);
  CHECK(order == std::vector<std::string>{"P0:a", "P1:a", "P1:b", "P2:a", "P10:a", "P11:b"});
  // The comment above P10 stays above it; the one at the end stays at the end.
  CHECK(Contains(*out, "    memo: kept\n  - participant: P2\n"));
  CHECK(Contains(*out, "  # P10 below\n  - participant: P10\n"));
  CHECK(Contains(*out, "  # P1 first\n  - participant: P0\n"));
  CHECK(Contains(*out, "    summary: last of all\n# the end\n"));
}

TEST_CASE("RewriteChartText: removed cells, empty lists, other indentations") {
  SUBCASE("a removed cell takes only its lines") {
    const std::string text = kHandWritten;
    const Chart before = Load(text);
    std::vector<ChartCell> after = {before.cells[0], before.cells[2]};
    const auto out = framework::RewriteChartText(text, before, after, {});
    REQUIRE(out);
    CHECK(!Contains(*out, "literal"));
    CHECK(Contains(*out, "memo: an unknown key of P1\n\n  # P10 below\n"));
    CHECK(Load(*out).cells.size() == 2);
  }
  SUBCASE("cells: [] and no cells at all") {
    for (const std::string& text :
         {std::string("theme: t # c\ncells: []\n# end\n"), std::string("# only a theme\ntheme: t"),
          std::string("theme: t\ncells:\n# nothing yet\n")}) {
      CAPTURE(text);
      const Chart before = Load(text);
      const auto out = framework::RewriteChartText(text, before, {Cell("P1", "a", "x")}, {});
      REQUIRE(out);
      const Chart reread = Load(*out);
      REQUIRE(reread.cells.size() == 1);
      CHECK(reread.cells[0].summary == "x");
      CHECK(reread.theme == "t");
    }
  }
  SUBCASE("dashes at column 0") {
    const std::string text =
        "theme: t\ncells:\n- participant: P1\n  subtheme: a\n  status: charted\n"
        "  summary: one\n  memo: m\n";
    const Chart before = Load(text);
    std::vector<ChartCell> after = before.cells;
    after[0].summary = "a\n\nparagraphs";
    after.push_back(Cell("P2", "a", "two"));
    const auto out = framework::RewriteChartText(text, before, after, {});
    REQUIRE(out);
    const Chart reread = Load(*out);
    REQUIRE(reread.cells.size() == 2);
    CHECK(reread.cells[0].summary == "a\n\nparagraphs");
    CHECK(Contains(*out, "  memo: m\n"));
  }
  SUBCASE("a flow list cannot be changed in place") {
    const std::string text = "theme: t\ncells: [{participant: P1, subtheme: a, status: draft}]\n";
    const Chart before = Load(text);
    CHECK(!framework::RewriteChartText(text, before, {Cell("P1", "a", "x")}, {}));
  }
}

// ---- the store on disk -----------------------------------------------------------------------

TEST_CASE("UpdateChartFile: writes through a symlink, refuses what it cannot keep") {
  TempDir tmp;
  const fs::path shared = tmp.path() / "shared" / "t.yaml";
  fs::create_directories(shared.parent_path());
  fs::create_directories(tmp.path() / "study" / "charts");
  WriteFile(shared, kHandWritten);
  fs::create_symlink(shared, tmp.path() / "study" / "charts" / "t.yaml");
  const framework::ChartFileRef ref{
      (tmp.path() / "study").string(), "charts/t.yaml", "t", {"a", "b"}};
  const auto r = framework::UpdateChartFile(ref, [](Chart& chart) {
    chart.cells.push_back(Cell("P3", "a", "through the link"));
    return std::string();
  });
  CHECK(r.status == framework::ChartWriteStatus::kWritten);
  CHECK(fs::is_symlink(tmp.path() / "study" / "charts" / "t.yaml"));
  CHECK(Contains(ReadFile(shared), "through the link"));
  CHECK(Contains(ReadFile(shared), "# a comment inside the cell"));
  CHECK(fs::exists(shared.parent_path() / ".t.yaml.lock"));  // the lock is beside the target

  SUBCASE("a change that declines writes nothing") {
    const std::string was = ReadFile(shared);
    const auto refused = framework::UpdateChartFile(ref, [](Chart&) { return std::string("no"); });
    CHECK(refused.status == framework::ChartWriteStatus::kRefused);
    CHECK(ReadFile(shared) == was);
  }
  SUBCASE("a conflict: the cell changed since the editor opened") {
    const Chart now = Load(ReadFile(shared));
    const ChartCell base = *FindCell(now, "P1", "a");
    ChartCell mine = base, theirs = base;
    theirs.summary = "theirs";
    mine.summary = "mine";
    CHECK(framework::UpdateChartFile(ref, framework::PutCellIfUnchanged(theirs, base)).ok());
    const auto conflict =
        framework::UpdateChartFile(ref, framework::PutCellIfUnchanged(mine, base));
    CHECK(conflict.status == framework::ChartWriteStatus::kRefused);
    CHECK(Contains(conflict.message, "cell P1:a was changed in charts/t.yaml while you edited it"));
    CHECK(FindCell(Load(ReadFile(shared)), "P1", "a")->summary == "theirs");
  }
  SUBCASE("two first saves of one new cell: the second is a conflict") {
    const ChartCell a = Cell("P9", "b", "first"), b = Cell("P9", "b", "second");
    CHECK(framework::UpdateChartFile(ref, framework::PutCellIfUnchanged(a, std::nullopt)).ok());
    const auto second =
        framework::UpdateChartFile(ref, framework::PutCellIfUnchanged(b, std::nullopt));
    CHECK(second.status == framework::ChartWriteStatus::kRefused);
    CHECK(Contains(second.message, "was saved by someone else while you edited it"));
    CHECK(FindCell(Load(ReadFile(shared)), "P9", "b")->summary == "first");
  }
  SUBCASE("a change that adds nothing to a file not there creates no file") {
    const framework::ChartFileRef none{
        (tmp.path() / "study").string(), "charts/none.yaml", "none", {}};
    CHECK(framework::UpdateChartFile(none, [](Chart&) { return std::string(); }).status ==
          framework::ChartWriteStatus::kUnchanged);
    CHECK(!fs::exists(tmp.path() / "study" / "charts" / "none.yaml"));
  }
  SUBCASE("a flow list with a comment is not rewritten whole") {
    WriteFile(shared, "theme: t  # mine\ncells: [{participant: P1, subtheme: a, status: draft}]\n");
    const std::string was = ReadFile(shared);
    const auto layout = framework::UpdateChartFile(ref, [](Chart& chart) {
      chart.cells[0].summary = "x";
      return std::string();
    });
    CHECK(layout.status == framework::ChartWriteStatus::kLayout);
    CHECK(ReadFile(shared) == was);
  }
  SUBCASE("a flow list without comments or unknown keys is rewritten whole") {
    WriteFile(shared, "theme: t\ncells: [{participant: P1, subtheme: a, status: draft}]\n");
    const auto whole = framework::UpdateChartFile(ref, [](Chart& chart) {
      chart.cells[0].summary = "x";
      return std::string();
    });
    CHECK(whole.status == framework::ChartWriteStatus::kWritten);
    CHECK(FindCell(Load(ReadFile(shared)), "P1", "a")->summary == "x");
  }
  SUBCASE("a file with errors is not touched") {
    WriteFile(shared, "theme: t\ncells:\n  - participant: P1\n    subtheme: a\n    status: done\n");
    const std::string was = ReadFile(shared);
    const auto errors = framework::UpdateChartFile(ref, [](Chart& chart) {
      chart.cells.clear();
      return std::string();
    });
    CHECK(errors.status == framework::ChartWriteStatus::kChartErrors);
    CHECK(!errors.diagnostics.empty());
    CHECK(ReadFile(shared) == was);
  }
}

// ---- the binary: concurrent edits, conflicts, kept buffers ------------------------------------

namespace {

fs::path WriteScript(const fs::path& path, const std::string& body) {
  WriteFile(path, "#!/bin/sh\n" + body + "\n");
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
  return path;
}

// An editor that waits until $N editors are open (files in $BARRIER), then puts $TEXT as the
// summary. The wait gives up after about a minute, so a broken run cannot hang the tests.
fs::path BarrierEditor(const fs::path& dir) {
  return WriteScript(dir / "barrier-editor.sh",
                     "touch \"$BARRIER/ready.$$\"\n"
                     "i=0\n"
                     "while [ \"$(ls \"$BARRIER\" | wc -l)\" -lt \"$N\" ] && [ $i -lt 6000 ]; do\n"
                     "  sleep 0.01; i=$((i+1))\n"
                     "done\n"
                     "awk -v text=\"$TEXT\" '/^## SUMMARY/ { print; print text; skip = 1; next }\n"
                     "  /^## COMMENT/ { skip = 0 } !skip { print }' \"$1\" > \"$1.new\" &&\n"
                     "  cat \"$1.new\" > \"$1\" && rm -f \"$1.new\"");
}

struct ParallelRun {
  int exit_code;
  std::string err;
};

// Runs `framework chart THEME --edit CELL` for every cell at once, each typing its own text.
std::vector<ParallelRun> EditAtOnce(const StudyCopy& study, const std::string& theme,
                                    const std::vector<std::string>& cells,
                                    const std::vector<std::string>& texts) {
  const fs::path barrier = study.tmp() / "barrier";
  const fs::path out = study.tmp() / "runs";
  fs::remove_all(barrier);
  fs::remove_all(out);
  fs::create_directories(barrier);
  fs::create_directories(out);
  const fs::path editor = BarrierEditor(study.tmp());
  std::string driver;
  for (std::size_t i = 0; i < cells.size(); ++i)
    driver += "( TEXT='" + texts[i] + "' '" + std::string(FRAMEWORK_BIN) + "' chart " + theme +
              " --edit " + cells[i] + " 2> '" + (out / ("err." + std::to_string(i))).string() +
              "'; echo $? > '" + (out / ("rc." + std::to_string(i))).string() + "' ) &\n";
  driver += "wait\n";
  const fs::path script = WriteScript(study.tmp() / "driver.sh", driver);
  const RunResult r = RunProgram("/bin/sh", {script.string()}, study.root(),
                                 {{"VISUAL", editor.string()},
                                  {"EDITOR", editor.string()},
                                  {"SOURCE_DATE_EPOCH", kEpoch},
                                  {"TMPDIR", study.tmp().string()},
                                  {"BARRIER", barrier.string()},
                                  {"N", std::to_string(cells.size())}});
  CHECK(r.exit_code == 0);
  std::vector<ParallelRun> runs;
  for (std::size_t i = 0; i < cells.size(); ++i)
    runs.push_back({std::stoi(ReadFile(out / ("rc." + std::to_string(i)))),
                    ReadFile(out / ("err." + std::to_string(i)))});
  return runs;
}

// The file a "your buffer is kept in PATH" message names (relative paths from the study).
fs::path KeptBuffer(const StudyCopy& study, const std::string& err) {
  std::smatch m;
  static const std::regex kKept("your buffer is kept in ([^\\s]+)");
  if (!std::regex_search(err, m, kKept)) return {};
  const fs::path p = m[1].str();
  return p.is_absolute() ? p : study.root() / p;
}

std::map<std::string, std::string> EditorEnv(const StudyCopy& study, const fs::path& editor) {
  return {{"EDITOR", editor.string()},
          {"VISUAL", editor.string()},
          {"SOURCE_DATE_EPOCH", kEpoch},
          {"TMPDIR", study.tmp().string()}};
}

// An editor that replaces the summary with the contents of a file, then runs `then`.
fs::path SummaryEditor(const StudyCopy& study, const std::string& name, const std::string& summary,
                       const std::string& then = {}) {
  const fs::path text = study.tmp() / (name + ".txt");
  WriteFile(text, summary);
  return WriteScript(study.tmp() / name,
                     "awk -v sf='" + text.string() +
                         "' '/^## SUMMARY/ { print; while ((getline l < sf) > 0) print l; "
                         "skip = 1; next }\n"
                         "  /^## COMMENT/ { skip = 0 } !skip { print }' \"$1\" > \"$1.new\" &&\n"
                         "  cat \"$1.new\" > \"$1\" && rm -f \"$1.new\"\n" +
                         then);
}

}  // namespace

TEST_CASE("chart --edit: 12 edits of different cells at once keep all 12 summaries") {
  StudyCopy study;
  for (const std::string theme : {"training", "role"}) {  // cells charted, and a new file
    CAPTURE(theme);
    const std::string sub = theme == "training" ? "access" : "background";
    std::vector<std::string> cells, texts;
    for (int p = 1; p <= 12; ++p) {
      const std::string id = (p < 10 ? "P0" : "P") + std::to_string(p);
      cells.push_back(id + ":" + sub);
      texts.push_back("Parallel summary of " + id + " (L1).");
    }
    const auto runs = EditAtOnce(study, theme, cells, texts);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      CAPTURE(runs[i].err);
      CHECK(runs[i].exit_code == 0);
      CHECK(Contains(runs[i].err, "saved " + cells[i]));
    }
    const Chart chart = Load(ReadFile(study / ("charts/" + theme + ".yaml")));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string id = cells[i].substr(0, cells[i].find(':'));
      const ChartCell* cell = FindCell(chart, id, sub);
      REQUIRE(cell);
      CHECK(cell->summary == texts[i]);
    }
    CHECK(chart.cells.size() == (theme == "training" ? 70u : 12u));
  }
  CHECK(!fs::exists(study / ".framework/unsaved"));  // every buffer saved, and gone
}

TEST_CASE("chart --edit: two edits of one cell at once: one saved, the other kept") {
  StudyCopy study;
  const auto runs = EditAtOnce(study, "training", {"P02:gaps", "P02:gaps"},
                               {"First writer (L1).", "Second writer (L2)."});
  const int saved = (runs[0].exit_code == 0) + (runs[1].exit_code == 0);
  REQUIRE(saved == 1);
  const std::size_t winner = runs[0].exit_code == 0 ? 0 : 1, loser = 1 - winner;
  CAPTURE(runs[loser].err);
  CHECK(runs[loser].exit_code == 1);
  CHECK(Contains(runs[loser].err,
                 "cell P02:gaps was changed in charts/training.yaml while you edited it; nothing "
                 "was written"));
  const fs::path kept = KeptBuffer(study, runs[loser].err);
  REQUIRE(!kept.empty());
  REQUIRE(fs::exists(kept));
  CHECK(kept.parent_path() == study / ".framework/unsaved");
  CHECK(Contains(ReadFile(kept), loser == 0 ? "First writer (L1)." : "Second writer (L2)."));
  const Chart chart = Load(ReadFile(study / "charts/training.yaml"));
  CHECK(FindCell(chart, "P02", "gaps")->summary ==
        (winner == 0 ? "First writer (L1)." : "Second writer (L2)."));
  // check lists the kept buffer as a note.
  const RunResult check = Run({"check", "--format", "json"}, study.root());
  CHECK(check.exit_code == 0);
  CHECK(Contains(check.out, "\"rule\": \"unsaved-buffer\""));
  CHECK(Contains(check.out, kept.filename().string()));
}

TEST_CASE("chart --edit: a summary with paragraphs and '#' lines survives a status-only edit") {
  StudyCopy study;
  const fs::path chart_path = study / "charts/training.yaml";
  const std::string summary =
      "#1 concern is caseload (L80).\n\n## COMMENT is part of the summary\n"
      "  indented line with trailing spaces   \n\ttabbed\n\nLast paragraph.";
  // Written by hand or by a script (a "## COMMENT" line typed in the buffer would be a section).
  const framework::ChartFileRef ref{study.root().string(), "charts/training.yaml", "training", {}};
  REQUIRE(framework::UpdateChartFile(ref, [&](Chart& chart) {
            ChartCell& cell = chart.cells[static_cast<std::size_t>(chart.Find("P03", "gaps"))];
            cell.summary = summary;
            cell.status = ChartStatus::kCharted;
            return std::string();
          }).ok());
  REQUIRE(FindCell(Load(ReadFile(chart_path)), "P03", "gaps")->summary == summary);
  const std::string before = ReadFile(chart_path);

  const fs::path status = WriteScript(
      study.tmp() / "status.sh",
      "sed 's/^## STATUS: charted/## STATUS: reviewed/' \"$1\" > \"$1.new\" && cat \"$1.new\" > "
      "\"$1\"");
  const RunResult r =
      Run({"chart", "training", "--edit", "P03:gaps"}, study.root(), EditorEnv(study, status));
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err, "saved P03:gaps (reviewed)"));
  const std::string after = ReadFile(chart_path);
  const Chart reread = Load(after);
  const ChartCell* cell = FindCell(reread, "P03", "gaps");
  REQUIRE(cell);
  CHECK(cell->status == ChartStatus::kReviewed);
  CHECK(cell->summary == summary);  // byte for byte
  // In the file, only one-line keys changed (the status, and the refs, source and time a save
  // records, and the `at` line it adds, issue 13); the summary's lines are as they were.
  const auto a = Lines(before);
  auto b = Lines(after);
  const auto at_line = std::find(b.begin(), b.end(), "    at: [L102-104]");
  REQUIRE(at_line != b.end());
  b.erase(at_line);
  REQUIRE(a.size() == b.size());
  std::size_t changed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    ++changed;
    CAPTURE(a[i]);
    CHECK((a[i].rfind("    status: ", 0) == 0 || a[i].rfind("    updated: ", 0) == 0 ||
           a[i].rfind("    refs: ", 0) == 0 || a[i].rfind("    source: ", 0) == 0));
  }
  CHECK(changed >= 1);
}

TEST_CASE("chart --edit: a comment and an unknown key elsewhere survive, the diff is the cell") {
  StudyCopy study;
  const fs::path chart_path = study / "charts/training.yaml";
  std::string text = ReadFile(chart_path);
  // A comment above P02:prequal and an unknown key in it; and a comment inside P01:access.
  const std::string p02 = "  - participant: P02\n    subtheme: prequal\n";
  REQUIRE(Contains(text, p02));
  text.replace(text.find(p02), p02.size(),
               "  # checked with the team\n" + p02 + "    memo: ask about the placement\n");
  const std::string p01 = "  - participant: P01\n    subtheme: access\n";
  text.replace(text.find(p01), p01.size(), p01 + "    # my own note\n    memo: mine\n");
  WriteFile(chart_path, text);
  REQUIRE(Run({"check"}, study.root()).exit_code == 0);

  const fs::path editor = SummaryEditor(study, "edit.sh", "Edited (L80).\n");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:access"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 0);
  const std::string after = ReadFile(chart_path);
  CHECK(
      Contains(after, "  # checked with the team\n" + p02 + "    memo: ask about the placement\n"));
  CHECK(Contains(after, p01 + "    # my own note\n    memo: mine\n"));  // the cell's own kept
  // The changed lines are inside P01:access.
  const auto [first, last] = ChangedLines(text, after);
  const auto lines = Lines(text);
  std::size_t start = 0;
  while (start < lines.size() && lines[start] != "  - participant: P01") ++start;
  while (start < lines.size() && lines[start + 1] != "    subtheme: access") {
    ++start;
    while (start < lines.size() && lines[start] != "  - participant: P01") ++start;
  }
  std::size_t end = start + 1;
  while (end < lines.size() && lines[end].rfind("  - ", 0) != 0) ++end;
  CHECK(first > start);
  CHECK(last <= end);
  CHECK(FindCell(Load(after), "P01", "access")->summary == "Edited (L80).");
}

TEST_CASE("chart --edit: typed text is kept whenever the save cannot happen") {
  StudyCopy study;
  const fs::path chart_path = study / "charts/training.yaml";
  const std::string typed = "Typed with care, not to be lost (L80).";
  auto check_kept = [&](const RunResult& r, int exit_code) {
    CAPTURE(r.err);
    CHECK(r.exit_code == exit_code);
    const fs::path kept = KeptBuffer(study, r.err);
    REQUIRE(!kept.empty());
    CHECK(fs::exists(kept));
    CHECK(Contains(ReadFile(kept), typed));
    CHECK(!Contains(r.err, "saved P"));
  };
  const std::string original = ReadFile(chart_path);

  SUBCASE("the editor fails") {
    const fs::path editor = SummaryEditor(study, "fail.sh", typed + "\n", "exit 3");
    check_kept(
        Run({"chart", "training", "--edit", "P01:gaps"}, study.root(), EditorEnv(study, editor)),
        3);
    CHECK(ReadFile(chart_path) == original);
  }
  SUBCASE("the chart breaks while the editor is open") {
    const fs::path editor = SummaryEditor(study, "break.sh", typed + "\n",
                                          "printf 'cells: [\\n' >> '" + chart_path.string() + "'");
    check_kept(
        Run({"chart", "training", "--edit", "P01:gaps"}, study.root(), EditorEnv(study, editor)),
        1);
    CHECK(ReadFile(chart_path) == original + "cells: [\n");  // as the other hand left it
  }
  SUBCASE("invalid UTF-8 is typed") {
    const fs::path editor = SummaryEditor(study, "utf8.sh", typed + " \xFF\xFE\n");
    const RunResult r =
        Run({"chart", "training", "--edit", "P01:gaps"}, study.root(), EditorEnv(study, editor));
    check_kept(r, 2);
    CHECK(Contains(r.err, "not valid UTF-8"));
    CHECK(ReadFile(chart_path) == original);
  }
  SUBCASE("the chart has errors before: the editor is never opened") {
    WriteFile(chart_path, original + "cells: [\n");
    const fs::path editor = SummaryEditor(study, "never.sh", typed + "\n",
                                          "touch '" + (study.tmp() / "opened").string() + "'");
    const RunResult r =
        Run({"chart", "training", "--edit", "P01:gaps"}, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.err, "the editor was not opened"));
    CHECK(!fs::exists(study.tmp() / "opened"));
    CHECK(!fs::exists(study / ".framework/unsaved"));
  }
}

TEST_CASE("chart --edit: a full disk keeps the buffer and the old chart") {
  // A small tmpfs holding the study (root may mount one; elsewhere this test says so and stops).
  TempDir tmp;
  const fs::path mnt = tmp.path() / "mnt";
  const SmallTmpfs disk(mnt, "2m");
  if (!disk.mounted()) return;
  const fs::path root = mnt / "study";
  fs::copy(kExample, root, fs::copy_options::recursive);
  const fs::path chart_path = root / "charts/training.yaml";
  const std::string original = ReadFile(chart_path);
  const std::string typed = "Written as the disk filled up (L80).";
  const fs::path text = tmp.path() / "typed.txt";
  WriteFile(text, typed + "\n");
  // The editor saves its text into the buffer, then fills the disk.
  const fs::path editor = WriteScript(
      tmp.path() / "fill.sh",
      "awk -v sf='" + text.string() +
          "' '/^## SUMMARY/ { print; while ((getline l < sf) > 0) print l; skip = 1; next }\n"
          "  /^## COMMENT/ { skip = 0 } !skip { print }' \"$1\" > \"$1.new\" && cat \"$1.new\" > "
          "\"$1\" && rm -f \"$1.new\"\n"
          "dd if=/dev/zero of='" +
          (mnt / "filler").string() +
          "' bs=4k 2>/dev/null\n"
          "exit 0");
  const RunResult r = Run({"chart", "training", "--edit", "P01:gaps"}, root,
                          {{"VISUAL", editor.string()},
                           {"EDITOR", editor.string()},
                           {"SOURCE_DATE_EPOCH", kEpoch},
                           {"TMPDIR", tmp.path().string()}});
  CAPTURE(r.err);
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "nothing was written"));
  std::smatch m;
  const std::regex kept_re("your buffer is kept in ([^\\s]+)");
  REQUIRE(std::regex_search(r.err, m, kept_re));
  fs::path kept = m[1].str();
  if (!kept.is_absolute()) kept = root / kept;
  CHECK(fs::exists(kept));
  CHECK(Contains(ReadFile(kept), typed));
  CHECK(kept.parent_path() == root / ".framework/unsaved");
  CHECK(ReadFile(chart_path) == original);
}

TEST_CASE("chart: two chart files for one theme are an error, nothing is written to either") {
  StudyCopy study;
  fs::copy_file(study / "charts/training.yaml", study / "charts/training-copy.yaml");
  const RunResult check = Run({"check"}, study.root());
  CHECK(check.exit_code == 1);
  CHECK(Contains(check.err, "a second chart for theme 'training'"));
  const auto before = Snapshot(study.root());
  const fs::path editor = SummaryEditor(study, "edit.sh", "Never saved (L80).\n");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"chart", "training", "--edit", "P01:gaps"},
                                             {"chart", "training", "--draft", "--all"}}) {
    const RunResult r = Run(args, study.root(), EditorEnv(study, editor));
    CHECK(r.exit_code == 1);
    CHECK(Contains(r.err, "has 2 chart files"));
    CHECK(Snapshot(study.root()) == before);
  }
}

TEST_CASE("chart --edit: a symlinked chart is edited through the link") {
  StudyCopy study;
  const fs::path shared = study.tmp() / "shared" / "training.yaml";
  fs::create_directories(shared.parent_path());
  fs::rename(study / "charts/training.yaml", shared);
  fs::create_symlink(shared, study / "charts/training.yaml");
  const fs::path editor = SummaryEditor(study, "edit.sh", "Through the link (L80).\n");
  const RunResult r =
      Run({"chart", "training", "--edit", "P01:gaps"}, study.root(), EditorEnv(study, editor));
  CHECK(r.exit_code == 0);
  CHECK(fs::is_symlink(study / "charts/training.yaml"));
  CHECK(FindCell(Load(ReadFile(shared)), "P01", "gaps")->summary == "Through the link (L80).");
}

TEST_CASE("chart --accept: a missing transcript keeps the cell's source, and says so") {
  StudyCopy study;
  const fs::path chart_path = study / "charts/training.yaml";
  const std::string source = FindCell(Load(ReadFile(chart_path)), "P01", "prequal")->source;
  REQUIRE(!source.empty());
  fs::remove(study / "transcripts/P01.txt");
  const RunResult view = Run({"chart", "training", "--format", "json"}, study.root());
  REQUIRE(view.exit_code == 0);
  const RunResult r = Run({"chart", "training", "--accept", "all"}, study.root());
  CAPTURE(r.err);
  CHECK(Contains(r.err,
                 "skipped P01:prequal (its transcript is missing); its recorded source is "
                 "kept"));
  CHECK(r.exit_code == 1);
  const Chart after = Load(ReadFile(chart_path));
  CHECK(FindCell(after, "P01", "prequal")->source == source);
  for (const std::string sub : {"postqual", "access", "content", "gaps"})
    if (const ChartCell* c = FindCell(after, "P01", sub)) CHECK(!c->source.empty());
}
