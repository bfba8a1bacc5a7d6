// The operations the library owns (issue 15): chart operations, code statistics, merge, the YAML
// scalar writer, the hash and the enum parsers, on the example study and on hostile input.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "framework/chart_ops.h"
#include "framework/code_stats.h"
#include "framework/codebook.h"
#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/hash.h"
#include "framework/merge.h"
#include "framework/text.h"
#include "framework/yaml_write.h"
#include "run_binary.h"
#include "test_util.h"

namespace {

using namespace framework_test;
using framework::CellIndex;
using framework::StatusCode;

struct Loaded {
  framework::Study study;
  framework::Matrix matrix;
  std::vector<int> rows;
};

// The example's training theme, its charts attached, every row in natural order.
Loaded LoadTraining() {
  Loaded l;
  framework::DiskFileSystem disk(kExample.string());
  l.study = framework::LoadStudy(disk);
  const int theme = l.study.framework.FindTheme("training");
  REQUIRE(theme >= 0);
  l.matrix = framework::IndexTheme(l.study, theme);
  for (const framework::Chart& chart : l.study.charts)
    if (chart.theme == "training") framework::AttachChart(l.matrix, chart);
  l.rows = framework::SelectRows(l.study, l.matrix, {}, {});
  return l;
}

bool Waiting(const framework::MatrixCell& cell) {
  return (!cell.chart && cell.has_data()) || cell.stale();
}

}  // namespace

TEST_CASE("ParseCellName names a cell, or says why not with a hint") {
  const Loaded l = LoadTraining();
  CellIndex cell;
  CHECK(framework::ParseCellName(l.matrix, "P01:prequal", &cell).ok());
  CHECK(l.matrix.participants[static_cast<std::size_t>(cell.row)] == "P01");
  CHECK(l.matrix.subthemes[static_cast<std::size_t>(cell.column)] == "prequal");

  framework::Status s = framework::ParseCellName(l.matrix, "P01", &cell);
  CHECK(s.code == StatusCode::kUsage);
  CHECK(s.message == "cell 'P01' is not PARTICIPANT:SUBTHEME");
  s = framework::ParseCellName(l.matrix, "P1:prequal", &cell);
  CHECK(s.code == StatusCode::kUsage);
  CHECK(s.message == "no participant 'P1'");
  CHECK(Contains(s.hint, "did you mean"));
  s = framework::ParseCellName(l.matrix, "P01:prequall", &cell);
  CHECK(s.message == "theme 'training' has no sub-theme 'prequall'");
  CHECK(s.hint == "did you mean 'prequal'?");
  s = framework::ParseCellName(l.matrix, ":", &cell);
  CHECK(s.code == StatusCode::kUsage);
}

TEST_CASE("NextCell gives the first waiting cell in chart order, or nothing") {
  const Loaded l = LoadTraining();
  const auto next = framework::NextCell(l.matrix, l.rows);
  // The first waiting cell: none before it, row by row, column by column.
  std::optional<CellIndex> expected;
  for (int r : l.rows)
    for (std::size_t c = 0; !expected && c < l.matrix.subthemes.size(); ++c)
      if (Waiting(l.matrix.cells[static_cast<std::size_t>(r)][c]))
        expected = CellIndex{r, static_cast<int>(c)};
  REQUIRE(next.has_value() == expected.has_value());
  if (next) {
    CHECK(next->row == expected->row);
    CHECK(next->column == expected->column);
  }
  CHECK_FALSE(framework::NextCell(l.matrix, {}).has_value());
}

TEST_CASE("DraftCells drafts only uncharted cells with data, and AddNewCells never replaces") {
  const Loaded l = LoadTraining();
  const auto all = framework::DraftCells(l.matrix, l.rows, true, "2026-01-01T00:00:00Z");
  const auto one = framework::DraftCells(l.matrix, l.rows, false, "2026-01-01T00:00:00Z");
  CHECK(one.size() == std::min<std::size_t>(1, all.size()));
  if (!one.empty()) CHECK(framework::SameCell(one.front(), all.front()));
  for (const framework::ChartCell& d : all) {
    CellIndex at;
    REQUIRE(framework::ParseCellName(l.matrix, d.participant + ":" + d.subtheme, &at).ok());
    const auto& cell =
        l.matrix.cells[static_cast<std::size_t>(at.row)][static_cast<std::size_t>(at.column)];
    CHECK_FALSE(cell.chart);
    CHECK(cell.has_data());
    CHECK(d.status == framework::ChartStatus::kDraft);
    CHECK(d.source == cell.source);
    CHECK(d.updated == "2026-01-01T00:00:00Z");
    CHECK_FALSE(d.summary.empty());
  }
  // A cell the file has meanwhile is kept as the file has it.
  framework::ChartCell draft;
  draft.participant = "P01";
  draft.subtheme = "prequal";
  draft.summary = "drafted";
  framework::Chart chart;
  framework::ChartCell theirs = draft;
  theirs.summary = "typed by the researcher";
  chart.cells.push_back(theirs);
  framework::ChartCell fresh = draft;
  fresh.subtheme = "access";
  CHECK(framework::AddNewCells({draft, fresh})(chart).empty());
  REQUIRE(chart.cells.size() == 2);
  CHECK(chart.cells[0].summary == "typed by the researcher");
  CHECK(chart.cells[1].subtheme == "access");
}

TEST_CASE("PlanAccept and PlanRebase pick the cells named, or every one") {
  const Loaded l = LoadTraining();
  std::size_t charted = 0, stale = 0;
  for (int r : l.rows)
    for (const auto& cell : l.matrix.cells[static_cast<std::size_t>(r)]) {
      charted += cell.chart ? 1 : 0;
      stale += cell.chart && cell.chart->source != cell.source ? 1 : 0;
    }
  REQUIRE(charted > 0);
  const auto accept = framework::PlanAccept(l.study, l.matrix, l.rows, {"all"});
  CHECK(accept.targets.size() + accept.skipped.size() == stale);
  CHECK(framework::PlanAccept(l.study, l.matrix, l.rows, {}).targets.empty());

  const auto every = framework::PlanRebase(l.matrix, l.rows, {});
  CHECK(every.targets.size() == charted);
  CHECK(std::none_of(every.named.begin(), every.named.end(), [](bool b) { return b; }));
  CHECK(framework::PlanRebase(l.matrix, l.rows, {"all"}).targets.size() == charted);
  // A named cell is a target even without a chart entry, and is said to be named.
  const auto named = framework::PlanRebase(l.matrix, l.rows, {"P01:prequal"});
  REQUIRE(named.targets.size() == 1);
  CHECK(named.targets[0].participant == "P01");
  CHECK(named.named[0]);
  // Rows filtered out are not touched.
  CHECK(framework::PlanRebase(l.matrix, {}, {"P01:prequal"}).targets.empty());
}

TEST_CASE("CellFromEdit takes the summary's refs, once each, and flags those past the end") {
  const Loaded l = LoadTraining();
  CellIndex at;
  REQUIRE(framework::ParseCellName(l.matrix, "P01:prequal", &at).ok());
  framework::CellBufferFields fields;
  fields.summary = "Cafe\xCC\x81 (L3) and (L3), then (L99999).";
  fields.comment = "check";
  fields.status = framework::ChartStatus::kReviewed;
  framework::ChartCell base;
  base.participant = "P01";
  base.subtheme = "prequal";
  base.refs = {"L1"};
  const auto edit = framework::CellFromEdit(l.study, l.matrix, at, base, fields, "T");
  CHECK(edit.cell.summary == "Caf\xC3\xA9 (L3) and (L3), then (L99999).");  // NFC
  CHECK(edit.cell.refs == std::vector<std::string>{"L3", "L99999"});
  CHECK(edit.beyond_end == std::vector<std::string>{"L99999"});
  CHECK(edit.line_count > 3);
  CHECK(edit.cell.status == framework::ChartStatus::kReviewed);
  CHECK(edit.cell.updated == "T");
  CHECK(
      edit.cell.source ==
      l.matrix.cells[static_cast<std::size_t>(at.row)][static_cast<std::size_t>(at.column)].source);
}

TEST_CASE("SelectRows: a filter and its negation split the rows") {
  const Loaded l = LoadTraining();
  REQUIRE_FALSE(l.study.participants.attributes.empty());
  const auto& first = l.study.participants.participants.front();
  REQUIRE(first.values[0].has_value());
  const std::string value = *first.values[0];
  const auto is = framework::SelectRows(l.study, l.matrix, {{0, value, false}}, {});
  const auto is_not = framework::SelectRows(l.study, l.matrix, {{0, value, true}}, {});
  CHECK_FALSE(is.empty());
  CHECK(is.size() + is_not.size() == l.matrix.participants.size());
  for (int r : is) CHECK(std::find(is_not.begin(), is_not.end(), r) == is_not.end());
  // Sorted by the attribute: the same rows, reordered.
  auto sorted = framework::SelectRows(l.study, l.matrix, {}, {0});
  CHECK(sorted.size() == l.rows.size());
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == l.rows);
}

TEST_CASE("ComputeCodeStats counts every segment once") {
  framework::DiskFileSystem disk(kExample.string());
  const framework::Study study = framework::LoadStudy(disk);
  const framework::CodeStats stats = framework::ComputeCodeStats(study);
  REQUIRE(stats.columns.size() == study.framework.themes.size());
  std::size_t segments = 0;
  for (std::size_t t = 0; t < stats.columns.size(); ++t) {
    REQUIRE(stats.columns[t].size() == study.framework.themes[t].subthemes.size());
    for (std::size_t s = 0; s < stats.columns[t].size(); ++s) {
      const framework::ColumnStats& column = stats.columns[t][s];
      segments += column.segments;
      REQUIRE_FALSE(column.codes.empty());
      CHECK(column.codes[0].code ==
            study.framework.themes[t].id + "." + study.framework.themes[t].subthemes[s].id);
      std::size_t by_code = 0;
      for (const auto& c : column.codes) by_code += c.segments;
      CHECK(by_code == column.segments);
      CHECK(column.participants <= study.transcripts.size());
    }
  }
  for (const framework::UnknownCode& u : stats.unknown) {
    segments += u.segments;
    CHECK(u.places.size() == u.segments);
  }
  CHECK(segments == study.SegmentCount());
}

// The report `check --format json` printed when cli/ built it as one nlohmann tree: the bytes
// WriteDiagnosticsJson must still give.
std::string CheckJsonAsTree(const framework::Diagnostics& diagnostics,
                            const framework::CheckTotals& totals) {
  const framework::DiagnosticCounts counts = framework::CountDiagnostics(diagnostics);
  nlohmann::ordered_json out;
  out["format"] = "framework-check";
  out["version"] = 1;
  out["study"] = totals.study;
  out["summary"] = {{"errors", counts.errors},
                    {"warnings", counts.warnings},
                    {"unlisted_errors", counts.unlisted_errors},
                    {"transcripts", totals.transcripts},
                    {"participants", totals.participants},
                    {"segments", totals.segments}};
  auto list = nlohmann::ordered_json::array();
  for (const auto& d : diagnostics) {
    nlohmann::ordered_json item;
    item["severity"] = std::string(framework::SeverityName(d.severity));
    item["rule"] = d.rule;
    item["file"] = d.file;
    if (d.line > 0) item["line"] = d.line;
    if (d.column > 0) item["column"] = d.column;
    item["message"] = d.message;
    if (!d.hint.empty()) item["hint"] = d.hint;
    if (d.unlisted > 0) item["unlisted"] = d.unlisted;
    list.push_back(std::move(item));
  }
  out["diagnostics"] = std::move(list);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string Collect(const std::function<void(const std::function<void(std::string_view)>&)>& write,
                    std::size_t* pieces = nullptr) {
  std::string text;
  write([&](std::string_view piece) {
    text += piece;
    if (pieces) ++*pieces;
  });
  return text;
}

TEST_CASE("WriteDiagnosticsJson writes check's report as the one tree did, in pieces") {
  framework::Diagnostics diagnostics;
  framework::Diagnostic located;
  located.rule = "unknown-code";
  located.file = "transcripts/P01.txt";
  located.line = 12;
  located.column = 7;
  located.message = "unknown code 'suport' \"quoted\" \t\x01 and bad \xff UTF-8";
  located.hint = "did you mean 'support'?";
  diagnostics.push_back(located);
  framework::Diagnostic whole_file;
  whole_file.severity = framework::Severity::kWarning;
  whole_file.rule = "participant-without-transcript";
  whole_file.file = "participants.yaml";
  whole_file.message = std::string(100000, 'x');  // a message longer than a piece
  diagnostics.push_back(whole_file);
  framework::Diagnostic capped;
  capped.severity = framework::Severity::kNote;
  capped.rule = "too-many-errors";
  capped.file = "transcripts/P01.txt";
  capped.message = "7 more errors not listed";
  capped.unlisted = 7;
  diagnostics.push_back(capped);
  for (int i = 0; i < 2000; ++i) diagnostics.push_back(located);
  const framework::CheckTotals totals{"studies/\xc3\xa9t\xc3\xa9", 3, 4, 5};

  std::size_t pieces = 0;
  const std::string text =
      Collect([&](const auto& sink) { framework::WriteDiagnosticsJson(diagnostics, totals, sink); },
              &pieces);
  CHECK(text == CheckJsonAsTree(diagnostics, totals));
  CHECK(pieces > 3);  // streamed, not written whole at the end

  const auto report = nlohmann::json::parse(text);
  CHECK(report.at("summary").at("errors") == 2001 + 7);
  CHECK(report.at("summary").at("unlisted_errors") == 7);
  CHECK(report.at("summary").at("warnings") == 1);
  CHECK(report.at("diagnostics").at(1).count("line") == 0);
  CHECK(report.at("diagnostics").at(2).at("unlisted") == 7);
  CHECK(report.at("diagnostics").at(0).count("unlisted") == 0);

  const std::string empty = Collect([&](const auto& sink) {
    framework::WriteDiagnosticsJson({}, {".", 0, 0, 0}, sink);
  });
  CHECK(empty == CheckJsonAsTree({}, {".", 0, 0, 0}));
  CHECK(Contains(empty, "\"diagnostics\": []\n}\n"));
}

// The report `codes --format json` printed when cli/ built it as one nlohmann tree.
std::string CodesJsonAsTree(const framework::Framework& f, const framework::CodeStats& stats) {
  nlohmann::ordered_json out;
  out["format"] = "framework-codes";
  out["version"] = 1;
  auto themes = nlohmann::ordered_json::array();
  for (std::size_t t = 0; t < f.themes.size(); ++t) {
    const framework::Theme& theme = f.themes[t];
    auto subs = nlohmann::ordered_json::array();
    for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
      const framework::ColumnStats& use = stats.columns[t][s];
      auto codes = nlohmann::ordered_json::array();
      for (const framework::CodeCount& c : use.codes)
        codes.push_back({{"code", c.code}, {"segments", c.segments}});
      subs.push_back({{"id", theme.subthemes[s].id},
                      {"label", theme.subthemes[s].label},
                      {"codes", codes},
                      {"segments", use.segments},
                      {"participants", use.participants},
                      {"words", use.words}});
    }
    themes.push_back({{"id", theme.id}, {"label", theme.label}, {"subthemes", subs}});
  }
  out["themes"] = themes;
  auto missing = nlohmann::ordered_json::array();
  for (const framework::UnknownCode& use : stats.unknown) {
    auto places = nlohmann::ordered_json::array();
    for (const framework::CodePlace& place : use.places)
      places.push_back({{"file", place.file}, {"line", place.line}});
    missing.push_back({{"code", use.code},
                       {"segments", use.segments},
                       {"participants", use.participants},
                       {"words", use.words},
                       {"places", places}});
  }
  out["unknown_codes"] = missing;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

TEST_CASE("WriteCodeStatsJson writes codes' report as the one tree did") {
  framework::DiskFileSystem disk(kExample.string());
  const framework::Study study = framework::LoadStudy(disk);
  framework::CodeStats stats = framework::ComputeCodeStats(study);
  const std::string text = Collect(
      [&](const auto& sink) { framework::WriteCodeStatsJson(study.framework, stats, sink); });
  CHECK(text == CodesJsonAsTree(study.framework, stats));
  const auto report = nlohmann::json::parse(text);
  CHECK(report.at("format") == "framework-codes");
  REQUIRE(report.at("themes").size() == study.framework.themes.size());
  CHECK(report.at("themes").at(0).at("subthemes").at(0).at("codes").at(0).at("code") ==
        study.framework.themes[0].id + "." + study.framework.themes[0].subthemes[0].id);

  // Unknown codes with their places (one with none), a code and a file not valid UTF-8, and a
  // sub-theme no code indexes into.
  stats.unknown.push_back(
      {"suport\xff", 2, 1, 30, {{"transcripts/P01.txt", 3}, {"t/\x01.txt", 9}}});
  stats.unknown.push_back({"zzz", 0, 0, 0, {}});
  stats.columns[0][0].codes.clear();
  const std::string hostile = Collect(
      [&](const auto& sink) { framework::WriteCodeStatsJson(study.framework, stats, sink); });
  CHECK(hostile == CodesJsonAsTree(study.framework, stats));
  CHECK(Contains(hostile, "\"codes\": [],"));
  CHECK(Contains(hostile, "\"places\": []\n"));
}

TEST_CASE("MergeExportTexts refuses what is not a part, naming it") {
  std::string merged = "untouched";
  framework::Status s = framework::MergeExportTexts({}, &merged);
  CHECK_FALSE(s.ok());
  s = framework::MergeExportTexts({{"a.json", "{not json"}}, &merged);
  CHECK(s.code == StatusCode::kStudyErrors);
  CHECK(s.message == "a.json:1:2: not JSON: expected a member name in double quotes");
  s = framework::MergeExportTexts({{"b.json", R"({"format": "framework-export", "version": 1})"}},
                                  &merged);
  CHECK(s.message == "b.json: a whole export, not a part: it was written without --only");
  // A part whose members have the wrong types: refused, never thrown.
  const std::string bad =
      R"({"format": "framework-export", "version": 1, "framework": 1, "participants": 2,
          "matrices": 3, "part": {"framework": "x", "study": "y", "transcripts": [1],
          "charts": []}})";
  s = framework::MergeExportTexts({{"c.json", bad}}, &merged);
  CHECK(s.code == StatusCode::kStudyErrors);
  CHECK(Contains(s.message, "a part is malformed"));
  CHECK(merged == "untouched");
  s = framework::MergeExportFiles({"/nonexistent/part.json"}, {}, &merged);
  CHECK(s.code == StatusCode::kIoError);
  CHECK(Contains(s.message, "cannot read /nonexistent/part.json"));
}

TEST_CASE("MergeExportTexts of one part is the whole export") {
  TempDir tmp;
  const fs::path part = tmp.path() / "part.json";
  REQUIRE(
      Run({"export", "--format", "json", "--only", "*", "-o", part.string()}, kExample).exit_code ==
      0);
  const RunResult whole = Run({"export", "--format", "json"}, kExample);
  REQUIRE(whole.exit_code == 0);
  std::string merged;
  REQUIRE(framework::MergeExportTexts({{"part.json", ReadFile(part)}}, &merged).ok());
  CHECK(merged == whole.out);
}

TEST_CASE("YamlQuoted and YamlScalar read back as the same text") {
  for (const std::string& text :
       {std::string("two\nlines"), std::string("tab\there"), std::string("\"quoted\" \\ back"),
        std::string("yes"), std::string(""),
        std::string("a\x01"
                    "b"),
        std::string("line\xE2\x80\xA8sep"), std::string(" lead and trail ")}) {
    for (const std::string& scalar : {framework::YamlQuoted(text), framework::YamlScalar(text)}) {
      INFO(scalar);
      CHECK(scalar.find('\n') == std::string::npos);
      framework::Diagnostics d;
      const framework::Framework f =
          framework::LoadFramework("framework.yaml",
                                   "framework: 1\ntitle: " + scalar +
                                       "\nthemes:\n  - id: t\n    label: T\n    subthemes:\n      "
                                       "- id: s\n        label: S\n",
                                   d);
      CHECK(f.title == text);
    }
  }
  CHECK(framework::YamlScalar("Plain words") == "Plain words");
  CHECK(framework::YamlScalar("no") == "\"no\"");
  CHECK(framework::YamlQuoted("My study") == "\"My study\"");
}

TEST_CASE("init --title keeps a line break in the title") {
  TempDir tmp;
  const RunResult r = Run({"init", "s", "--title", "two\nlines"}, tmp.path());
  REQUIRE(r.exit_code == 0);
  const std::string yaml = ReadFile(tmp.path() / "s" / "framework.yaml");
  CHECK(Contains(yaml, "title: \"two\\nlines\"\n"));
  framework::Diagnostics d;
  CHECK(framework::LoadFramework("framework.yaml", yaml, d).title == "two\nlines");
  const RunResult json = Run({"export", "--format", "json"}, tmp.path() / "s");
  CHECK(Contains(json.out, "\"title\": \"two\\nlines\""));
}

TEST_CASE("Parse* functions invert the enum-name functions") {
  for (auto s : {framework::ChartStatus::kDraft, framework::ChartStatus::kCharted,
                 framework::ChartStatus::kReviewed})
    CHECK(framework::ParseChartStatus(framework::ChartStatusName(s)) == s);
  for (auto r : {framework::SpeakerRole::kInterviewer, framework::SpeakerRole::kParticipant,
                 framework::SpeakerRole::kOther})
    CHECK(framework::ParseSpeakerRole(framework::SpeakerRoleName(r)) == r);
  for (auto t : {framework::AttributeType::kCategory, framework::AttributeType::kInteger,
                 framework::AttributeType::kNumber, framework::AttributeType::kString,
                 framework::AttributeType::kBoolean, framework::AttributeType::kDate})
    CHECK(framework::ParseAttributeType(framework::AttributeTypeName(t)) == t);
  CHECK_FALSE(framework::ParseChartStatus("Draft").has_value());
  CHECK_FALSE(framework::ParseChartStatus("").has_value());
  CHECK_FALSE(framework::ParseSpeakerRole("interviewer ").has_value());
  CHECK_FALSE(framework::ParseAttributeType("int").has_value());
}

TEST_CASE("Fnv1a fed piece by piece is HashHex") {
  framework::Fnv1a h;
  h.Add("hello ");
  h.Add('w');
  h.Add("orld");
  CHECK(h.Hex() == framework::HashHex("hello world"));
  CHECK(framework::Fnv1a().Hex() == "cbf29ce484222325");
}

TEST_CASE("public headers include only the standard library and framework headers") {
  // No exception: json_layout.h (nlohmann) is private, in src/, beside src/test_hooks.h.
  const std::regex include(R"re(^\s*#\s*include\s*([<"])([^>"]+)[>"])re");
  for (const auto& entry :
       fs::directory_iterator(kSourceDir / "libframework" / "include" / "framework")) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      INFO(name << ": " << line);
      const std::string header = m[2];
      if (m[1] == "\"")
        CHECK(header.rfind("framework/", 0) == 0);
      else
        CHECK(header.find('.') == std::string::npos);  // <string>, not <yaml-cpp/yaml.h>
    }
    CHECK_FALSE(Contains(ReadFile(entry.path()), "WithYamlCpp"));
  }
}
