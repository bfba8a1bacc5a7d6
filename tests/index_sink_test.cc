// The one load pass: LoadStudy folds each transcript into what IndexRequest asks (the indexing
// sink, FoldTranscript), checks charts as it reads them, and the parser's tag and label spans
// that `show` draws.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "framework/text.h"
#include "framework/transcript.h"

namespace {

using framework::BodySpan;
using framework::IndexRequest;
using framework::LoadOptions;
using framework::LoadStudy;
using framework::MemoryFileSystem;
using framework::Study;

using Files = std::map<std::string, std::string>;

const char* kFramework =
    "framework: 1\n"
    "title: Sink study\n"
    "speakers: {INT: interviewer}\n"
    "themes:\n"
    "  - id: a\n"
    "    label: A\n"
    "    subthemes:\n"
    "      - {id: x, label: X}\n"
    "      - {id: y, label: Y}\n"
    "  - id: b\n"
    "    label: B\n"
    "    subthemes:\n"
    "      - {id: z, label: Z}\n"
    "attribution: Participant\n";

Files SinkStudy(bool charts) {
  Files files{
      {"framework.yaml", kFramework},
      {"participants.yaml", "participants:\n  - {id: P1}\n  - {id: P2}\n"},
      {"transcripts/P1.txt",
       "INT: Tell me.\nP1: {a.x}one two{/a.x} and {b.z}three{/b.z}\n{a.y, a.x}four "
       "five{/}\nINT: {a.y}and you?\nP1: six{/a.y}\n"},
      {"transcripts/P2.txt", "P2: {b.z}seven eight nine{/b.z}\n"},
  };
  if (charts)
    files["charts/a.yaml"] =
        "theme: a\ncells:\n  - participant: P1\n    subtheme: x\n    status: draft\n"
        "    summary: \"S (L2)\"\n    source: 0000000000000000\n";
  return files;
}

Study Load(const Files& files, const LoadOptions& options) {
  MemoryFileSystem fs;
  for (const auto& [path, contents] : files) fs.Add(path, contents);
  return LoadStudy(fs, options);
}

// Every cell of every theme, as text, for comparing two loads.
std::string Cells(const Study& study) {
  std::string out;
  for (int theme = 0; theme < static_cast<int>(study.framework.themes.size()); ++theme) {
    const framework::Matrix m = framework::IndexTheme(study, theme);
    for (std::size_t r = 0; r < m.participants.size(); ++r)
      for (std::size_t c = 0; c < m.subthemes.size(); ++c) {
        const framework::MatrixCell& cell = m.cells[r][c];
        out += m.participants[r] + ":" + m.subthemes[c] + " words=" + std::to_string(cell.words) +
               " source=" + cell.source + " [";
        for (const auto& s : cell.segments)
          out += s.code + "@" + std::to_string(s.line_start) + "-" + std::to_string(s.line_end) +
                 "=" + s.text + "|" + s.speaker + ";";
        out += "]\n";
      }
  }
  return out;
}

}  // namespace

TEST_CASE("IndexRequest: cell texts folded at load index as the whole text does") {
  for (const bool charts : {false, true}) {
    CAPTURE(charts);
    const Files files = SinkStudy(charts);
    const Study whole = Load(files, LoadOptions{});
    LoadOptions lean;
    lean.index = IndexRequest{};
    lean.index->cell_texts = true;
    const Study folded = Load(files, lean);
    for (const auto& t : folded.transcripts) {
      CHECK(t.indexed);
      CHECK(t.text.empty());
      CHECK(t.segments.empty());
      CHECK(t.column_lines.empty());  // dropped once the charts are checked
    }
    CHECK(Cells(folded) == Cells(whole));
    CHECK(folded.SegmentCount() == whole.SegmentCount());
    CHECK(folded.diagnostics.size() == whole.diagnostics.size());
  }
}

TEST_CASE("IndexRequest: each column's source is folded once, and equals CellSource") {
  const Files files = SinkStudy(true);
  LoadOptions options;
  options.index = IndexRequest{};
  const Study study = Load(files, options);
  const int p1 = study.FindTranscript("P1");
  REQUIRE(p1 >= 0);
  const framework::Transcript& t = study.transcripts[static_cast<std::size_t>(p1)];
  REQUIRE(t.columns.size() == 3);  // a.x, a.y, b.z, in column order
  CHECK(t.columns[0].column == framework::ColumnRef{0, 0});
  CHECK(t.columns[1].column == framework::ColumnRef{0, 1});
  CHECK(t.columns[2].column == framework::ColumnRef{1, 0});
  CHECK(t.columns[0].Source() == framework::HashHex("one two\nfour five"));
  CHECK(t.columns[2].Source() == framework::HashHex("three"));
  CHECK(t.column_segments.empty());
  // The stale chart cell is found without any text kept.
  bool stale = false;
  for (const auto& d : study.diagnostics) stale |= d.rule == "stale-cell";
  CHECK(stale);
}

TEST_CASE("IndexRequest: cell shapes and words without texts, and themes asked for") {
  const Files files = SinkStudy(false);
  LoadOptions shapes;
  shapes.index = IndexRequest{};
  shapes.index->cell_shapes = true;
  shapes.index->words = true;
  const Study s = Load(files, shapes);
  const framework::Matrix a = framework::IndexTheme(s, 0);
  const framework::MatrixCell* x = a.Find("P1", "x");
  REQUIRE(x);
  CHECK(x->words == 4);  // "one two" + "four five"
  REQUIRE(x->segments.size() == 2);
  CHECK(x->segments[0].text.empty());
  CHECK(x->source.empty());  // no charts: no source asked for
  const framework::MatrixCell* y = a.Find("P1", "y");
  REQUIRE(y);
  CHECK(y->words == 3);  // "four five" + "six": the interviewer's words do not count

  LoadOptions one;
  one.index = IndexRequest{};
  one.index->cell_texts = true;
  one.index->themes = {"b"};
  const Study b_only = Load(files, one);
  const framework::Matrix b = framework::IndexTheme(b_only, 1);
  const framework::MatrixCell* z = b.Find("P2", "z");
  REQUIRE(z);
  REQUIRE(z->segments.size() == 1);
  CHECK(z->segments[0].text == "seven eight nine");
  CHECK(z->words == 3);
  for (const auto& row : framework::IndexTheme(b_only, 0).cells)
    for (const auto& cell : row) CHECK(cell.segments.empty());
}

TEST_CASE("IndexRequest: the older LoadOptions flags spell the same requests") {
  LoadOptions flags;
  CHECK(flags.Request().text);
  flags.keep_text = false;
  flags.keep_cells = true;
  flags.cell_themes = {"a"};
  IndexRequest r = flags.Request();
  CHECK(!r.text);
  CHECK(r.cell_texts);
  CHECK(!r.segments);
  CHECK(r.themes == std::vector<std::string>{"a"});
  LoadOptions words;
  words.keep_text = false;
  words.count_words = true;
  r = words.Request();
  CHECK(r.cell_shapes);
  CHECK(r.words);
  CHECK(r.segments);
  LoadOptions bare;
  bare.keep_text = false;
  bare.keep_segments = false;
  r = bare.Request();
  CHECK(!r.segments);
  CHECK(!r.cell_texts);
  CHECK(r.charts);
}

TEST_CASE("IndexRequest: charts = false checks each chart and keeps no cells") {
  Files files = SinkStudy(true);
  files["charts/a-copy.yaml"] = files["charts/a.yaml"];  // a second chart of theme a
  LoadOptions keep;
  keep.index = IndexRequest{};
  const Study kept = Load(files, keep);
  LoadOptions drop = keep;
  drop.index->charts = false;
  const Study dropped = Load(files, drop);
  REQUIRE(kept.charts.size() == 2);
  REQUIRE(dropped.charts.size() == 2);
  CHECK(kept.charts[0].cells.size() == 1);
  for (const auto& c : dropped.charts) {
    CHECK(c.cells.empty());
    CHECK(c.theme == "a");
  }
  REQUIRE(kept.diagnostics.size() == dropped.diagnostics.size());
  std::size_t duplicates = 0;
  for (std::size_t i = 0; i < kept.diagnostics.size(); ++i) {
    CHECK(kept.diagnostics[i].rule == dropped.diagnostics[i].rule);
    CHECK(kept.diagnostics[i].message == dropped.diagnostics[i].message);
    duplicates += kept.diagnostics[i].rule == "duplicate-chart";
  }
  CHECK(duplicates == 1);  // charts/a.yaml is the second of its theme ("a-copy" sorts first)
}

TEST_CASE("ParseOptions::spans: the tags and labels the parser read") {
  framework::ParseOptions options;
  options.speakers = {{"INT", framework::SpeakerRole::kInterviewer}};
  options.stem = "P1";
  std::vector<BodySpan> spans;
  options.spans = &spans;
  framework::Diagnostics diagnostics;
  const std::string text =
      "---\nparticipant: P1\n---\nINT: {a.x, b}hi \\{x} {bad tag}{/b}\n  P1: {/a.x}{/} {/}\n";
  framework::ParseTranscript("P1.txt", text, options, diagnostics);
  REQUIRE(spans.size() == 7);
  CHECK(spans[0].kind == BodySpan::Kind::kLabel);
  CHECK(spans[0].line == 4);
  CHECK(spans[0].begin == 0);
  CHECK(spans[0].end == 4);  // "INT:"
  CHECK(spans[1].kind == BodySpan::Kind::kOpen);
  CHECK(spans[1].begin == 5);
  CHECK(spans[1].end == 13);
  CHECK(spans[1].codes == std::vector<std::string>{"a.x", "b"});
  CHECK(spans[2].kind == BodySpan::Kind::kClose);  // {/b}: the escape and bad tag are text
  CHECK(spans[2].codes == std::vector<std::string>{"b"});
  CHECK(spans[3].kind == BodySpan::Kind::kLabel);
  CHECK(spans[3].line == 5);
  CHECK(spans[3].begin == 2);
  CHECK(spans[3].end == 5);
  CHECK(spans[4].kind == BodySpan::Kind::kClose);
  CHECK(spans[5].kind == BodySpan::Kind::kCloseAll);
  CHECK(spans[6].kind == BodySpan::Kind::kCloseAll);  // closes nothing: still a tag
  CHECK(spans[6].begin == 16);
  CHECK(spans[6].end == 19);
}

namespace {

// A chart cell in the plain shape SerializeChart writes.
std::string PlainCell(const std::string& participant, const std::string& subtheme,
                      const std::string& extra = "") {
  return "  - participant: " + participant + "\n    subtheme: " + subtheme +
         "\n    status: charted\n    summary: Said so (L2)\n" + extra;
}

std::string Rendered(const Study& study) {
  std::string out;
  for (const auto& d : study.diagnostics)
    out += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.rule +
           " " + d.message + " +" + std::to_string(d.unlisted) + "\n";
  return out;
}

}  // namespace

TEST_CASE("Charts checked a cell at a time say what whole charts say, and keep the themes asked") {
  Files files = SinkStudy(false);
  std::string a = "theme: a\ncells:\n";
  a += PlainCell("P1", "x", "    source: 0000000000000000\n");  // stale
  a += PlainCell("P1", "q");                                     // no such sub-theme
  a += PlainCell("P1", "y", "    refs: [L99]\n");               // beyond the transcript
  for (int i = 0; i < 130; ++i) a += PlainCell("P" + std::to_string(1000 + i), "x");  // orphans
  files["charts/a.yaml"] = a;
  // Theme b in a file of another name, with a cell charted twice (sent to yaml-cpp).
  files["charts/bee.yaml"] = "theme: b\ncells:\n" + PlainCell("P2", "z") + PlainCell("P2", "z");
  // A theme the framework lacks; and a chart yaml-cpp reads (a flow mapping).
  files["charts/c.yaml"] = "theme: c\ncells:\n" + PlainCell("P1", "x") + PlainCell("P2", "x");
  files["charts/d.yaml"] = "theme: b\ncells:\n  - {participant: P1, subtheme: z, status: draft}\n";

  LoadOptions whole;
  whole.index = IndexRequest{};
  const Study all = Load(files, whole);
  LoadOptions none = whole;
  none.index->charts = false;
  const Study streamed = Load(files, none);
  LoadOptions one = whole;
  one.index->chart_themes = {"a"};
  const Study theme_a = Load(files, one);

  const std::string expected = Rendered(all);
  CHECK(expected.find("stale-cell") != std::string::npos);
  CHECK(expected.find("ref-out-of-range") != std::string::npos);
  CHECK(expected.find("too-many-warnings") != std::string::npos);
  CHECK(expected.find("unknown-chart-theme chart for unknown theme 'c'; its 2 cells") !=
        std::string::npos);
  CHECK(expected.find("chart-name") != std::string::npos);
  CHECK(expected.find("duplicate") != std::string::npos);
  CHECK(Rendered(streamed) == expected);
  CHECK(Rendered(theme_a) == expected);

  REQUIRE(all.charts.size() == 4);
  REQUIRE(streamed.charts.size() == 4);
  REQUIRE(theme_a.charts.size() == 4);
  for (std::size_t i = 0; i < all.charts.size(); ++i) {
    CAPTURE(all.charts[i].path);
    CHECK(!all.charts[i].cells.empty());
    CHECK(streamed.charts[i].cells.empty());
    CHECK(streamed.charts[i].theme == all.charts[i].theme);
    CHECK(theme_a.charts[i].cells.size() ==
          (all.charts[i].theme == "a" ? all.charts[i].cells.size() : 0));
  }
  // The kept theme's cells as whole charts hold them.
  const auto& a_all = all.charts[0];
  const auto& a_one = theme_a.charts[0];
  REQUIRE(a_one.cells.size() == a_all.cells.size());
  for (std::size_t i = 0; i < a_all.cells.size(); ++i) {
    CHECK(a_one.cells[i].participant == a_all.cells[i].participant);
    CHECK(a_one.cells[i].summary == a_all.cells[i].summary);
    CHECK(a_one.cells[i].line == a_all.cells[i].line);
  }
}
