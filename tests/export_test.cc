// Tests of `framework export`: the sheet builders and writers of the library, and the command run
// as a binary (see run_binary.h), on the bundled example and on a generated study whose text is
// made to break exports: non-ASCII text, double quotes, commas, pipes, line breaks, tabs, and
// cells that a spreadsheet would run as formulas.
//
// Every format is read back and compared with the model (the study loaded through the library):
// CSV and TSV with framework::ReadCsv (RFC 4180), JSON with nlohmann, Markdown line by line.
//
// Goldens, in tests/golden/ (regenerate with UPDATE_GOLDENS=1 ./framework_tests -tc='*xport*',
// then read the diff before committing it):
//   export-training.csv           `export training --format csv`
//   export-training.md            `export training --format md --attributes role,sector`
//   export-training-long.csv      `export training --format csv --long --attributes role`
//   export-summaries.csv          `export --format csv --long --content summary`
#include <doctest/doctest.h>
#include <cctype>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/csv.h"
#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "run_binary.h"

namespace {

using namespace framework_test;
using Table = std::vector<std::vector<std::string>>;

const char* kHyperlink = "=HYPERLINK(\"http://x\",\"y\")";

// A study made to break exports: two themes, four participants (one of them "Zoë"), segments and
// summaries with quotes, commas, pipes, line breaks, a tab, non-ASCII text, and text that starts
// like a formula (= + - @). One chart entry is stale, one a draft, one an orphan.
class GeneratedStudy {
 public:
  GeneratedStudy() {
    Write("framework.yaml", R"(framework: 1
title: "Export test: «quotes», commas | pipes"
speakers: {INT: interviewer}
themes:
  - id: voices
    label: Voices, "quoted" | piped
    description: Où les voix se croisent
    subthemes:
      - id: plain
        label: Plain text, with "quotes"
      - id: tricky
        label: =Tricky column
        codes: [tricky-alias]
  - id: other
    label: Other
    subthemes:
      - id: one
        label: Ünïcode — 日本語
)");
    Write("participants.yaml", R"(attributes:
  role: {type: category, values: [practitioner, "manager, senior"]}
  years: {type: integer}
participants:
  - {id: P1, role: practitioner, years: 3}
  - {id: P2, role: "manager, senior", years: 12}
  - {id: P10, role: practitioner}
  - {id: Zoë}
)");
    Write("transcripts/P1.txt",
          "INT: Tell me, please.\n"
          "\n"
          "P1: {voices.plain}Zoë said \"no, never\", and that's that — 日本語 too.{/voices.plain}\n"
          "{voices.tricky}=HYPERLINK(\"http://x\",\"y\"){/voices.tricky}\n"
          "{voices.tricky}+1 for that{/voices.tricky} {voices.plain}-2 degrees, it was "
          "cold{/voices.plain}\n"
          "{other.one}Line one\n"
          "line two, with a comma | and a pipe{/other.one}\n");
    Write("transcripts/P2.txt",
          "P2: {tricky-alias}@SUM(A1){/tricky-alias} and then\n"
          "{voices.plain}\"Quoted at the start\", she said.{/voices.plain}\n");
    Write("transcripts/P10.txt", "P10: {other.one}Nothing tricky here.{/other.one}\n");
    Write("transcripts/Zoë.txt", "Zoë: Nothing was coded.\n");
    Write("charts/voices.yaml", R"(theme: voices
cells:
  - participant: P1
    subtheme: plain
    status: charted
    summary: "Said \"no, never\" (L3); Zoë — 日本語.\nSecond paragraph, with a comma."
    refs: [L3, L5]
  - participant: P1
    subtheme: tricky
    status: draft
    summary: "=1+1 looks like a formula"
  - participant: P2
    subtheme: plain
    status: reviewed
    summary: "+1 | pipes | and -2"
    refs: [L2]
  - participant: P2
    subtheme: tricky
    status: charted
    summary: "@SUM(A1)\tand a tab"
    source: 0000000000000000
  - participant: P10
    subtheme: plain
    status: charted
    summary: "\tstarts with a tab"
  - participant: Gone
    subtheme: plain
    status: charted
    summary: An orphan, kept
)");
  }
  fs::path root() const { return tmp_.path() / "study"; }
  fs::path tmp() const { return tmp_.path(); }

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

std::vector<int> AllThemes(const framework::Study& study) {
  std::vector<int> themes;
  for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
    themes.push_back(static_cast<int>(t));
  return themes;
}

// The CSV (or TSV) records read back, header first; no problem may be reported.
Table ReadBack(const std::string& text, char delimiter = ',') {
  framework::Diagnostics diagnostics;
  std::vector<framework::CsvRow> rows =
      framework::ReadCsv("<export>", text, diagnostics, delimiter);
  CHECK_MESSAGE(diagnostics.empty(), Summary(diagnostics));
  Table table;
  for (const auto& row : rows) {
    std::vector<std::string> fields;
    for (const auto& field : row.fields) fields.push_back(field.value);
    table.push_back(std::move(fields));
  }
  return table;
}

// What a wide cell must hold, from the model (written here independently of the library).
std::string Expected(const framework::MatrixCell& cell, const std::string& content) {
  std::string summary = cell.chart ? cell.chart->summary : "";
  std::string excerpts;
  for (const auto& s : cell.segments) {
    if (!excerpts.empty()) excerpts += "\n\n";
    excerpts += "L" + std::to_string(s.line_start) +
                (s.line_end != s.line_start ? "-" + std::to_string(s.line_end) : "") + ": " +
                s.TextWithSpeakers();
  }
  if (content == "summary") return summary;
  if (content == "excerpts") return excerpts;
  if (summary.empty()) return excerpts;
  if (excerpts.empty()) return summary;
  return summary + "\n\n" + excerpts;
}

std::string Sanitized(const std::string& cell, bool sanitize) {
  return sanitize ? framework::NeutraliseFormula(cell) : cell;
}

// Checks a wide table read back against the matrix: the header (participant, attributes, the
// sub-theme labels) and every cell.
void CheckWide(const Table& table, const framework::Study& study, const framework::Matrix& matrix,
               const std::string& content, const std::vector<std::string>& attributes,
               bool sanitize) {
  const framework::Theme& theme =
      study.framework.themes[static_cast<std::size_t>(study.framework.FindTheme(matrix.theme))];
  REQUIRE(table.size() == matrix.participants.size() + 1);
  std::vector<std::string> header{"participant"};
  header.insert(header.end(), attributes.begin(), attributes.end());
  for (const auto& sub : theme.subthemes) header.push_back(sub.label);
  for (auto& h : header) h = Sanitized(h, sanitize);
  CHECK(table[0] == header);
  for (std::size_t r = 0; r < matrix.participants.size(); ++r) {
    const auto& row = table[r + 1];
    REQUIRE(row.size() == header.size());
    CHECK(row[0] == matrix.participants[r]);
    for (std::size_t a = 0; a < attributes.size(); ++a)
      CHECK(row[1 + a] ==
            Sanitized(framework::AttributeText(study, matrix.participants[r], attributes[a]),
                      sanitize));
    for (std::size_t c = 0; c < matrix.subthemes.size(); ++c) {
      INFO(matrix.theme, " ", matrix.participants[r], ":", matrix.subthemes[c]);
      CHECK(row[1 + attributes.size() + c] ==
            Sanitized(Expected(matrix.cells[r][c], content), sanitize));
    }
  }
}

// True when every record of `text` ends with CRLF (line breaks inside quoted fields are data).
bool RecordsEndCrlf(const std::string& text) {
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (text[i] == '\n' && !quoted && (i == 0 || text[i - 1] != '\r')) return false;
  }
  return !text.empty() && text.back() == '\n';
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

// The Markdown tables: per `## ` heading, its body rows (after the header and the separator).
std::vector<std::pair<std::string, std::vector<std::string>>> MarkdownTables(
    const std::string& text) {
  std::vector<std::pair<std::string, std::vector<std::string>>> tables;
  int row_in_table = 0;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("## ", 0) == 0) {
      tables.push_back({line.substr(3), {}});
      row_in_table = 0;
    } else if (!tables.empty() && line.rfind("|", 0) == 0) {
      if (row_in_table++ >= 2) tables.back().second.push_back(line);
    }
  }
  return tables;
}

// The cells of one Markdown table row, split at unescaped pipes, trimmed, unescaped.
std::vector<std::string> MarkdownCells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    // A backslash before ASCII punctuation is an escape, as a CommonMark reader takes it.
    if (line[i] == '\\' && i + 1 < line.size() &&
        std::ispunct(static_cast<unsigned char>(line[i + 1]))) {
      cell += line[i + 1];
      ++i;
    } else if (line[i] == '|') {
      std::size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

std::string BrForNewline(std::string text) {
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at))
    text.replace(at, 1, "<br>");
  return text;
}

// ---- the library ---------------------------------------------------------------------------

TEST_CASE("export: NeutraliseFormula prefixes a quote to cells a spreadsheet would run") {
  using framework::NeutraliseFormula;
  CHECK(NeutraliseFormula(kHyperlink) == std::string("'") + kHyperlink);
  CHECK(NeutraliseFormula("+1") == "'+1");
  CHECK(NeutraliseFormula("-2") == "'-2");
  CHECK(NeutraliseFormula("@SUM(A1)") == "'@SUM(A1)");
  CHECK(NeutraliseFormula("\tx") == "'\tx");
  CHECK(NeutraliseFormula("\rx") == "'\rx");
  CHECK(NeutraliseFormula("") == "");
  CHECK(NeutraliseFormula("a=b") == "a=b");
  CHECK(NeutraliseFormula(" =1") == " =1");
  CHECK(NeutraliseFormula("'=1") == "'=1");
  CHECK(NeutraliseFormula("Zoë") == "Zoë");
}

TEST_CASE("export: WriteCsv quotes only what needs it, doubles quotes, and ends rows as asked") {
  framework::Sheet sheet;
  sheet.header = {"a", "b,c", "=d"};
  sheet.rows = {{"plain", "with \"quotes\"", "two\nlines"}, {"", "tab\there", "-2"}};
  framework::CsvOptions csv;
  CHECK(framework::WriteCsv(sheet, csv) ==
        "a,\"b,c\",'=d\r\nplain,\"with \"\"quotes\"\"\",\"two\nlines\"\r\n,tab\there,'-2\r\n");
  csv.crlf = false;
  csv.bom = true;
  csv.sanitize = false;
  CHECK(framework::WriteCsv(sheet, csv) ==
        "\xEF\xBB\xBF"
        "a,\"b,c\",=d\nplain,\"with \"\"quotes\"\"\",\"two\nlines\"\n,tab\there,-2\n");
  csv.delimiter = '\t';
  csv.bom = false;
  CHECK(framework::WriteCsv(sheet, csv) ==
        "a\tb,c\t=d\nplain\t\"with \"\"quotes\"\"\"\t\"two\nlines\"\n\t\"tab\there\"\t-2\n");
  // A cell starting with CR is quoted after it is neutralised (it still holds the CR).
  sheet.header = {"\rx"};
  sheet.rows.clear();
  CHECK(framework::WriteCsv(sheet, {}) == "\"'\rx\"\r\n");
}

TEST_CASE("export: WriteMarkdown escapes pipes and line breaks") {
  framework::Sheet sheet;
  sheet.name = "t";
  sheet.title = "A | title";
  sheet.header = {"participant", "x"};
  sheet.rows = {{"P1", "a | b\nc\r\nd"}, {"P2", ""}};
  CHECK(framework::WriteMarkdown({sheet}, "Study") ==
        "# Study\n\n## A \\| title\n\n| participant | x |\n| --- | --- |\n"
        "| P1 | a \\| b<br>c<br>d |\n| P2 | |\n");
}

TEST_CASE("export: wide sheets of the example hold the chart summaries, excerpts, or both") {
  const framework::Study study = Load(kExample);
  const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
  REQUIRE(matrices.size() == study.framework.themes.size());
  for (const std::string content : {"summary", "excerpts", "both"}) {
    framework::ExportOptions options;
    options.content = content == std::string("summary")    ? framework::CellContent::kSummary
                      : content == std::string("excerpts") ? framework::CellContent::kExcerpts
                                                           : framework::CellContent::kBoth;
    options.attributes = {"role", "years"};
    for (const auto& m : matrices) {
      framework::Sheet sheet = framework::WideSheet(study, m, options);
      CHECK(sheet.name == m.theme);
      CHECK(sheet.frozen_columns == 3);
      Table table{sheet.header};
      table.insert(table.end(), sheet.rows.begin(), sheet.rows.end());
      CheckWide(table, study, m, content, options.attributes, false);
    }
  }
}

TEST_CASE("export: the long sheets have a row per segment and per charted cell") {
  const framework::Study study = Load(kExample);
  const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
  framework::ExportOptions options;
  options.attributes = {"sector"};
  framework::Sheet segments = framework::LongSegmentsSheet(study, matrices, options);
  CHECK(segments.header == std::vector<std::string>{"participant", "theme", "subtheme", "code",
                                                    "line_start", "line_end", "speaker", "text",
                                                    "speakers", "sector"});
  std::size_t expected_segments = 0, expected_charted = 0;
  for (const auto& m : matrices)
    for (const auto& row : m.cells)
      for (const auto& cell : row) {
        expected_segments += cell.segments.size();
        expected_charted += cell.chart ? 1 : 0;
      }
  CHECK(segments.rows.size() == expected_segments);
  CHECK(expected_segments == study.SegmentCount());
  framework::Sheet summaries = framework::LongSummariesSheet(study, matrices, options);
  CHECK(summaries.header == std::vector<std::string>{"participant", "theme", "subtheme", "status",
                                                     "stale", "summary", "refs", "sector"});
  CHECK(summaries.rows.size() == expected_charted);
  CHECK(expected_charted > 0);
  framework::Sheet codebook = framework::CodebookSheet(study, AllThemes(study));
  CHECK(codebook.header == std::vector<std::string>{"theme", "theme label", "subtheme",
                                                    "subtheme label", "description", "codes"});
  std::size_t columns = 0;
  for (const auto& t : study.framework.themes) columns += t.subthemes.size();
  CHECK(codebook.rows.size() == columns);
  bool alias_listed = false;
  for (const auto& row : codebook.rows)
    if (row[0] == "training" && row[2] == "postqual")
      alias_listed = row[5] == "training.postqual, cpd";
  CHECK(alias_listed);
}

// ---- the command: wide CSV and TSV ---------------------------------------------------------

TEST_CASE("export: wide CSV and TSV round-trip every cell of the example") {
  const framework::Study study = Load(kExample);
  const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
  for (const auto& m : matrices) {
    INFO("theme ", m.theme);
    RunResult csv = Run({"export", m.theme, "-C", kExample.string(), "--format", "csv"});
    REQUIRE(csv.exit_code == 0);
    CHECK(csv.err.empty());
    CheckWide(ReadBack(csv.out), study, m, "summary", {}, true);
    RunResult tsv = Run({"export", m.theme, "-C", kExample.string(), "--format", "tsv", "--content",
                         "both", "--attributes", "role,sector", "--allow-identifying"});
    REQUIRE(tsv.exit_code == 0);
    CheckWide(ReadBack(tsv.out, '\t'), study, m, "both", {"role", "sector"}, true);
  }
}

TEST_CASE("export: wide CSV and TSV round-trip every cell of a study made to break them") {
  GeneratedStudy generated;
  const framework::Study study = Load(generated.root());
  REQUIRE(study.transcripts.size() == 4);
  CHECK(framework::CountDiagnostics(study.diagnostics).errors == 0);
  const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
  REQUIRE(matrices.size() == 2);
  REQUIRE(matrices[0].participants == std::vector<std::string>{"P1", "P2", "P10", "Zoë"});
  for (const std::string content : {"summary", "excerpts", "both"}) {
    for (const auto& m : matrices) {
      INFO("theme ", m.theme, ", content ", content);
      for (const char* format : {"csv", "tsv"}) {
        RunResult r = Run({"export", m.theme, "--format", format, "--content", content,
                           "--attributes", "role,years", "--allow-identifying"},
                          generated.root());
        REQUIRE(r.exit_code == 0);
        CHECK(RecordsEndCrlf(r.out));
        CheckWide(ReadBack(r.out, format == std::string("csv") ? ',' : '\t'), study, m, content,
                  {"role", "years"}, true);
        RunResult raw = Run(
            {"export", m.theme, "--format", format, "--content", content, "--no-sanitize", "--lf"},
            generated.root());
        REQUIRE(raw.exit_code == 0);
        CHECK(raw.out.find('\r') == std::string::npos);
        CheckWide(ReadBack(raw.out, format == std::string("csv") ? ',' : '\t'), study, m, content,
                  {}, false);
      }
    }
  }
}

TEST_CASE("export: a segment starting =HYPERLINK( is neutralised in CSV and TSV, unless asked") {
  GeneratedStudy generated;
  for (const char* format : {"csv", "tsv"}) {
    INFO(format);
    const char delimiter = format == std::string("csv") ? ',' : '\t';
    RunResult safe = Run({"export", "voices", "-f", format, "--content", "excerpts", "--long"},
                         generated.root());
    REQUIRE(safe.exit_code == 0);
    Table table = ReadBack(safe.out, delimiter);
    bool seen = false;
    for (const auto& row : table)
      if (row.size() > 7 && row[7].find("HYPERLINK") != std::string::npos) {
        CHECK(row[7] == std::string("'") + kHyperlink);
        seen = true;
      }
    CHECK(seen);
    // Wide: the summary "=1+1 ..." and the column heading "=Tricky column" are neutralised.
    RunResult wide = Run({"export", "voices", "-f", format}, generated.root());
    CHECK(Contains(wide.out, "'=1+1 looks like a formula"));
    CHECK(Contains(wide.out, "'=Tricky column"));
    RunResult raw =
        Run({"export", "voices", "-f", format, "--long", "--no-sanitize"}, generated.root());
    REQUIRE(raw.exit_code == 0);
    seen = false;
    for (const auto& row : ReadBack(raw.out, delimiter))
      if (row.size() > 7 && row[7].find("HYPERLINK") != std::string::npos) {
        CHECK(row[7] == kHyperlink);
        seen = true;
      }
    CHECK(seen);
  }
}

TEST_CASE("export: CRLF row ends by default, LF with --lf, a BOM with --excel") {
  GeneratedStudy generated;
  RunResult crlf = Run({"export", "voices", "-f", "csv"}, generated.root());
  REQUIRE(crlf.exit_code == 0);
  CHECK(RecordsEndCrlf(crlf.out));
  CHECK(crlf.out.rfind("participant,", 0) == 0);
  CHECK(Contains(crlf.out, "\"Said \"\"no, never\"\" (L3); Zoë — 日本語.\nSecond paragraph"));
  RunResult lf = Run({"export", "voices", "-f", "csv", "--lf"}, generated.root());
  CHECK(lf.out.find('\r') == std::string::npos);
  CHECK(Count(lf.out, "\n") == Count(crlf.out, "\n"));
  RunResult excel = Run({"export", "voices", "-f", "csv", "--excel"}, generated.root());
  CHECK(excel.out == "\xEF\xBB\xBF" + crlf.out);
  RunResult tsv = Run({"export", "voices", "-f", "tsv", "--excel", "--lf"}, generated.root());
  CHECK(tsv.out.rfind("\xEF\xBB\xBFparticipant\t", 0) == 0);
  CHECK(tsv.out.find('\r') == std::string::npos);
}

// ---- the command: long form ----------------------------------------------------------------

TEST_CASE("export: the long CSV has one row per segment, matching the matrices") {
  for (int which = 0; which < 2; ++which) {
    GeneratedStudy generated;
    const fs::path root = which == 0 ? kExample : generated.root();
    INFO("study ", root.string());
    const framework::Study study = Load(root);
    const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
    RunResult r = Run({"export", "-C", root.string(), "--format", "csv", "--long", "--attributes",
                       "role", "--allow-identifying"});
    REQUIRE(r.exit_code == 0);
    Table table = ReadBack(r.out);
    REQUIRE(!table.empty());
    CHECK(table[0] == std::vector<std::string>{"participant", "theme", "subtheme", "code",
                                               "line_start", "line_end", "speaker", "text",
                                               "speakers", "role"});
    std::size_t i = 1;
    for (const auto& m : matrices)
      for (std::size_t p = 0; p < m.participants.size(); ++p)
        for (std::size_t c = 0; c < m.subthemes.size(); ++c)
          for (const auto& s : m.cells[p][c].segments) {
            REQUIRE(i < table.size());
            const auto& row = table[i++];
            REQUIRE(row.size() == 10);
            CHECK(row[0] == m.participants[p]);
            CHECK(row[1] == m.theme);
            CHECK(row[2] == m.subthemes[c]);
            CHECK(row[3] == s.code);
            CHECK(row[4] == std::to_string(s.line_start));
            CHECK(row[5] == std::to_string(s.line_end));
            CHECK(row[6] == s.speaker);
            CHECK(row[7] == framework::NeutraliseFormula(s.text));
            CHECK(row[8] == s.SpeakerLines());
            CHECK(row[9] == framework::AttributeText(study, m.participants[p], "role"));
          }
    CHECK(i == table.size());
    if (which == 0) CHECK(table.size() == study.SegmentCount() + 1);
  }
}

TEST_CASE("export: --long --content summary has one row per chart entry, matching the charts") {
  for (int which = 0; which < 2; ++which) {
    GeneratedStudy generated;
    const fs::path root = which == 0 ? kExample : generated.root();
    INFO("study ", root.string());
    const framework::Study study = Load(root);
    const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
    RunResult r = Run({"export", "-C", root.string(), "--format", "csv", "--long", "--content",
                       "summary", "--no-sanitize"});
    REQUIRE(r.exit_code == 0);
    Table table = ReadBack(r.out);
    REQUIRE(!table.empty());
    CHECK(table[0] == std::vector<std::string>{"participant", "theme", "subtheme", "status",
                                               "stale", "summary", "refs"});
    // Every entry of every chart file appears once, as the file has it (orphans excepted).
    std::size_t entries = 0;
    for (const framework::Chart& chart : study.charts)
      for (const framework::ChartCell& cell : chart.cells) {
        const auto it = std::find_if(matrices.begin(), matrices.end(),
                                     [&](const auto& m) { return m.theme == chart.theme; });
        REQUIRE(it != matrices.end());
        const framework::MatrixCell* in_matrix = it->Find(cell.participant, cell.subtheme);
        if (!in_matrix) continue;  // an orphan
        ++entries;
        std::string refs;
        for (const auto& ref : cell.refs) refs += (refs.empty() ? "" : "; ") + ref;
        std::vector<std::string> expected{cell.participant,
                                          chart.theme,
                                          cell.subtheme,
                                          std::string(framework::ChartStatusName(cell.status)),
                                          in_matrix->stale() ? "true" : "false",
                                          cell.summary,
                                          refs};
        CHECK(std::count(table.begin(), table.end(), expected) == 1);
      }
    CHECK(table.size() == entries + 1);
    if (which == 1) {
      CHECK(entries == 5);
      CHECK(std::count_if(table.begin(), table.end(),
                          [](const auto& row) { return row[4] == "true"; }) == 1);
    }
  }
}

// ---- the command: JSON ---------------------------------------------------------------------

TEST_CASE("export: JSON parses and matches the matrices, participants and framework") {
  for (int which = 0; which < 2; ++which) {
    GeneratedStudy generated;
    const fs::path root = which == 0 ? kExample : generated.root();
    INFO("study ", root.string());
    const framework::Study study = Load(root);
    const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
    RunResult r = Run({"export", "-C", root.string(), "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["format"] == "framework-export");
    CHECK(j["version"] == 1);
    CHECK(j["title"] == study.framework.title);
    REQUIRE(j["framework"]["themes"].size() == study.framework.themes.size());
    for (std::size_t t = 0; t < study.framework.themes.size(); ++t) {
      const auto& theme = study.framework.themes[t];
      const auto& jt = j["framework"]["themes"][t];
      CHECK(jt["id"] == theme.id);
      CHECK(jt["label"] == theme.label);
      REQUIRE(jt["subthemes"].size() == theme.subthemes.size());
      for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
        CHECK(jt["subthemes"][s]["label"] == theme.subthemes[s].label);
        CHECK(jt["subthemes"][s]["codes"][0] == theme.id + "." + theme.subthemes[s].id);
        CHECK(jt["subthemes"][s]["codes"].size() == 1 + theme.subthemes[s].codes.size());
      }
    }
    const auto& defs = study.participants.attributes;
    REQUIRE(j["participants"]["attributes"].size() == defs.size());
    REQUIRE(j["participants"]["rows"].size() == matrices[0].participants.size());
    for (std::size_t p = 0; p < matrices[0].participants.size(); ++p) {
      const auto& row = j["participants"]["rows"][p];
      const std::string& id = matrices[0].participants[p];
      CHECK(row["id"] == id);
      for (const auto& def : defs) {
        std::string value = framework::AttributeText(study, id, def.name);
        if (value.empty()) {
          CHECK(!row["attributes"].contains(def.name));
        } else if (def.type == framework::AttributeType::kInteger) {
          CHECK(row["attributes"][def.name] == std::stoll(value));
        } else {
          CHECK(row["attributes"][def.name] == value);
        }
      }
    }
    REQUIRE(j["matrices"].size() == matrices.size());
    for (std::size_t t = 0; t < matrices.size(); ++t) {
      const auto& m = matrices[t];
      const auto& jm = j["matrices"][t];
      CHECK(jm["theme"] == m.theme);
      REQUIRE(jm["rows"].size() == m.participants.size());
      for (std::size_t p = 0; p < m.participants.size(); ++p) {
        CHECK(jm["rows"][p]["participant"] == m.participants[p]);
        REQUIRE(jm["rows"][p]["cells"].size() == m.subthemes.size());
        for (std::size_t c = 0; c < m.subthemes.size(); ++c) {
          const auto& cell = m.cells[p][c];
          const auto& jc = jm["rows"][p]["cells"][c];
          CHECK(jc["subtheme"] == m.subthemes[c]);
          CHECK(jc["words"] == cell.words);
          CHECK(jc["source"] == cell.source);
          CHECK(jc["stale"] == cell.stale());
          REQUIRE(jc["segments"].size() == cell.segments.size());
          for (std::size_t s = 0; s < cell.segments.size(); ++s) {
            CHECK(jc["segments"][s]["text"] == cell.segments[s].text);
            CHECK(jc["segments"][s]["code"] == cell.segments[s].code);
            CHECK(jc["segments"][s]["line_start"] == cell.segments[s].line_start);
            CHECK(jc["segments"][s]["line_end"] == cell.segments[s].line_end);
          }
          if (cell.chart) {
            CHECK(jc["chart"]["summary"] == cell.chart->summary);
            CHECK(jc["chart"]["status"] ==
                  std::string(framework::ChartStatusName(cell.chart->status)));
            CHECK(jc["chart"]["refs"] == cell.chart->refs);
          } else {
            CHECK(jc["chart"].is_null());
          }
        }
      }
      REQUIRE(jm["orphans"].size() == m.orphans.size());
      for (std::size_t o = 0; o < m.orphans.size(); ++o)
        CHECK(jm["orphans"][o]["summary"] == m.orphans[o].summary);
    }
    if (which == 1) {
      CHECK(j["matrices"][0]["orphans"].size() == 1);
      CHECK(j["participants"]["rows"][3]["id"] == "Zoë");
    }
  }
}

TEST_CASE("export: JSON of some themes holds those themes, in the order given") {
  RunResult r =
      Run({"export", "treatment", "training", "treatment", "-C", kExample.string(), "-f", "json"});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j["matrices"].size() == 2);
  CHECK(j["matrices"][0]["theme"] == "treatment");
  CHECK(j["matrices"][1]["theme"] == "training");
  CHECK(j["framework"]["themes"][0]["id"] == "treatment");
}

TEST_CASE("export: JSON, written a piece at a time, is laid out byte for byte as dump(2)") {
  // Whole and part exports of the example study and of a generated one (orphans, non-ASCII
  // ids, empty arrays and objects), to standard output and to a file.
  GeneratedStudy generated;
  TempDir out;
  for (int which = 0; which < 2; ++which) {
    const fs::path root = which == 0 ? kExample : generated.root();
    const std::string theme = which == 0 ? "training" : "other";
    for (const std::vector<std::string>& extra :
         std::vector<std::vector<std::string>>{{}, {theme}, {"--only", "P1*"}}) {
      std::vector<std::string> args{"export", "-C", root.string(), "--format", "json"};
      args.insert(args.end(), extra.begin(), extra.end());
      INFO("study ", root.string(), " with ", extra.size(), " more arguments");
      RunResult r = Run(args);
      REQUIRE(r.exit_code == 0);
      const auto j = nlohmann::ordered_json::parse(r.out);
      CHECK(r.out == j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      CHECK(j.contains("part") == (extra.size() == 2));
      args.insert(args.end(), {"-o", (out.path() / "export.json").string()});
      REQUIRE(Run(args).exit_code == 0);
      CHECK(ReadFile(out.path() / "export.json") == r.out);
    }
  }
}

// ---- the command: Markdown -----------------------------------------------------------------

TEST_CASE("export: Markdown has one table row per participant, cells escaped") {
  GeneratedStudy generated;
  const framework::Study study = Load(generated.root());
  const auto matrices = framework::ChartedMatrices(study, AllThemes(study));
  RunResult r = Run({"export", "--format", "md", "--content", "both"}, generated.root());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("# Export test: «quotes», commas \\| pipes\n", 0) == 0);
  const auto tables = MarkdownTables(r.out);
  REQUIRE(tables.size() == matrices.size());
  for (std::size_t t = 0; t < matrices.size(); ++t) {
    const auto& m = matrices[t];
    INFO("theme ", m.theme);
    REQUIRE(tables[t].second.size() == m.participants.size());
    for (std::size_t p = 0; p < m.participants.size(); ++p) {
      std::vector<std::string> cells = MarkdownCells(tables[t].second[p]);
      REQUIRE(cells.size() == 1 + m.subthemes.size());
      CHECK(cells[0] == m.participants[p]);
      for (std::size_t c = 0; c < m.subthemes.size(); ++c)
        CHECK(cells[1 + c] == BrForNewline(Expected(m.cells[p][c], "both")));
    }
  }
  CHECK(tables[0].first == "Voices, \"quoted\" \\| piped");
  CHECK(tables[1].first == "Other");
  CHECK(Contains(r.out, "+1 \\| pipes \\| and -2"));
  CHECK(Contains(r.out, "(L3); Zoë — 日本語.<br>Second paragraph"));
  // Stdout, several themes: one document; -o DIR: one document per theme.
  RunResult to_dir = Run({"export", "-C", "study", "--format", "md", "-o", "md"}, generated.tmp());
  REQUIRE(to_dir.exit_code == 0);
  const auto files = Snapshot(generated.tmp() / "md");
  CHECK(files.size() == 2);
  CHECK(files.count("voices.md") == 1);
  CHECK(files.count("other.md") == 1);
}

// ---- the command: outputs, goldens, determinism, errors ------------------------------------

TEST_CASE("export: goldens of the example (training as CSV, Markdown and long, summaries)") {
  const std::string dir = kExample.string();
  RunResult csv = Run({"export", "training", "-C", dir, "--format", "csv"});
  REQUIRE(csv.exit_code == 0);
  CheckGolden(kGoldens / "export-training.csv", csv.out);
  RunResult md =
      Run({"export", "training", "-C", dir, "--format", "md", "--attributes", "role,sector"});
  REQUIRE(md.exit_code == 0);
  CheckGolden(kGoldens / "export-training.md", md.out);
  RunResult long_form =
      Run({"export", "training", "-C", dir, "--format", "csv", "--long", "--attributes", "role"});
  REQUIRE(long_form.exit_code == 0);
  CheckGolden(kGoldens / "export-training-long.csv", long_form.out);
  RunResult summaries =
      Run({"export", "-C", dir, "--format", "csv", "--long", "--content", "summary"});
  REQUIRE(summaries.exit_code == 0);
  CheckGolden(kGoldens / "export-summaries.csv", summaries.out);
}

TEST_CASE("export: output is byte-identical across runs") {
  GeneratedStudy generated;
  for (const fs::path& root : {kExample, generated.root()}) {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"--format", "json"},
                                               {"--format", "csv", "--long"},
                                               {"--format", "md", "--content", "both"}}) {
      std::vector<std::string> full{"export", "-C", root.string()};
      full.insert(full.end(), args.begin(), args.end());
      RunResult a = Run(full), b = Run(full, generated.tmp(), {{"LC_ALL", "C"}});
      REQUIRE(a.exit_code == 0);
      CHECK(a.out == b.out);
      CHECK(!a.out.empty());
    }
  }
  TempDir out;
  for (int i = 0; i < 2; ++i) {
    RunResult r = Run({"export", "-C", kExample.string(), "-f", "tsv", "-o",
                       (out.path() / ("run" + std::to_string(i))).string()});
    REQUIRE(r.exit_code == 0);
  }
  CHECK(Snapshot(out.path() / "run0") == Snapshot(out.path() / "run1"));
}

TEST_CASE("export: -o to a folder writes one file per theme, -o FILE one file") {
  const framework::Study study = Load(kExample);
  TempDir out;
  const fs::path dir = out.path() / "matrices" / "csv";  // created, parents too
  RunResult r = Run({"export", "-C", kExample.string(), "--format", "csv", "-o", dir.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.err, "wrote 6 files in"));
  const auto files = Snapshot(dir);
  REQUIRE(files.size() == study.framework.themes.size());
  for (const auto& theme : study.framework.themes) {
    INFO(theme.id);
    REQUIRE(files.count(theme.id + ".csv") == 1);
    RunResult one = Run({"export", theme.id, "-C", kExample.string(), "--format", "csv"});
    CHECK(files.at(theme.id + ".csv") == one.out);
  }
  // One theme into an existing folder: <folder>/<theme>.csv. One theme to a file: that file,
  // its format taken from the extension.
  r = Run({"export", "training", "-C", kExample.string(), "-f", "csv", "-o", dir.string()});
  REQUIRE(r.exit_code == 0);
  const fs::path file = out.path() / "training.csv";
  r = Run({"export", "training", "-C", kExample.string(), "-o", file.string(), "-q"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(ReadFile(file) == files.at("training.csv"));
  // --long into an existing folder: segments.csv; JSON: export.json.
  r = Run({"export", "-C", kExample.string(), "-f", "csv", "--long", "-o", dir.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(dir / "segments.csv"));
  r = Run({"export", "-C", kExample.string(), "-f", "json", "-o", dir.string() + "/"});
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(dir / "export.json"));
}

TEST_CASE("export: usage errors exit 2 with a hint, write failures exit 3") {
  const std::string dir = kExample.string();
  RunResult r = Run({"export", "traning", "-C", dir, "-f", "csv"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "no theme 'traning'"));
  CHECK(Contains(r.err, "did you mean 'training'?"));
  r = Run({"export", "-C", dir, "-f", "csv"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "-o DIR"));
  CHECK(r.out.empty());
  r = Run({"export", "training", "treatment", "-C", dir, "-f", "tsv"});
  CHECK(r.exit_code == 2);
  r = Run({"export", "training", "treatment", "-C", dir, "-f", "md"});
  CHECK(r.exit_code == 0);
  CHECK(MarkdownTables(r.out).size() == 2);
  TempDir out;
  r = Run({"export", "training", "treatment", "-C", dir, "-o", (out.path() / "x.csv").string()});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "names a file"));
  CHECK(!fs::exists(out.path() / "x.csv"));
  r = Run({"export", "training", "-C", dir});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "--format"));
  r = Run({"export", "training", "-C", dir, "-f", "xlsx"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "-o FILE.xlsx"));
  r = Run({"export", "training", "-C", dir, "-f", "xlsx", "-o", (out.path() / "x.csv").string()});
  CHECK(r.exit_code == 2);
  r = Run({"export", "-C", dir, "-f", "json", "--long"});
  CHECK(r.exit_code == 2);
  r = Run({"export", "-C", dir, "-f", "md", "--lf"});
  CHECK(r.exit_code == 2);
  r = Run({"export", "-C", dir, "-f", "csv", "--long", "--content", "both"});
  CHECK(r.exit_code == 2);
  r = Run({"export", "training", "-C", dir, "-f", "csv", "--attributes", "rol"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "did you mean 'role'?"));
  r = Run({"export", "training", "-C", dir, "-f", "yaml"});
  CHECK(r.exit_code == 2);
  // A full disk on stdout, and a file that cannot be written.
  r = Run({"export", "training", "-C", dir, "-f", "csv"}, kSourceDir, {}, {"/dev/full", 0});
  CHECK(r.exit_code == 3);
  CHECK(Contains(r.err, "cannot write output"));
  r = Run({"export", "training", "-C", dir, "-f", "csv", "-o",
           (out.path() / "no" / "such" / "folder.csv").string()});
  CHECK(r.exit_code == 3);
}

TEST_CASE("export: a study with errors is still exported, with a note on stderr") {
  GeneratedStudy generated;
  WriteFile(generated.root() / "transcripts" / "P10.txt",
            "P10: {other.one}Nothing tricky here.{/other.one} {other.onne}Typo.{/other.onne}\n");
  RunResult r = Run({"export", "other", "-f", "csv"}, generated.root());
  CHECK(r.exit_code == 0);
  INFO(r.err);
  CHECK(Contains(r.err, "the study has 1 error, so the export may be incomplete"));
  CHECK(Contains(r.out, "P10,Nothing tricky here.") == false);  // summaries, not excerpts
  r = Run({"export", "other", "-f", "csv", "--content", "excerpts", "-q"}, generated.root());
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(Contains(r.out, "P10,L1: Nothing tricky here."));
}

TEST_CASE("export: xlsx writes a workbook at -o FILE.xlsx") {
  TempDir out;
  const fs::path file = out.path() / "matrices.xlsx";
  RunResult r = Run({"export", "-C", kExample.string(), "-f", "xlsx", "-o", file.string()});
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(file));
  // A ZIP file.
  CHECK(ReadFile(file).rfind("PK", 0) == 0);
}

}  // namespace
