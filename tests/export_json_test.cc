// The JSON writers of the library (export_json.h, chart_json.h, quotes.h) give the bytes the
// commands print, and the exports stay whole on studies of many participants (generated here;
// sizes and counts are asserted, never times).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "framework/chart_json.h"
#include "framework/chart_ops.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/export_json.h"
#include "framework/file_system.h"
#include "framework/quotes.h"
#include "framework/study.h"
#include "framework/summarise.h"
#include "json_layout.h"
#include "json_model.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

framework::Study LoadAt(const fs::path& root) {
  framework::DiskFileSystem disk(root.string());
  return framework::LoadStudy(disk);
}

// A study of `n` participants, declared with a role, each with a transcript that is empty (even
// numbers) or only front matter (odd), and one theme of two sub-themes.
void WriteEmptyStudy(const fs::path& root, int n) {
  WriteFile(root / "framework.yaml",
            "framework: 1\ntitle: Empty\ntranscripts: transcripts/\n"
            "participants: participants.yaml\nthemes:\n  - id: t1\n    label: T1\n"
            "    subthemes:\n      - id: a\n        label: A\n      - id: b\n        label: B\n");
  std::string people =
      "attributes:\n  role:\n    type: category\n    values: [x, y]\n"
      "participants:\n";
  fs::create_directories(root / "transcripts");
  for (int i = 0; i < n; ++i) {
    const std::string id = "P" + std::to_string(i);
    people += "  - {id: " + id + ", role: " + (i % 2 ? "y" : "x") + "}\n";
    WriteFile(root / "transcripts" / (id + ".txt"),
              i % 2 ? "---\nparticipant: " + id + "\n---\n" : std::string());
  }
  WriteFile(root / "participants.yaml", people);
}

}  // namespace

TEST_CASE("export json: ExportJson gives the bytes of export --format json") {
  const framework::Study study = LoadAt(kExample);
  RunResult r = Run({"export", "-C", kExample.string(), "--format", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK(framework::ExportJson(study, {}) == r.out);
  // Some themes, in the order given.
  const int training = study.framework.FindTheme("training");
  const int role = study.framework.FindTheme("role");
  REQUIRE(training >= 0);
  REQUIRE(role >= 0);
  r = Run({"export", "training", "role", "-C", kExample.string(), "--format", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK(framework::ExportJson(study, {{training, role}, {}}) == r.out);
  // The study is left as it was: a second export is the same.
  CHECK(framework::ExportJson(study, {{training, role}, {}}) == r.out);
}

TEST_CASE("export json: ChartJson gives the bytes of chart THEME --format json") {
  const framework::Study study = LoadAt(kExample);
  for (const char* theme : {"training", "role"}) {
    CAPTURE(theme);
    const int t = study.framework.FindTheme(theme);
    REQUIRE(t >= 0);
    const framework::Matrix matrix = framework::ChartedMatrices(study, {t}).front();
    const std::vector<int> rows = framework::SelectRows(study, matrix, {}, {});
    RunResult r = Run({"chart", theme, "-C", kExample.string(), "--format", "json"});
    REQUIRE(r.exit_code == 0);
    CHECK(framework::ChartJson(study, t, matrix, rows) == r.out);
  }
}

TEST_CASE("export json: CollectQuotes and its writers give the bytes of quotes") {
  const framework::Study study = LoadAt(kExample);
  const framework::ColumnRef column = study.framework.Resolve("training.postqual");
  REQUIRE(column.valid());
  framework::QuoteRequest request;
  request.column = column;
  request.min_group = study.framework.min_group;
  request.by = study.participants.FindAttribute("role");
  REQUIRE(request.by >= 0);
  const framework::QuoteSet set = framework::CollectQuotes(study, request);
  CHECK_FALSE(set.refused);
  CHECK(set.count > 0);
  const std::vector<std::string> args{
      "quotes", "training.postqual", "-C", kExample.string(), "--by", "role", "-q"};
  auto run = [&](const char* format) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--format", format});
    RunResult r = Run(a);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  CHECK(framework::QuotesJson(set) == run("json"));
  CHECK(framework::QuotesCsv(set) == run("csv"));
  CHECK(framework::QuotesMarkdown(set) == run("md"));
}

TEST_CASE("export json: CollectQuotes groups quotes as GroupTexts groups texts") {
  // The one group order (summarise.h): the plan's groups, then the "(other)" TextHeadings adds;
  // each quote under its participant's heading, headings without quotes left out.
  const framework::Study study = LoadAt(kExample);
  const std::vector<std::string> population = framework::Population(study);
  std::size_t moved = 0, cases = 0;
  for (const char* code : {"training.postqual", "training.prequal", "role.caseload", "understanding.profiles"}) {
    const framework::ColumnRef column = study.framework.Resolve(code);
    if (!column.valid()) continue;
    for (std::size_t a = 0; a < study.participants.attributes.size(); ++a) {
      for (int min_group : {2, 3, 5}) {
        framework::QuoteRequest request;
        request.column = column;
        request.by = static_cast<int>(a);
        request.min_group = min_group;
        const framework::QuoteSet set = framework::CollectQuotes(study, request);
        const framework::GroupPlan plan =
            framework::PlanGroups(study, population, request.by, min_group);
        if (plan.refused) {
          CHECK(set.refused);
          continue;
        }
        const framework::AttributionPlan attribution =
            framework::PlanAttribution(study, population, min_group, false);
        std::vector<std::string> labels;
        for (const std::string& id : population)
          labels.push_back(attribution.Label(study, id, false));
        const framework::TextGrouping grouping =
            framework::GroupTexts(plan, population, labels, false);
        std::vector<std::pair<std::string, std::vector<std::string>>> expected;
        for (std::size_t h = 0; h < grouping.headings.size(); ++h) {
          std::vector<std::string> who;
          for (const framework::QuoteGroup& g : set.groups)
            for (const framework::Quotation& q : g.quotes)
              if (grouping.heading_of.at(q.participant) == static_cast<int>(h))
                who.push_back(q.participant);
          if (!who.empty()) expected.emplace_back(grouping.headings[h].label, who);
        }
        std::vector<std::pair<std::string, std::vector<std::string>>> got;
        for (const framework::QuoteGroup& g : set.groups) {
          std::vector<std::string> who;
          for (const framework::Quotation& q : g.quotes) who.push_back(q.participant);
          got.emplace_back(g.label, who);
        }
        INFO(code << " by " << study.participants.attributes[a].name << ", min " << min_group);
        CHECK(got == expected);
        ++cases;
        moved += grouping.moved && !set.groups.empty() && set.groups.back().label == "(other)";
      }
    }
  }
  CHECK(cases > 10);
  CHECK(moved > 0);  // the "(other)" TextHeadings adds is among them
}

TEST_CASE("export json: 20,000 near-empty transcripts export whole, as JSON and CSV") {
  TempDir dir;
  const fs::path root = dir.path() / "study";
  constexpr int kParticipants = 20000;
  WriteEmptyStudy(root, kParticipants);
  RunResult r = Run({"export", "-C", root.string(), "--format", "json", "-q"});
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j["participants"]["rows"].size() == kParticipants);
  REQUIRE(j["matrices"].size() == 1);
  CHECK(j["matrices"][0]["rows"].size() == kParticipants);
  CHECK(j["matrices"][0]["rows"][kParticipants - 1]["participant"] == "P19999");
  // The wide CSV: a header and a row per participant.
  r = Run({"export", "-C", root.string(), "--format", "csv", "--lf", "-q"});
  REQUIRE(r.exit_code == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == kParticipants + 1);
}

TEST_CASE("export json: FindTheme finds every theme of a framework of many themes") {
  std::string yaml = "framework: 1\nthemes:\n";
  constexpr int kThemes = static_cast<int>(framework::kMaxThemes);
  for (int t = 0; t < kThemes; ++t)
    yaml += "  - id: t" + std::to_string(t) + "\n    subthemes:\n      - id: a\n";
  framework::Diagnostics diagnostics;
  framework::Framework f = framework::LoadFramework("framework.yaml", yaml, diagnostics);
  REQUIRE(f.themes.size() == kThemes);
  for (int t = 0; t < kThemes; ++t) CHECK(f.FindTheme("t" + std::to_string(t)) == t);
  CHECK(f.FindTheme("t" + std::to_string(kThemes)) == -1);
  CHECK(f.FindTheme("") == -1);
  // Themes added by hand are found (a linear search, until IndexThemes); an id changed by hand
  // after IndexThemes.
  f.themes[5].id = "renamed";
  f.IndexThemes();
  CHECK(f.FindTheme("renamed") == 5);
  CHECK(f.FindTheme("t5") == -1);
  f.themes.push_back(f.themes.front());
  f.themes.back().id = "added";
  CHECK(f.FindTheme("added") == kThemes);
  framework::Framework copy = f;
  CHECK(copy.FindTheme("t7") == 7);
}

TEST_CASE("export json: strings and cells written directly are the bytes dump() gives") {
  std::vector<std::string> texts = {"",
                                    "plain",
                                    "quote \" backslash \\ slash /",
                                    "\b\f\n\r\t",
                                    "caf\xC3\xA9 \xE2\x80\x9C\xE2\x80\x9D \xF0\x9F\x98\x80",
                                    "\x7F del",
                                    "bad \xC3 utf8",
                                    "\xFF\xFE",
                                    "lone \xED\xA0\x80",
                                    "over \xC0\x80",
                                    "big \xF4\x90\x80\x80"};
  for (int c = 0; c < 0x20; ++c) texts.push_back(std::string("c") + static_cast<char>(c) + "d");
  for (const std::string& text : texts) {
    std::string direct;
    framework::AppendJsonString(text, direct);
    CHECK(direct == nlohmann::ordered_json(text).dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace));
  }
  // A cell with segments, speakers, a chart entry and odd text, at depth 2 of a document.
  framework::MatrixCell cell;
  framework::CellSegment segment;
  segment.code = "t.a";
  segment.line_start = 3;
  segment.line_end = 9;
  segment.speaker = "P1";
  segment.text = "say \"hi\"\n\xC3\xA9 \xFF";
  cell.segments.push_back(segment);
  segment.AddPiece("first", "P1", framework::SpeakerRole::kParticipant, 3, 4);
  segment.AddPiece("q\t", "INT", framework::SpeakerRole::kInterviewer, 5, 5);
  cell.segments.push_back(segment);
  cell.words = 12;
  cell.source = "abc";
  framework::ChartCell chart;
  chart.participant = "P1";
  chart.subtheme = "a";
  chart.summary = "sum\xE2\x80\xA6";
  chart.refs = {"L3-9", "L12"};
  chart.source = "old";
  for (bool charted : {false, true}) {
    CAPTURE(charted);
    if (charted) cell.chart = chart;
    std::string streamed;
    framework::JsonStream json([&](std::string_view piece) { streamed.append(piece); });
    json.BeginObject();
    json.BeginArray("cells");
    framework::WriteMatrixCell(json, cell, "a");
    framework::WriteMatrixCell(json, framework::MatrixCell{}, "b");
    json.End();
    json.End();
    nlohmann::ordered_json whole;
    whole["cells"] = nlohmann::ordered_json::array(
        {framework::MatrixCellJson(cell, "a"), framework::MatrixCellJson({}, "b")});
    CHECK(streamed == whole.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
}

TEST_CASE("export json: escaping finds each byte to escape wherever it falls in 8 bytes") {
  // The runs between escapes are found eight bytes at a time: every byte that needs escaping,
  // and its neighbours that do not ('!' '#' '[' ']' ' ' DEL and a UTF-8 lead), at each place.
  const std::string bytes = std::string("\"\\\x01\x1F\n\x00", 6) + "!#[] \x7F\xC3";
  for (char b : bytes) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string text(24, 'x');
      text[at] = b;
      if (b == '\xC3') text.insert(at + 1, "\xA9");  // a whole character
      std::string direct;
      framework::AppendJsonString(text, direct);
      CAPTURE(at);
      CHECK(direct == nlohmann::ordered_json(text).dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace));
    }
  }
}

TEST_CASE("export json: rows written in blocks on several threads give the same bytes") {
  // More rows than two blocks on each of three threads: blocks are added in row order.
  TempDir dir;
  const fs::path root = dir.path() / "study";
  WriteEmptyStudy(root, 1000);
  const framework::Study study = LoadAt(root);
  framework::ExportJsonOptions options;
  options.jobs = 1;
  const std::string one = framework::ExportJson(study, options);
  const auto parsed = nlohmann::ordered_json::parse(one);
  CHECK(one == parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  REQUIRE(parsed["matrices"][0]["rows"].size() == 1000);
  CHECK(parsed["matrices"][0]["rows"][999]["participant"] == "P999");
  for (unsigned jobs : {2u, 3u, 8u}) {
    CAPTURE(jobs);
    options.jobs = jobs;
    CHECK(framework::ExportJson(study, options) == one);
  }
  // chart --format json's rows too, in SelectRows' order (here the reverse of the matrix's).
  const framework::Matrix matrix = framework::ChartedMatrices(study, {0}).front();
  std::vector<int> rows = framework::SelectRows(study, matrix, {}, {});
  std::reverse(rows.begin(), rows.end());
  auto chart = [&](unsigned jobs) {
    std::string out;
    framework::WriteChartJson(
        study, 0, matrix, rows, [&](std::string_view piece) { out.append(piece); }, jobs);
    return out;
  };
  const std::string chart_one = chart(1);
  const auto chart_parsed = nlohmann::ordered_json::parse(chart_one);
  CHECK(chart_one ==
        chart_parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  CHECK(chart_parsed["rows"][0]["participant"] == "P999");
  for (unsigned jobs : {2u, 3u, 8u}) CHECK(chart(jobs) == chart_one);
  // Threads: capped (memory holds a block per thread), and one when a row is long: then rows
  // are streamed as written, a long passage never copied whole into a block.
  CHECK(framework::RowThreads(256, 0) <= framework::kMaxRowThreads);
  CHECK(framework::RowThreads(1, 0) == 1);
  CHECK(framework::RowThreads(8, framework::kMaxBlockRowBytes + 1) == 1);
  framework::Matrix long_row;
  long_row.cells.resize(2, std::vector<framework::MatrixCell>(2));
  framework::CellSegment passage;
  passage.text = std::string(framework::kMaxBlockRowBytes, 'x');
  long_row.cells[1][0].segments.push_back(passage);
  passage.text = "y";
  long_row.cells[1][1].segments.push_back(passage);
  CHECK(framework::LargestRowBytes(long_row) == framework::kMaxBlockRowBytes + 1);
}

TEST_CASE("export: WriteLongSegmentsCsv on several threads gives the rows LongSegmentsRows gives") {
  // The example study with 300 more transcripts (copies of one under new ids): more rows than
  // a block of participants on each of three threads.
  TempDir dir;
  const fs::path root = dir.path() / "study";
  fs::copy(kExample, root, fs::copy_options::recursive);
  const std::string first = ReadFile(root / "transcripts" / "P01.txt");
  const std::string marker = "participant: P01\n";
  REQUIRE(first.find(marker) != std::string::npos);
  for (int i = 0; i < 300; ++i) {
    std::string copy = first;
    const std::string id = "Q" + std::to_string(1000 + i);
    copy.replace(copy.find(marker), marker.size(), "participant: " + id + "\n");
    WriteFile(root / "transcripts" / (id + ".txt"), copy);
  }
  const framework::Study study = LoadAt(root);
  const int t = study.framework.FindTheme("role");
  REQUIRE(t >= 0);
  const framework::Matrix matrix = framework::ChartedMatrices(study, {t}).front();
  REQUIRE(matrix.participants.size() > 300);
  framework::ExportOptions options;
  framework::CsvOptions csv;
  std::string rows;
  framework::LongSegmentsRows(study, matrix, options, [&](const std::vector<std::string>& row) {
    framework::AppendCsvRow(row, csv, rows);
  });
  CHECK(std::count(rows.begin(), rows.end(), '\n') > 300);
  for (unsigned jobs : {1u, 2u, 3u, 8u}) {
    CAPTURE(jobs);
    std::string written;
    framework::WriteLongSegmentsCsv(study, matrix, options, csv, jobs,
                                    [&](std::string_view piece) { written.append(piece); });
    CHECK(written == rows);
  }
}

TEST_CASE("JsonStream writes a long string a chunk at a time, as dump() writes it") {
  // Escapes, controls and multi-byte characters all along, so chunk ends fall inside escapes'
  // sources and inside characters: 300 KiB, several of JsonStream's 64 KiB pieces.
  std::string text;
  while (text.size() < (300u << 10))
    text += "a \"q\" \\ \n\t\x01 caf\u00e9 \xE2\x80\xA6 \xF0\x9F\x98\x80 ";
  std::string streamed;
  std::size_t largest = 0, pieces = 0;
  {
    framework::JsonStream json([&](std::string_view piece) {
      streamed.append(piece);
      largest = std::max(largest, piece.size());
      ++pieces;
    });
    json.BeginObject();
    json.String(text, "text");
    json.String("short", "after");
    json.End();
  }
  nlohmann::ordered_json whole;
  whole["text"] = text;
  whole["after"] = "short";
  CHECK(streamed == whole.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  // Spilled as it was escaped: no piece holds the escaped string whole.
  CHECK(pieces > 4);
  CHECK(largest < (3u << 16));
}

// show --format json is written a segment at a time: a long segment reaches the sink in many
// pieces, and the whole is what nlohmann's dump(2) gives of the same document.
TEST_CASE("export json: WriteShowJson streams show's document, laid out as dump(2)") {
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml",
            "framework: 1\ntitle: T\nspeakers: {INT: interviewer}\nthemes:\n"
            "  - {id: t, label: T, subthemes: [{id: s, label: S}, {id: u, label: U}]}\n");
  WriteFile(root / "participants.yaml", "participants:\n  - {id: P01}\n");
  const std::string long_text(300000, 'w');
  WriteFile(root / "transcripts/P01.txt", "INT: {t.u}a \"question\"{/t.u}\nP01: {t.s}" + long_text +
                                              "\n\ttab \xC3\xA9{/t.s} {odd}x{/odd}\n");
  const framework::Study study = LoadAt(root);
  REQUIRE(study.transcripts.size() == 1);
  const framework::Transcript& t = study.transcripts[0];
  std::vector<std::string> pieces;
  framework::WriteShowJson(t, study.framework, 2, {},
                           [&](std::string_view p) { pieces.emplace_back(p); });
  CHECK(pieces.size() > 3);
  std::string whole;
  for (const auto& p : pieces) whole += p;

  nlohmann::ordered_json expected;
  expected["format"] = "framework-show";
  expected["version"] = 1;
  expected["participant"] = "P01";
  expected["file"] = t.path;
  expected["line_count"] = 2;
  auto segments = nlohmann::ordered_json::array();
  for (const framework::Segment& s : t.segments) {
    nlohmann::ordered_json item;
    item["code"] = s.code;
    if (s.target.valid()) {
      item["theme"] = "t";
      item["subtheme"] = s.target.subtheme == 0 ? "s" : "u";
    } else {
      item["theme"] = nullptr;
      item["subtheme"] = nullptr;
    }
    item["line_start"] = s.line_start;
    item["line_end"] = s.line_end;
    item["speaker"] = t.speakers[static_cast<std::size_t>(s.speaker)].label;
    item["text"] = t.SegmentText(s);
    segments.push_back(std::move(item));
  }
  REQUIRE(segments.size() == 3);
  expected["segments"] = std::move(segments);
  CHECK(whole == expected.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");

  // Only the columns asked for.
  std::string one;
  framework::WriteShowJson(t, study.framework, 2, {study.framework.Resolve("t.u")},
                           [&](std::string_view p) { one += p; });
  const auto parsed = nlohmann::json::parse(one);
  REQUIRE(parsed["segments"].size() == 1);
  CHECK(parsed["segments"][0]["text"] == "a \"question\"");
  CHECK(parsed["segments"][0]["speaker"] == "INT");
}
