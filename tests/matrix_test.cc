// Tests of the theme matrix (framework/matrix.h) and of chart files (framework/chart.h) through
// the library: indexing checked against an independent reading of the transcripts, Merge
// checked against indexing everything at once, AttachChart's orphans and staleness, and the
// SerializeChart -> LoadChart round trip. On the bundled example and on a generated study.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "framework/text.h"
#include "test_paths.h"

namespace {

namespace fs = std::filesystem;
using framework::CellSegment;
using framework::Chart;
using framework::ChartCell;
using framework::ChartStatus;
using framework::Matrix;
using framework::MatrixCell;
using framework::Study;

const fs::path kExample = fs::path(FRAMEWORK_SOURCE_DIR) / "examples" / "ipv-social-work";

std::size_t Errors(const framework::Diagnostics& diagnostics) {
  return framework::CountDiagnostics(diagnostics).errors;
}

std::string Describe(const framework::Diagnostics& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.rule +
           " " + d.message + "\n";
  return out;
}

const Study& ExampleStudy() {
  static const Study study = [] {
    framework::DiskFileSystem disk(kExample.string());
    return framework::LoadStudy(disk);
  }();
  return study;
}

int ThemeIndex(const Study& study, const std::string& id) {
  const int theme = study.framework.FindTheme(id);
  REQUIRE(theme >= 0);
  return theme;
}

// ---- an independent reading of the transcripts -----------------------------------------------

// What one coded segment should put in its cell, read straight off Transcript::segments.
struct Expected {
  std::string text;
  std::string participant_text;  // what word counts use: the participant's speech only
  std::string code;
  int line_start = 0;
  int line_end = 0;
  std::string speaker;
  auto Key() const { return std::tie(line_start, line_end, code, text); }
};

using ExpectedCells = std::map<std::pair<std::string, int>, std::vector<Expected>>;

// (participant, sub-theme index) -> the segments of `theme` there, in order of their opening
// tags (the order Transcript::segments keeps).
ExpectedCells ReadTranscripts(const Study& study, int theme) {
  ExpectedCells cells;
  for (const framework::Transcript& t : study.transcripts) {
    for (const framework::Segment& s : t.segments) {
      if (s.target.theme != theme || s.target.subtheme < 0) continue;
      Expected e;
      e.text = t.SegmentText(s);
      e.participant_text = t.ParticipantText(s);
      e.code = s.code;
      e.line_start = s.line_start;
      e.line_end = s.line_end;
      if (s.speaker >= 0) e.speaker = t.speakers[static_cast<std::size_t>(s.speaker)].label;
      cells[{t.participant, s.target.subtheme}].push_back(std::move(e));
    }
  }
  return cells;
}

// Every cell of `theme`'s matrix holds exactly the segments the transcripts have for it.
void CheckAgainstTranscripts(const Study& study, int theme) {
  const Matrix m = framework::IndexTheme(study, theme);
  const framework::Theme& t = study.framework.themes[static_cast<std::size_t>(theme)];
  INFO("theme: ", t.id);
  CHECK(m.theme == t.id);
  REQUIRE(m.subthemes.size() == t.subthemes.size());
  for (std::size_t c = 0; c < t.subthemes.size(); ++c) CHECK(m.subthemes[c] == t.subthemes[c].id);

  // Rows: every declared participant and every participant with a transcript, in natural order.
  std::set<std::string> ids;
  for (const auto& p : study.participants.participants) ids.insert(p.id);
  for (const auto& tr : study.transcripts) ids.insert(tr.participant);
  std::vector<std::string> rows(ids.begin(), ids.end());
  std::sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
    return framework::NaturalLess(a, b);
  });
  CHECK(m.participants == rows);
  REQUIRE(m.cells.size() == m.participants.size());

  const ExpectedCells expected = ReadTranscripts(study, theme);
  std::size_t seen = 0, segments = 0;
  for (std::size_t r = 0; r < m.participants.size(); ++r) {
    REQUIRE(m.cells[r].size() == m.subthemes.size());
    for (std::size_t c = 0; c < m.subthemes.size(); ++c) {
      const MatrixCell& cell = m.cells[r][c];
      INFO("cell: ", m.participants[r], ":", m.subthemes[c]);
      CHECK(m.Find(m.participants[r], m.subthemes[c]) == &cell);
      CHECK(!cell.chart);
      auto it = expected.find({m.participants[r], static_cast<int>(c)});
      if (it == expected.end()) {
        CHECK(cell.segments.empty());
        CHECK(cell.words == 0);
        CHECK(cell.source.empty());
        CHECK(!cell.has_data());
        continue;
      }
      ++seen;
      std::vector<Expected> want = it->second;
      segments += want.size();
      REQUIRE(cell.segments.size() == want.size());
      // In transcript order: by opening line, and on one line in the order the tags open.
      for (std::size_t i = 1; i < cell.segments.size(); ++i)
        CHECK(cell.segments[i - 1].line_start <= cell.segments[i].line_start);
      std::stable_sort(want.begin(), want.end(), [](const Expected& a, const Expected& b) {
        return a.line_start < b.line_start;
      });
      std::size_t words = 0;
      std::string joined;
      for (std::size_t i = 0; i < want.size(); ++i) {
        const CellSegment& got = cell.segments[i];
        INFO("segment ", i, ": ", want[i].text);
        CHECK(got.text == want[i].text);
        CHECK(got.code == want[i].code);
        CHECK(got.line_start == want[i].line_start);
        CHECK(got.line_end == want[i].line_end);
        CHECK(got.speaker == want[i].speaker);
        CHECK(study.framework.Resolve(got.code) ==
              (framework::ColumnRef{theme, static_cast<int>(c)}));
        words += framework::CountWords(want[i].participant_text);
        joined += (i ? "\n" : "") + want[i].text;
      }
      CHECK(cell.words == words);
      CHECK(cell.source == framework::CellSource(cell.segments));
      CHECK(cell.source == framework::HashHex(joined));
      CHECK(cell.source.size() == 16);
      // LoadStudy's own record of the cell's source (kept for checks without the text).
      const int tr = study.FindTranscript(m.participants[r]);
      REQUIRE(tr >= 0);
      const framework::Transcript& folded = study.transcripts[static_cast<std::size_t>(tr)];
      if (!folded.columns.empty()) {
        const framework::ColumnIndex* s = folded.Column({theme, static_cast<int>(c)});
        REQUIRE(s != nullptr);
        CHECK(s->Source() == cell.source);
      }
    }
  }
  CHECK(seen == expected.size());  // no segment was left out of the matrix
  std::size_t total = 0;
  for (const auto& [key, list] : expected) total += list.size();
  CHECK(segments == total);
}

// Two matrices hold the same rows, columns, segments, words, sources and chart entries.
void CheckSameMatrix(const Matrix& got, const Matrix& want) {
  CHECK(got.theme == want.theme);
  CHECK(got.subthemes == want.subthemes);
  REQUIRE(got.participants == want.participants);
  REQUIRE(got.cells.size() == want.cells.size());
  for (std::size_t r = 0; r < want.cells.size(); ++r) {
    REQUIRE(got.cells[r].size() == want.cells[r].size());
    for (std::size_t c = 0; c < want.cells[r].size(); ++c) {
      INFO("cell: ", want.participants[r], ":", want.subthemes[c]);
      const MatrixCell& a = got.cells[r][c];
      const MatrixCell& b = want.cells[r][c];
      REQUIRE(a.segments.size() == b.segments.size());
      for (std::size_t i = 0; i < b.segments.size(); ++i) {
        CHECK(a.segments[i].text == b.segments[i].text);
        CHECK(a.segments[i].code == b.segments[i].code);
        CHECK(a.segments[i].line_start == b.segments[i].line_start);
        CHECK(a.segments[i].line_end == b.segments[i].line_end);
        CHECK(a.segments[i].speaker == b.segments[i].speaker);
        CHECK(a.segments[i].role == b.segments[i].role);
        CHECK(a.segments[i].pieces.size() == b.segments[i].pieces.size());
        CHECK(a.segments[i].SpeakerLines() == b.segments[i].SpeakerLines());
        CHECK(a.segments[i].ParticipantText() == b.segments[i].ParticipantText());
      }
      CHECK(a.words == b.words);
      CHECK(a.source == b.source);
      CHECK(a.chart.has_value() == b.chart.has_value());
    }
  }
  CHECK(got.orphans.size() == want.orphans.size());
}

// The study with only the transcripts whose index satisfies `keep`.
Study Subset(const Study& study, bool odd) {
  Study part = study;
  part.transcripts.clear();
  for (std::size_t i = 0; i < study.transcripts.size(); ++i)
    if ((i % 2 == 1) == odd) part.transcripts.push_back(study.transcripts[i]);
  return part;
}

// For every theme: the matrices of two disjoint halves, merged (either way round), equal the
// matrix of the whole.
void CheckMerge(const Study& study) {
  const Study even = Subset(study, false), odd = Subset(study, true);
  REQUIRE(even.transcripts.size() + odd.transcripts.size() == study.transcripts.size());
  REQUIRE(!even.transcripts.empty());
  REQUIRE(!odd.transcripts.empty());
  for (std::size_t theme = 0; theme < study.framework.themes.size(); ++theme) {
    INFO("theme: ", study.framework.themes[theme].id);
    const int t = static_cast<int>(theme);
    const Matrix whole = framework::IndexTheme(study, t);
    {
      Matrix merged = framework::IndexTheme(even, t);
      merged.Merge(framework::IndexTheme(odd, t));
      CheckSameMatrix(merged, whole);
    }
    {
      Matrix merged = framework::IndexTheme(odd, t);
      merged.Merge(framework::IndexTheme(even, t));
      CheckSameMatrix(merged, whole);
    }
    {
      // Merging into an empty matrix, and merging an empty one, change nothing.
      Matrix merged = framework::EmptyMatrix(study, t);
      merged.Merge(whole);
      CheckSameMatrix(merged, whole);
      Matrix same = whole;
      same.Merge(framework::EmptyMatrix(study, t));
      CheckSameMatrix(same, whole);
    }
  }
}

// ---- a generated study -------------------------------------------------------------------------

const char* kGeneratedFramework =
    "framework: 1\n"
    "title: A generated study\n"
    "speakers: {INT: interviewer}\n"
    "themes:\n"
    "  - id: alpha\n"
    "    label: Alpha\n"
    "    subthemes:\n"
    "      - {id: one, label: One, codes: [uno, eins, 培训]}\n"
    "      - {id: two, label: Two}\n"
    "      - {id: three, label: Three, codes: [drei]}\n"
    "  - id: beta\n"
    "    label: Beta\n"
    "    subthemes:\n"
    "      - {id: four, label: Four, codes: [vier]}\n"
    "      - {id: five, label: Five}\n"
    "      - {id: six, label: Six, codes: [sechs, ŵyl]}\n";

const std::vector<std::string> kGeneratedCodes = {
    "alpha.one", "uno",  "eins",      "培训",     "alpha.two", "alpha.three", "drei",
    "beta.four", "vier", "beta.five", "beta.six", "sechs",     "ŵyl"};

const std::vector<std::string> kWords = {"the",
                                         "training",
                                         "was",
                                         "short",
                                         "and",
                                         "nobody",
                                         "mentioned",
                                         "perpetrators",
                                         "café",
                                         "naïve",
                                         "Zürich",
                                         "培训",
                                         "家庭暴力",
                                         "很累",
                                         "ŵyl",
                                         "tŷ",
                                         "dŵr",
                                         "re\xCC\x81sume\xCC\x81",
                                         "👨‍👩‍👧‍👦",
                                         "🎉",
                                         "Ελλάδα",
                                         "москва",
                                         "—",
                                         "well,",
                                         "(sort",
                                         "of)",
                                         "12",
                                         "x",
                                         "it's",
                                         "années",
                                         "e\xCC\x81",
                                         "ok."};

// A study of `participants` participants (P1..Pn) with random coded transcripts: overlapping
// segments, aliases of one column open at once, segments across lines and turns, non-ASCII text.
// P<n> is declared but has no transcript; P<n+1> has a transcript but is not declared.
framework::MemoryFileSystem GeneratedStudy(unsigned seed, int participants) {
  std::mt19937 rng(seed);
  auto pick = [&](std::size_t n) {
    return static_cast<std::size_t>(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
  };
  auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };
  framework::MemoryFileSystem files;
  files.Add("framework.yaml", kGeneratedFramework);
  std::string people = "participants:\n";
  for (int p = 1; p <= participants; ++p) people += "  - {id: P" + std::to_string(p) + "}\n";
  files.Add("participants.yaml", people);
  for (int p = 1; p <= participants + 1; ++p) {
    if (p == participants) continue;  // declared, no transcript
    const std::string id = "P" + std::to_string(p);
    std::string text;
    std::vector<std::string> open;  // codes open now
    std::vector<int> words_in;      // words since each opened
    const int turns = 3 + static_cast<int>(pick(8));
    for (int turn = 0; turn < turns; ++turn) {
      const bool interviewer = turn % 2 == 0;
      text += (interviewer ? "INT: " : id + ": ");
      const int words = 3 + static_cast<int>(pick(40));
      for (int w = 0; w < words; ++w) {
        if (w > 0) text += (w % 9 == 0) ? "\n" : " ";
        if (!interviewer || chance(10)) {
          // Close some open codes, then open some.
          for (std::size_t k = open.size(); k-- > 0;) {
            if (words_in[k] > 0 && chance(20)) {
              text += "{/" + open[k] + "}";
              open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
              words_in.erase(words_in.begin() + static_cast<std::ptrdiff_t>(k));
            }
          }
          if (open.size() < 4 && chance(15)) {
            const std::string& code = kGeneratedCodes[pick(kGeneratedCodes.size())];
            if (std::find(open.begin(), open.end(), code) == open.end()) {
              text += "{" + code + "}";
              open.push_back(code);
              words_in.push_back(0);
            }
          }
        }
        text += kWords[pick(kWords.size())];
        for (int& n : words_in) ++n;
      }
      if (turn + 1 < turns && chance(70)) {
        // Most segments end with the turn; some run on into the next.
        for (std::size_t k = open.size(); k-- > 0;) text += "{/" + open[k] + "}";
        open.clear();
        words_in.clear();
      }
      text += "\n\n";
    }
    for (std::size_t k = open.size(); k-- > 0;) text.insert(text.size() - 2, "{/" + open[k] + "}");
    files.Add("transcripts/" + id + ".txt", text);
  }
  return files;
}

// Loads the generated study; its only errors are those its design puts there.
Study LoadGenerated(unsigned seed, int participants) {
  const framework::MemoryFileSystem files = GeneratedStudy(seed, participants);
  Study study = framework::LoadStudy(files);
  INFO(Describe(study.diagnostics));
  for (const auto& d : study.diagnostics)
    CHECK_MESSAGE((d.severity != framework::Severity::kError ||
                   d.file == "transcripts/P" + std::to_string(participants + 1) + ".txt"),
                  d.rule, " ", d.message);
  REQUIRE(study.transcripts.size() == static_cast<std::size_t>(participants));
  REQUIRE(study.framework.themes.size() == 2);
  return study;
}

// ---- charts ----------------------------------------------------------------------------------

ChartCell Cell(std::string participant, std::string subtheme, std::string summary,
               std::string source = {}) {
  ChartCell c;
  c.participant = std::move(participant);
  c.subtheme = std::move(subtheme);
  c.summary = std::move(summary);
  c.source = std::move(source);
  return c;
}

void CheckSameCell(const ChartCell& got, const ChartCell& want) {
  INFO("cell: ", want.participant, ":", want.subtheme);
  CHECK(got.participant == want.participant);
  CHECK(got.subtheme == want.subtheme);
  CHECK(got.status == want.status);
  CHECK(got.summary == want.summary);
  CHECK(got.comment == want.comment);
  CHECK(got.refs == want.refs);
  CHECK(got.source == want.source);
  CHECK(got.updated == want.updated);
}

}  // namespace

TEST_CASE("matrix: every training cell of the example holds exactly its transcripts' segments") {
  const Study& study = ExampleStudy();
  REQUIRE_MESSAGE(Errors(study.diagnostics) == 0, Describe(study.diagnostics));
  REQUIRE(study.transcripts.size() == 14);
  const int training = ThemeIndex(study, "training");
  CheckAgainstTranscripts(study, training);
  const Matrix m = framework::IndexTheme(study, training);
  CHECK(m.participants.size() == 14);
  CHECK(m.participants.front() == "P01");
  CHECK(m.subthemes ==
        std::vector<std::string>{"prequal", "postqual", "access", "content", "gaps"});
  // The alias `cpd` lands in postqual wherever a transcript uses it.
  bool alias = false;
  for (const auto& row : m.cells)
    for (const auto& s : row[1].segments) alias = alias || s.code == "cpd";
  CHECK(alias);

  SUBCASE("and every other theme too") {
    for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
      CheckAgainstTranscripts(study, static_cast<int>(t));
  }
}

TEST_CASE("matrix: Merge of two disjoint halves of the example equals the whole, every theme") {
  CheckMerge(ExampleStudy());
}

TEST_CASE("matrix: a generated study indexes and merges like the transcripts say") {
  for (unsigned seed : {1u, 2u, 20240601u}) {
    CAPTURE(seed);
    const Study study = LoadGenerated(seed, 30);
    // The generator really made overlaps, aliases and non-ASCII segments.
    std::size_t segments = 0, aliases = 0, non_ascii = 0;
    for (const auto& t : study.transcripts) {
      for (const auto& s : t.segments) {
        ++segments;
        aliases += s.code.find('.') == std::string::npos;
        const std::string text = t.SegmentText(s);
        non_ascii += std::any_of(text.begin(), text.end(),
                                 [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; });
      }
    }
    CHECK(segments > 100);
    CHECK(aliases > 20);
    CHECK(non_ascii > 20);
    for (std::size_t t = 0; t < study.framework.themes.size(); ++t)
      CheckAgainstTranscripts(study, static_cast<int>(t));
    CheckMerge(study);
    // Natural order of rows: P2 before P10, the undeclared P31 last.
    const Matrix m = framework::IndexTheme(study, 0);
    REQUIRE(m.participants.size() == 31);
    CHECK(m.participants[1] == "P2");
    CHECK(m.participants[9] == "P10");
    CHECK(m.participants.back() == "P31");
    CHECK(m.Row("P30") == 29);
    CHECK(m.Row("P100") == -1);
    for (const auto& cell : m.cells[29]) CHECK(!cell.has_data());  // P30: no transcript
  }
}

TEST_CASE("matrix: AttachChart keeps orphans and duplicates, stale() compares sources") {
  const Study& study = ExampleStudy();
  const int training = ThemeIndex(study, "training");
  Matrix m = framework::IndexTheme(study, training);
  const std::string source = m.Find("P01", "prequal")->source;
  REQUIRE(!source.empty());

  Chart chart;
  chart.theme = "training";
  chart.cells.push_back(Cell("P01", "prequal", "first", "0000000000000000"));
  chart.cells.push_back(Cell("P99", "prequal", "unknown participant"));
  chart.cells.push_back(Cell("P01", "nosuch", "unknown sub-theme"));
  chart.cells.push_back(Cell("P01", "prequal", "a duplicate", source));
  chart.cells.push_back(Cell("P02", "prequal", "current", m.Find("P02", "prequal")->source));
  chart.cells.push_back(Cell("P03", "prequal", "no source recorded"));
  chart.cells.push_back(Cell("P04", "gaps", "charted, other source", "ffffffffffffffff"));
  framework::AttachChart(m, chart);

  REQUIRE(m.orphans.size() == 3);
  CHECK(m.orphans[0].summary == "unknown participant");
  CHECK(m.orphans[1].summary == "unknown sub-theme");
  CHECK(m.orphans[2].summary == "a duplicate");
  CHECK(m.orphans[2].source == source);
  CHECK(m.Row("P99") == -1);  // an orphan adds no row
  CHECK(m.participants.size() == 14);

  const MatrixCell* p01 = m.Find("P01", "prequal");
  REQUIRE(p01->chart);
  CHECK(p01->chart->summary == "first");
  CHECK(p01->stale());  // its source differs from the cell's
  CHECK(!m.Find("P02", "prequal")->stale());
  CHECK(m.Find("P03", "prequal")->chart);
  CHECK(!m.Find("P03", "prequal")->stale());  // no source: never stale
  CHECK(m.Find("P04", "gaps")->stale());
  CHECK(!m.Find("P05", "gaps")->chart);
  CHECK(!m.Find("P05", "gaps")->stale());  // no chart entry: not stale

  SUBCASE("an orphan of a chart is carried through Merge") {
    Matrix other = framework::EmptyMatrix(study, training);
    Chart lost;
    lost.theme = "training";
    lost.cells.push_back(Cell("P42", "gaps", "kept"));
    framework::AttachChart(other, lost);
    REQUIRE(other.orphans.size() == 1);
    m.Merge(other);
    CHECK(m.orphans.size() == 4);
    CHECK(m.orphans.back().summary == "kept");
  }
}

TEST_CASE("matrix: the example's training chart attaches with no orphan and nothing stale") {
  const Study& study = ExampleStudy();
  for (const char* id : {"training", "treatment"}) {
    CAPTURE(id);
    const int theme = ThemeIndex(study, id);
    Matrix m = framework::IndexTheme(study, theme);
    const Chart* chart = nullptr;
    for (const Chart& c : study.charts)
      if (c.theme == id) chart = &c;
    REQUIRE(chart);
    framework::AttachChart(m, *chart);
    CHECK(m.orphans.empty());
    for (const auto& row : m.cells) {
      for (const MatrixCell& cell : row) {
        CHECK(cell.has_data());
        REQUIRE(cell.chart);
        CHECK(!cell.stale());
        CHECK(cell.chart->source == cell.source);
      }
    }
  }
}

TEST_CASE("chart: SerializeChart -> LoadChart keeps every field of every cell") {
  Chart chart;
  chart.theme = "training";
  const std::vector<std::string> order = {"prequal", "postqual", "gaps"};
  std::string long_text;
  for (int i = 0; i < 40; ++i)
    long_text += "Sentence " + std::to_string(i) + " of a long summary, with \"quotes\" and (L" +
                 std::to_string(i + 1) + "). ";
  long_text.pop_back();
  const std::vector<std::string> texts = {
      "plain text",
      "She said \"nothing at all\" and 'nothing' again",
      "key: value, and a colon: here",
      "# not a comment",
      "a # inside, and a trailing #",
      "Gŵyl, tŷ, 培训, \xC3\xA9 (NFC), 👨‍👩‍👧‍👦 and ❤️",
      "  indented first line\nsecond line",
      "line\n  indented second line",
      "trailing spaces   \nsecond line",
      "carriage return\r\nand line feed",
      "ends with two newlines\n\n",
      "a\n   \nb, a line of spaces between",
      "\ttab first\nsecond line",
      "line\n# a line that looks like a comment",
      "ends with a space on a new line\n ",
      "a\n\n\nb",
      "a bell \x07 and\na second line",
      ".inf",
      "0x1F",
      "0o17",
      ".NaN",
      "first line\nsecond line",
      "first paragraph\n\nsecond paragraph\n",
      "\nstarts with a newline",
      "ends with spaces   ",
      "   starts with spaces",
      long_text,
      long_text + "\nand a second line",
      "two  spaces inside a text long enough to be folded into a block by the serializer, surely",
      std::string(120, 'x') + " a very long word first, then more words to push it past eighty",
      "- looks like a list item",
      "[looks, like, a, flow, list]",
      "{looks: like, a: map}",
      "&anchor *alias !tag %directive @at `backtick |pipe >fold",
      "? question mark",
      "yes",
      "no",
      "true",
      "null",
      "~",
      "12345678",
      "1e5",
      "0.5",
      "-3",
      "tab\tinside",
      "back\\slash and \"both\" 'quotes'",
      "--- a document marker",
      "...",
      "L12-14",
  };
  int n = 1;
  for (const std::string& text : texts) {
    ChartCell c;
    c.participant = "P" + std::to_string(n);
    c.subtheme = order[static_cast<std::size_t>(n) % order.size()];
    c.status = static_cast<ChartStatus>(n % 3);
    c.summary = text;
    c.comment = texts[(static_cast<std::size_t>(n) * 7) % texts.size()];
    c.refs = {"L" + std::to_string(n), "L" + std::to_string(n) + "-" + std::to_string(n + 2)};
    c.source = n % 2 ? "12345678" : "00000000000000e1";
    c.updated = "2023-11-14T22:13:20Z";
    chart.cells.push_back(c);
    ++n;
  }
  // Values YAML would read as something else than text, in every field.
  ChartCell odd = Cell("yes", "no", "no", "12345678");
  odd.comment = "yes";
  odd.updated = "2023";
  odd.refs = {"L1"};
  chart.cells.push_back(odd);
  chart.cells.push_back(Cell("P2", "unlisted", "a sub-theme not in the order: after the others"));
  chart.cells.push_back(Cell("P2", "another", "also not in the order: by id"));
  chart.cells.push_back(Cell("P10", "prequal", ""));  // an empty summary

  // Shuffle, so the order written is the serializer's, not the input's.
  std::vector<ChartCell> shuffled = chart.cells;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  Chart input = chart;
  input.cells = shuffled;

  // Each value on its own first, so a failure names the value and shows how it was written.
  for (const ChartCell& want : chart.cells) {
    Chart one;
    one.theme = chart.theme;
    one.cells = {want};
    const std::string text = framework::SerializeChart(one, order);
    INFO("written as:\n", text);
    framework::Diagnostics d;
    const Chart back = framework::LoadChart("charts/training.yaml", text, d);
    CHECK_MESSAGE(d.empty(), Describe(d));
    CHECK(back.cells.size() == 1);
    if (back.cells.size() == 1) CheckSameCell(back.cells[0], want);
  }

  const std::string yaml = framework::SerializeChart(input, order);
  CHECK(yaml == framework::SerializeChart(chart, order));  // the input order does not matter
  framework::Diagnostics diagnostics;
  const Chart loaded = framework::LoadChart("charts/training.yaml", yaml, diagnostics);
  CHECK_MESSAGE(diagnostics.empty(), Describe(diagnostics));
  CHECK(loaded.theme == "training");
  REQUIRE(loaded.cells.size() == chart.cells.size());
  for (const ChartCell& want : chart.cells) {
    const int i = loaded.Find(want.participant, want.subtheme);
    REQUIRE(i >= 0);
    CheckSameCell(loaded.cells[static_cast<std::size_t>(i)], want);
  }
  // Sorted: participants in natural order (P2 before P10), then the given sub-theme order, then
  // sub-themes not listed, by id.
  for (std::size_t i = 1; i < loaded.cells.size(); ++i) {
    const ChartCell& a = loaded.cells[i - 1];
    const ChartCell& b = loaded.cells[i];
    INFO("cells ", a.participant, ":", a.subtheme, " then ", b.participant, ":", b.subtheme);
    CHECK(!framework::NaturalLess(b.participant, a.participant));
    if (a.participant == b.participant) {
      auto rank = [&](const std::string& s) {
        return std::find(order.begin(), order.end(), s) - order.begin();
      };
      CHECK(std::make_pair(rank(a.subtheme), a.subtheme) <
            std::make_pair(rank(b.subtheme), b.subtheme));
    }
  }
  auto position = [&](const std::string& p, const std::string& s) { return loaded.Find(p, s); };
  CHECK(position("P1", "postqual") == 0);
  CHECK(position("P2", "gaps") < position("P2", "another"));
  CHECK(position("P2", "another") < position("P2", "unlisted"));
  CHECK(position("P2", "unlisted") < position("P3", "prequal"));
  CHECK(position("P9", "prequal") < position("P10", "prequal"));
  CHECK(position("yes", "no") == static_cast<int>(loaded.cells.size()) - 1);
  // Values YAML 1.1 would read as numbers or booleans are written quoted.
  CHECK(yaml.find("source: \"12345678\"") != std::string::npos);
  CHECK(yaml.find("participant: \"yes\"") != std::string::npos);
  CHECK(yaml.find("subtheme: \"no\"") != std::string::npos);
  CHECK(yaml.find("updated: \"2023\"") != std::string::npos);

  // Deterministic, and a fixed point: loading and writing again gives the same bytes.
  CHECK(framework::SerializeChart(loaded, order) == yaml);

  SUBCASE("an empty chart") {
    Chart empty;
    empty.theme = "role";
    const std::string text = framework::SerializeChart(empty);
    framework::Diagnostics d;
    const Chart back = framework::LoadChart("charts/role.yaml", text, d);
    CHECK(d.empty());
    CHECK(back.theme == "role");
    CHECK(back.cells.empty());
  }
}

TEST_CASE("chart: the example's charts are written exactly as SerializeChart writes them") {
  const Study& study = ExampleStudy();
  REQUIRE(study.charts.size() == 2);
  for (const Chart& chart : study.charts) {
    CAPTURE(chart.path);
    const int theme = ThemeIndex(study, chart.theme);
    std::vector<std::string> order;
    for (const auto& s : study.framework.themes[static_cast<std::size_t>(theme)].subthemes)
      order.push_back(s.id);
    std::ifstream in(kExample / chart.path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(framework::SerializeChart(chart, order) == bytes);
  }
}

TEST_CASE("chart: values are loaded in NFC") {
  Chart chart;
  chart.theme = "training";
  chart.cells.push_back(Cell("P1", "prequal", "Re\xCC\x81sume\xCC\x81 and cafe\xCC\x81"));
  const std::string yaml = framework::SerializeChart(chart);
  framework::Diagnostics d;
  const Chart back = framework::LoadChart("charts/training.yaml", yaml, d);
  CHECK(d.empty());
  REQUIRE(back.cells.size() == 1);
  CHECK(back.cells[0].summary == framework::ToNfc(chart.cells[0].summary));
  CHECK(back.cells[0].summary == "R\xC3\xA9sum\xC3\xA9 and caf\xC3\xA9");
}

TEST_CASE("matrix: segments opening on the same line keep their transcript order") {
  // Two segments of one cell opening on the same line stay in the order of their opening tags,
  // in the matrix, the edit buffer and the JSON ("zebra" before "apple" here).
  framework::MemoryFileSystem files;
  files.Add("framework.yaml",
            "framework: 1\ntitle: t\nthemes:\n  - id: a\n    label: A\n    subthemes:\n"
            "      - {id: b, label: B, codes: [alias]}\n");
  files.Add("participants.yaml", "participants:\n  - {id: P01}\n");
  files.Add("transcripts/P01.txt",
            "P01: {a.b}zebra{/a.b} and {a.b}apple{/a.b}, then {alias}yak and\n"
            "more{/alias} {a.b}bee{/a.b}\n");
  const Study study = framework::LoadStudy(files);
  REQUIRE(Errors(study.diagnostics) == 0);
  const Matrix m = framework::IndexTheme(study, 0);
  const MatrixCell* cell = m.Find("P01", "b");
  REQUIRE(cell);
  std::vector<std::string> texts;
  std::string order;
  for (const auto& s : cell->segments) {
    texts.push_back(s.text);
    order += "[" + s.text + "] ";
  }
  INFO("matrix order: ", order);
  CHECK(texts == std::vector<std::string>{"zebra", "apple", "yak and more", "bee"});
}

TEST_CASE("a study loaded with keep_cells indexes into the same matrices as one loaded whole") {
  framework::DiskFileSystem disk(kExample.string());
  const framework::Study whole = framework::LoadStudy(disk);
  REQUIRE(whole.framework.themes.size() >= 2);
  framework::LoadOptions cells_only;
  cells_only.keep_text = false;
  cells_only.keep_cells = true;
  const framework::Study lean = framework::LoadStudy(disk, cells_only);
  framework::LoadOptions one_theme = cells_only;
  one_theme.cell_themes = {whole.framework.themes[1].id};
  const framework::Study leaner = framework::LoadStudy(disk, one_theme);
  CHECK(lean.SegmentCount() == whole.SegmentCount());
  for (const framework::Transcript& t : lean.transcripts) {
    CHECK(t.indexed);
    CHECK(t.text.empty());
    CHECK(t.segments.empty());
  }
  std::size_t segments = 0;
  for (int theme = 0; theme < static_cast<int>(whole.framework.themes.size()); ++theme) {
    CAPTURE(theme);
    const framework::Matrix got = framework::IndexTheme(lean, theme);
    CheckSameMatrix(got, framework::IndexTheme(whole, theme));
    for (const auto& row : got.cells)
      for (const auto& cell : row) segments += cell.segments.size();
  }
  CHECK(segments > 0);
  // Only the theme asked for keeps its segments.
  CheckSameMatrix(framework::IndexTheme(leaner, 1), framework::IndexTheme(whole, 1));
  const framework::Matrix other = framework::IndexTheme(leaner, 0);
  for (const auto& row : other.cells)
    for (const auto& cell : row) CHECK(cell.segments.empty());
}

TEST_CASE("matrix: TakeTheme gives what IndexTheme gives, moving the theme's segments out") {
  framework::DiskFileSystem disk(kExample.string());
  framework::LoadOptions cells_only;
  cells_only.keep_text = false;
  cells_only.keep_cells = true;
  framework::Study study = framework::LoadStudy(disk, cells_only);
  const framework::Study whole = framework::LoadStudy(disk);
  REQUIRE(study.framework.themes.size() >= 2);
  const framework::Matrix copied = framework::IndexTheme(study, 0);
  const framework::Matrix taken = framework::TakeTheme(study, 0);
  CheckSameMatrix(taken, copied);
  CheckSameMatrix(taken, framework::IndexTheme(whole, 0));
  std::size_t segments = 0;
  for (const auto& row : taken.cells)
    for (const auto& cell : row) segments += cell.segments.size();
  CHECK(segments > 0);
  // The study has given theme 0's segments away (their words and sources stay), and kept the
  // other themes'.
  const framework::Matrix after = framework::IndexTheme(study, 0);
  for (std::size_t r = 0; r < after.cells.size(); ++r)
    for (std::size_t c = 0; c < after.cells[r].size(); ++c) {
      CHECK(after.cells[r][c].segments.empty());
      CHECK(after.cells[r][c].words == taken.cells[r][c].words);
      CHECK(after.cells[r][c].source == taken.cells[r][c].source);
    }
  CheckSameMatrix(framework::TakeTheme(study, 1), framework::IndexTheme(whole, 1));
  // A study kept whole is folded for each call: taking gives it all, every time.
  framework::Study kept = whole;
  CheckSameMatrix(framework::TakeTheme(kept, 0), framework::IndexTheme(whole, 0));
  CheckSameMatrix(framework::TakeTheme(kept, 0), framework::IndexTheme(whole, 0));
}

namespace {

// IndexThemeCounts gives every theme's IndexTheme matrix, each cell with its number of segments
// instead of them and the same source.
void CheckCountsMatchIndexTheme(const Study& study) {
  std::vector<std::vector<std::vector<std::size_t>>> counts;
  const std::vector<Matrix> light = framework::IndexThemeCounts(study, &counts);
  REQUIRE(light.size() == study.framework.themes.size());
  REQUIRE(counts.size() == light.size());
  for (std::size_t t = 0; t < light.size(); ++t) {
    const Matrix full = framework::IndexTheme(study, static_cast<int>(t));
    INFO("theme ", full.theme);
    CHECK(light[t].theme == full.theme);
    CHECK(light[t].subthemes == full.subthemes);
    REQUIRE(light[t].participants == full.participants);
    REQUIRE(counts[t].size() == full.cells.size());
    for (std::size_t r = 0; r < full.cells.size(); ++r) {
      REQUIRE(counts[t][r].size() == full.cells[r].size());
      for (std::size_t c = 0; c < full.cells[r].size(); ++c) {
        INFO("cell ", full.participants[r], ":", full.subthemes[c]);
        CHECK(light[t].cells[r][c].segments.empty());
        CHECK(counts[t][r][c] == full.cells[r][c].segments.size());
        CHECK(light[t].cells[r][c].source == full.cells[r][c].source);
      }
    }
  }
}

}  // namespace

TEST_CASE("matrix: IndexThemeCounts has IndexTheme's rows, counts and sources, texts left out") {
  CheckCountsMatchIndexTheme(ExampleStudy());
  // Participants with more than one transcript: their cells merge transcript by transcript.
  // P01's segments interleave by line across its two files, one of them non-ASCII; P02's first
  // segment has no text (IndexTheme then takes the later transcript's source, and so must this);
  // P03 has one transcript and a segment in the second theme only.
  framework::MemoryFileSystem files;
  files.Add("framework.yaml",
            "framework: 1\ntitle: t\nthemes:\n  - id: a\n    label: A\n    subthemes:\n"
            "      - {id: b, label: B, codes: [alias]}\n      - {id: c, label: C}\n"
            "  - id: d\n    label: D\n    subthemes:\n      - {id: e, label: E}\n");
  files.Add("participants.yaml", "participants:\n  - {id: P01}\n  - {id: P02}\n  - {id: P03}\n");
  files.Add("transcripts/P01.txt",
            "P01: {a.b}one{/a.b}\n\nP01: {a.c}two   words{/a.c}\n\n\nP01: {alias}five{/alias}\n");
  files.Add("transcripts/P01-second.txt",
            "---\nparticipant: P01\n---\nP01: {a.b}caf\u00e9 \u00fcber{/a.b}\n"
            "P01: {a.b}x{/a.b} {d.e}y{/d.e}\n");
  files.Add("transcripts/P02.txt", "P02: {a.b}   {/a.b} and {a.b}later{/a.b}\n");
  files.Add("transcripts/P02-second.txt",
            "---\nparticipant: P02\n---\nP02: {a.b}first line{/a.b}\n");
  files.Add("transcripts/P03.txt", "P03: {d.e}only here{/d.e}\n");
  const Study study = framework::LoadStudy(files);
  INFO(Describe(study.diagnostics));  // two transcripts of a participant, an empty segment
  REQUIRE(study.transcripts.size() == 5);
  CheckCountsMatchIndexTheme(study);
  std::vector<std::vector<std::vector<std::size_t>>> counts;
  const std::vector<Matrix> light = framework::IndexThemeCounts(study, &counts);
  const int p01 = light[0].Row("P01");
  REQUIRE(p01 >= 0);
  CHECK(counts[0][static_cast<std::size_t>(p01)][0] == 4);  // one, five, café über, x
}
