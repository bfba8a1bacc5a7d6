// Speaker-aware segment text (issue 13, item 1): a segment keeps its pieces by speaker; quotes,
// drafts and word counts use only participant speech; the long and JSON exports keep the whole
// text with each piece's speaker. And tag hygiene (item 3): warnings for a '{/}' that reaches
// far back, undeclared speaker-like labels, near-miss front-matter keys; errors for bad dates.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "framework/codebook.h"
#include "framework/draft.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "framework/text.h"
#include "framework/transcript.h"
#include "run_binary.h"

namespace {

using namespace framework_test;
using framework::Diagnostics;
using framework::ParseOptions;
using framework::ParseTranscript;
using framework::Severity;
using framework::SpeakerPiece;
using framework::SpeakerRole;
using framework::Transcript;

const std::string kEllipsis = "\u2026";

// P07's transcript: a segment that runs through an interviewer's question (lines 2-6).
const char* const kAcrossInt =
    "INT: Does culture come into your cases?\n"                      // 1
    "P07: {a.b}A lot. It shapes what she can do about it.\n"         // 2
    "\n"                                                             // 3
    "INT: How did you handle the language side?\n"                   // 4
    "\n"                                                             // 5
    "P07: We used a telephone interpreter, never a local one.{/}\n"  // 6
    "INT: Thanks.\n";                                                // 7

const char* const kInterviewerWords[] = {"How did you handle", "language side", "Thanks",
                                         "Does culture"};

ParseOptions WithInterviewer() {
  ParseOptions o;
  o.stem = "P07";
  o.speakers = {{"INT", SpeakerRole::kInterviewer}};
  return o;
}

struct Parsed {
  Transcript t;
  Diagnostics d;
};

Parsed Parse(std::string_view text, ParseOptions options = WithInterviewer()) {
  Parsed p;
  p.t = ParseTranscript("transcripts/P07.txt", text, options, p.d);
  return p;
}

// Diagnostics of one rule, as "severity@line:col".
std::vector<std::string> Located(const Diagnostics& d, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& x : d)
    if (x.rule == rule)
      out.push_back(std::string(framework::SeverityName(x.severity)) + "@" +
                    std::to_string(x.line) + ":" + std::to_string(x.column));
  return out;
}

const framework::Diagnostic* Find(const Diagnostics& d, const std::string& rule,
                                  Severity severity) {
  for (const auto& x : d)
    if (x.rule == rule && x.severity == severity) return &x;
  return nullptr;
}

void CheckNoInterviewerWords(const std::string& text) {
  INFO("text: ", text);
  for (const char* words : kInterviewerWords) CHECK(!Contains(text, words));
}

// A study with one theme `a` (columns b, c) and P07's transcript `transcript`.
void WriteStudy(const fs::path& dir, const std::string& transcript,
                const std::string& extra_framework = "") {
  WriteFile(dir / "framework.yaml",
            "framework: 1\ntitle: t\nspeakers: {INT: interviewer}\nattribution: \"{role}\"\n" +
                extra_framework +
                "themes:\n  - id: a\n    label: A theme\n    subthemes:\n"
                "      - {id: b, label: B column}\n      - {id: c, label: C column}\n");
  WriteFile(dir / "participants.yaml",
            "attributes:\n  role: {type: category, values: [practitioner, manager]}\n"
            "participants:\n  - {id: P07, role: manager}\n");
  WriteFile(dir / "transcripts" / "P07.txt", transcript);
}

nlohmann::json JsonOf(const RunResult& r) {
  INFO("stdout: ", r.out, "\nstderr: ", r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The library: pieces by speaker.

TEST_CASE("speaker: a segment across an interviewer turn keeps its pieces by speaker") {
  Parsed p = Parse(kAcrossInt);
  INFO(Summary(p.d));
  REQUIRE(p.d.empty());
  REQUIRE(p.t.segments.size() == 1);
  const framework::Segment& s = p.t.segments[0];
  CHECK(p.t.SpansTurns(s));
  const std::vector<SpeakerPiece> pieces = p.t.SpeakerPieces(s);
  REQUIRE(pieces.size() == 3);
  CHECK(pieces[0].speaker == "P07");
  CHECK(pieces[0].role == SpeakerRole::kParticipant);
  CHECK(pieces[0].text == "A lot. It shapes what she can do about it.");
  CHECK(pieces[0].line_start == 2);
  CHECK(pieces[0].line_end == 2);
  CHECK(pieces[1].speaker == "INT");
  CHECK(pieces[1].role == SpeakerRole::kInterviewer);
  CHECK(pieces[1].text == "How did you handle the language side?");
  CHECK(pieces[1].line_start == 4);
  CHECK(pieces[1].line_end == 4);
  CHECK(pieces[2].speaker == "P07");
  CHECK(pieces[2].line_start == 6);
  CHECK(pieces[2].line_end == 6);
  // The whole text is every piece, as before; the participant text leaves the question out.
  CHECK(p.t.SegmentText(s) == pieces[0].text + " " + pieces[1].text + " " + pieces[2].text);
  CHECK(p.t.ParticipantText(s) == pieces[0].text + " " + kEllipsis + " " + pieces[2].text);
  CHECK(framework::ParticipantText(pieces) == p.t.ParticipantText(s));
}

TEST_CASE("speaker: pieces of one speaker, empty turns, and a segment opened in an INT turn") {
  // An empty interviewer turn interrupts nothing; two turns of P07 in a row are one piece.
  Parsed p = Parse(
      "P07: {a.b}One.\nINT:\nP07: Two.\nP07: Three.{/a.b}\n"
      "INT: Why? {a.c}\nP07: Because.{/}\n"
      "INT: {a.b}Only the interviewer.{/}\n");
  INFO(Summary(p.d));
  REQUIRE(p.d.empty());
  REQUIRE(p.t.segments.size() == 3);
  auto pieces = p.t.SpeakerPieces(p.t.segments[0]);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].text == "One. Two. Three.");
  CHECK(pieces[0].line_start == 1);
  CHECK(pieces[0].line_end == 4);
  CHECK(p.t.ParticipantText(p.t.segments[0]) == "One. Two. Three.");
  // Opened at the end of the interviewer's line: all of it is P07's.
  CHECK(p.t.ParticipantText(p.t.segments[1]) == "Because.");
  // Said by the interviewer alone: no participant speech at all.
  CHECK(!p.t.SpansTurns(p.t.segments[2]));
  CHECK(p.t.ParticipantText(p.t.segments[2]).empty());
  framework::CellSegment said_by_int;
  said_by_int.text = "Only the interviewer.";
  said_by_int.speaker = "INT";
  said_by_int.role = SpeakerRole::kInterviewer;
  CHECK(!said_by_int.HasParticipantSpeech());
  CHECK(said_by_int.ParticipantText().empty());
  CHECK(said_by_int.TextWithSpeakers() == "[INT: Only the interviewer.]");

  // Several interruptions, and the text before any turn counts as the participant's.
  Parsed q = Parse("{a.b}Before.\nINT: Q1?\nP07: A1.\nOBS: aside\nP07: A2.{/}\n", [] {
    ParseOptions o = WithInterviewer();
    o.speakers.push_back({"OBS", SpeakerRole::kOther});
    return o;
  }());
  REQUIRE(q.t.segments.size() == 1);
  CHECK(q.t.ParticipantText(q.t.segments[0]) ==
        "Before. " + kEllipsis + " A1. " + kEllipsis + " A2.");
  // A label declared with the participant role speaks for the participant.
  ParseOptions r = WithInterviewer();
  r.speakers.push_back({"R", SpeakerRole::kParticipant});
  Parsed with_r = Parse("INT: Q?\nR: {a.b}Mine.\nINT: And?\nR: Also mine.{/}\n", r);
  REQUIRE(with_r.t.segments.size() == 1);
  CHECK(with_r.t.ParticipantText(with_r.t.segments[0]) == "Mine. " + kEllipsis + " Also mine.");
}

TEST_CASE("speaker: matrix cells, words, drafts and lean loading use participant speech only") {
  TempDir dir;
  WriteStudy(dir.path(), kAcrossInt);
  const std::string participant_words =
      "A lot. It shapes what she can do about it. We used a telephone interpreter, never a "
      "local one.";
  const std::size_t words = framework::CountWords(participant_words);
  REQUIRE(words == 19);

  framework::DiskFileSystem disk(dir.path().string());
  // The whole-text path, the lean paths of chart/quotes/export (keep_cells) and of summarise
  // (count_words), and the charted-study path (sources): all give the same cell.
  std::vector<framework::LoadOptions> ways(3);
  ways[1].keep_text = false;
  ways[1].keep_cells = true;
  ways[2].keep_text = false;
  ways[2].count_words = true;
  for (std::size_t w = 0; w < ways.size(); ++w) {
    INFO("load path ", w);
    const framework::Study study = framework::LoadStudy(disk, ways[w]);
    const framework::Matrix m = framework::IndexTheme(study, 0);
    const framework::MatrixCell* cell = m.Find("P07", "b");
    REQUIRE(cell);
    CHECK(cell->words == words);
    REQUIRE(cell->segments.size() == 1);
    if (w == 2) continue;  // summarise's segments carry no text
    const framework::CellSegment& seg = cell->segments[0];
    CHECK(Contains(seg.text, "How did you handle the language side?"));
    REQUIRE(seg.pieces.size() == 3);
    CHECK(seg.ParticipantText() == "A lot. It shapes what she can do about it. " + kEllipsis +
                                       " We used a telephone interpreter, never a local one.");
    CHECK(seg.TextWithSpeakers() ==
          "A lot. It shapes what she can do about it. [INT: How did you handle the language "
          "side?] We used a telephone interpreter, never a local one.");
    CHECK(seg.SpeakerLines() == "P07 L2; INT L4; P07 L6");
    // The cell's source hashes the whole text, as before, so no existing chart goes stale.
    CHECK(cell->source == framework::HashHex(seg.text));

    const framework::Draft draft = framework::DraftSummary(*cell, 100);
    INFO("draft: ", draft.summary);
    CHECK(Contains(draft.summary, "telephone interpreter"));
    CheckNoInterviewerWords(draft.summary);
  }
}

// The pieces a cell segment keeps are those SpeakerPieces gives, piece by piece.
void CheckPiecesOf(const Transcript& t, const framework::Segment& s,
                   const framework::CellSegment& seg) {
  const std::vector<SpeakerPiece> want = t.SpeakerPieces(s);
  REQUIRE(seg.pieces.size() == want.size());
  std::string lines;
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("piece ", i);
    const framework::PieceView got = seg.Piece(i);
    CHECK(got.text == want[i].text);
    CHECK(got.speaker == want[i].speaker);
    CHECK(got.role == want[i].role);
    CHECK(got.line_start == want[i].line_start);
    CHECK(got.line_end == want[i].line_end);
    lines += (i ? "; " : "") + want[i].speaker + " L" + std::to_string(want[i].line_start) +
             (want[i].line_end > want[i].line_start ? "-" + std::to_string(want[i].line_end) : "");
  }
  CHECK(seg.SpeakerLines() == lines);
  CHECK(seg.ParticipantText() == framework::ParticipantText(want));
  CHECK(seg.ParticipantText() == t.ParticipantText(s));
}

// P07's cell b of the study in `dir`, loaded whole (`whole`) and as chart, quotes and export
// load it (`lean`, its segments taken by TakeTheme): both give the same cell.
struct LoadedCell {
  framework::Study whole, lean;
  framework::Matrix from_whole, from_lean;
  const framework::CellSegment* segment = nullptr;       // of from_whole
  const framework::CellSegment* lean_segment = nullptr;  // of from_lean
};

void LoadCell(const fs::path& dir, LoadedCell& c) {
  framework::DiskFileSystem disk(dir.string());
  c.whole = framework::LoadStudy(disk);
  framework::LoadOptions lean;
  lean.keep_text = false;
  lean.keep_cells = true;
  c.lean = framework::LoadStudy(disk, lean);
  c.from_whole = framework::IndexTheme(c.whole, 0);
  c.from_lean = framework::TakeTheme(c.lean, 0);
  const framework::MatrixCell* a = c.from_whole.Find("P07", "b");
  const framework::MatrixCell* b = c.from_lean.Find("P07", "b");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(a->segments.size() == 1);
  REQUIRE(b->segments.size() == 1);
  c.segment = &a->segments[0];
  c.lean_segment = &b->segments[0];
  CHECK(a->words == b->words);
  CHECK(a->source == b->source);
}

TEST_CASE("speaker: a segment of many turns keeps its pieces as ranges of its text") {
  // The hostile case at a small scale: one segment through 2,000 turns, and the opening
  // speaker again without a turn between (one piece).
  std::string text = "P07: {a.b}start\n";
  for (int i = 0; i < 1000; ++i) text += "INT: q\nP07: a\n";
  text += "P07: same speaker\nend{/}\n";
  TempDir dir;
  WriteStudy(dir.path(), text);
  LoadedCell c;
  LoadCell(dir.path(), c);
  REQUIRE(c.whole.transcripts.size() == 1);
  const Transcript& t = c.whole.transcripts[0];
  REQUIRE(t.segments.size() == 1);
  for (const framework::CellSegment* seg : {c.segment, c.lean_segment}) {
    CHECK(seg->text == t.SegmentText(t.segments[0]));
    CHECK(seg->pieces.size() == 2001);
    CheckPiecesOf(t, t.segments[0], *seg);
    // Ranges of the segment's own text, 20 bytes each: no piece holds a string of its own.
    CHECK(!seg->PiecesOwnText());
    CHECK(seg->extras->text.empty());
    CHECK(seg->PieceSpeakers().size() == 2);
    CHECK(seg->pieces.capacity() <= t.turns.size() + 1);
    CHECK(seg->Piece(2000).text == "a same speaker end");
    CHECK(seg->TextWithSpeakers().rfind("start [INT: q] a [INT: q] a", 0) == 0);
  }
  CHECK(sizeof(framework::PieceRange) <= 20);

  // The commands give what the pieces say: the quote is the participant's speech, the long
  // export's row every piece's speaker and lines.
  const auto quotes =
      JsonOf(Run({"quotes", "a.b", "--format", "json", "--min-group", "1"}, dir.path()));
  const std::string expected = t.ParticipantText(t.segments[0]);
  CHECK(expected.rfind("start " + kEllipsis + " a " + kEllipsis + " a", 0) == 0);
  CHECK(quotes.at("groups")[0].at("quotes")[0].at("text") == expected);
  const RunResult csv = Run({"export", "--long", "--format", "csv", "-q"}, dir.path());
  REQUIRE(csv.exit_code == 0);
  CHECK(Contains(csv.out, "," + c.segment->SpeakerLines() + "\r\n"));
  CHECK(Contains(csv.out, "P07 L1; INT L2; P07 L3; INT L4;"));
  CHECK(Contains(csv.out, "; INT L2000; P07 L2001-2003\r\n"));
}

TEST_CASE("speaker: pieces of a text that is not UTF-8 keep texts of their own") {
  // NFC leaves the whole text alone (it is not UTF-8) but composes the valid piece: the pieces
  // joined are not the text, so they keep their own.
  TempDir dir;
  WriteStudy(dir.path(), "P07: {a.b}Bad \xFF byte\nINT: and \xC3\xA9\nP07: cafe\xCC\x81 more{/}\n");
  LoadedCell c;
  LoadCell(dir.path(), c);
  const Transcript& t = c.whole.transcripts.at(0);
  REQUIRE(t.segments.size() == 1);
  for (const framework::CellSegment* seg : {c.segment, c.lean_segment}) {
    CHECK(seg->PiecesOwnText());
    CheckPiecesOf(t, t.segments[0], *seg);
    CHECK(seg->Piece(2).text == "caf\u00e9 more");
    CHECK(Contains(seg->text, "cafe\xCC\x81 more"));
  }
  // Pieces added by hand keep their own text too.
  framework::CellSegment built;
  built.text = "whatever";
  built.AddPiece("one", "P1", SpeakerRole::kParticipant, 1, 1);
  built.AddPiece("two", "INT", SpeakerRole::kInterviewer, 2, 3);
  built.AddPiece("three", "P1", SpeakerRole::kParticipant, 4, 4);
  CHECK(built.PieceSpeakers().size() == 2);
  CHECK(built.ParticipantText() == "one " + kEllipsis + " three");
  CHECK(built.SpeakerLines() == "P1 L1; INT L2-3; P1 L4");
  CHECK(built.TextWithSpeakers() == "one [INT: two] three");
}

// ---------------------------------------------------------------------------------------------
// The commands.

TEST_CASE("speaker: quotes, codes, summarise and drafts leave the interviewer's words out") {
  TempDir dir;
  WriteStudy(dir.path(), kAcrossInt);

  const auto quotes = JsonOf(Run({"quotes", "a.b", "--format", "json"}, dir.path()));
  REQUIRE(quotes.at("groups").size() == 1);
  const auto& list = quotes.at("groups")[0].at("quotes");
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("text") == "A lot. It shapes what she can do about it. " + kEllipsis +
                                  " We used a telephone interpreter, never a local one.");
  CHECK(list[0].at("line_start") == 2);
  CHECK(list[0].at("line_end") == 6);
  for (const char* format : {"text", "md", "csv"}) {
    const RunResult r = Run({"quotes", "a.b", "--format", format}, dir.path());
    REQUIRE(r.exit_code == 0);
    CHECK(Contains(r.out, "telephone interpreter"));
    CheckNoInterviewerWords(r.out);
  }
  // --max-words counts the participant's words only.
  const auto cut =
      JsonOf(Run({"quotes", "a.b", "--format", "json", "--max-words", "11"}, dir.path()));
  CHECK(cut.at("groups")[0].at("quotes")[0].at("text") ==
        "A lot. It shapes what she can do about it. " + kEllipsis + " We" + kEllipsis);

  const auto codes = JsonOf(Run({"codes", "--format", "json"}, dir.path()));
  const std::string dump = codes.dump();
  CHECK(Contains(dump, "\"words\":19"));

  const auto summary = JsonOf(Run({"summarise", "--format", "json"}, dir.path()));
  CHECK(Contains(summary.dump(), "\"words\":19"));

  // A drafted summary is the participant's sentences only.
  const RunResult drafted = Run({"chart", "a", "--draft", "--all", "-q"}, dir.path());
  INFO(drafted.err);
  REQUIRE(drafted.exit_code == 0);
  const std::string chart = ReadFile(dir.path() / "charts" / "a.yaml");
  CHECK(Contains(chart, "interpreter"));
  CheckNoInterviewerWords(chart);
}

TEST_CASE("speaker: the long and JSON exports keep the whole text with each piece's speaker") {
  TempDir dir;
  WriteStudy(dir.path(), kAcrossInt);
  const RunResult csv = Run({"export", "--long", "--format", "csv"}, dir.path());
  INFO(csv.err);
  REQUIRE(csv.exit_code == 0);
  const auto lines = Lines(csv.out);
  REQUIRE(lines.size() >= 2);
  CHECK(lines[0].rfind("participant,theme,subtheme,code,line_start,line_end,speaker,text,speakers",
                       0) == 0);
  CHECK(Contains(csv.out,
                 "A lot. It shapes what she can do about it. How did you handle the "
                 "language side? We used a telephone interpreter, never a local one."));
  CHECK(Contains(csv.out, "P07 L2; INT L4; P07 L6"));

  const auto json = JsonOf(Run({"export", "--format", "json"}, dir.path()));
  const auto& segment = json.at("matrices")[0].at("rows")[0].at("cells")[0].at("segments").at(0);
  CHECK(segment.at("speaker") == "P07");
  CHECK(Contains(segment.at("text").get<std::string>(), "How did you handle the language side?"));
  const auto& speakers = segment.at("speakers");
  REQUIRE(speakers.size() == 3);
  CHECK(speakers[0] == nlohmann::json{{"speaker", "P07"},
                                      {"role", "participant"},
                                      {"line_start", 2},
                                      {"line_end", 2},
                                      {"text", "A lot. It shapes what she can do about it."}});
  CHECK(speakers[1].at("speaker") == "INT");
  CHECK(speakers[1].at("role") == "interviewer");
  CHECK(speakers[1].at("text") == "How did you handle the language side?");
  CHECK(speakers[2].at("line_start") == 6);

  // The wide matrix's excerpts are for the research team: the whole text, the question marked.
  const RunResult wide =
      Run({"export", "a", "--content", "excerpts", "--format", "csv"}, dir.path());
  REQUIRE(wide.exit_code == 0);
  CHECK(Contains(wide.out, "[INT: How did you handle the language side?]"));
}

// The bundled example: no quote of any column holds any interviewer turn's words.
TEST_CASE("speaker: the example's quotes contain no interviewer words, for every code") {
  // The interviewer's turns, read from the files here (not through the parser): each INT
  // line's text with tags removed, split into sentences of a few words or more.
  std::vector<std::string> asked;
  std::size_t spanning = 0;
  for (const auto& entry : fs::directory_iterator(kExample / "transcripts")) {
    for (const std::string& line : Lines(ReadFile(entry.path()))) {
      if (line.rfind("INT:", 0) != 0) continue;
      const std::string text = std::regex_replace(line.substr(4), std::regex("\\{[^}]*\\}"), "");
      const std::string trimmed = std::string(framework::Trim(text));
      if (framework::CountWords(trimmed) >= 3) asked.push_back(trimmed);
    }
  }
  REQUIRE(asked.size() > 100);
  // The example does have segments that run through a question (the reason for this test).
  framework::DiskFileSystem disk(kExample.string());
  const framework::Study study = framework::LoadStudy(disk);
  for (const Transcript& t : study.transcripts)
    for (const framework::Segment& s : t.segments)
      if (t.SpansTurns(s) && t.ParticipantText(s) != t.SegmentText(s)) ++spanning;
  CHECK(spanning >= 10);

  const std::string language = "How did you handle the language side?";
  CHECK(std::find(asked.begin(), asked.end(), language) != asked.end());
  std::size_t quotes = 0, interrupted = 0;
  for (const framework::Theme& theme : study.framework.themes) {
    for (const framework::Subtheme& sub : theme.subthemes) {
      const std::string code = theme.id + "." + sub.id;
      const RunResult r = Run({"quotes", code, "--format", "json", "--ids", "-q"}, kExample);
      INFO(code, ": ", r.err);
      REQUIRE(r.exit_code == 0);
      const auto report = nlohmann::json::parse(r.out);
      for (const auto& group : report.at("groups")) {
        for (const auto& quote : group.at("quotes")) {
          ++quotes;
          const std::string text = quote.at("text");
          interrupted += Contains(text, " " + kEllipsis + " ");
          for (const std::string& question : asked) {
            INFO(code, " ", quote.at("participant"), " L", quote.at("line_start"), ": ", text);
            CHECK(!Contains(text, question));
          }
        }
      }
    }
  }
  CHECK(quotes > 100);
  CHECK(interrupted >= 10);
}

// ---------------------------------------------------------------------------------------------
// Tag hygiene.

TEST_CASE("hygiene: '{/}' closing a segment opened many turns back warns at both places") {
  const std::string text =
      "P07: {a.b}Forgot to close this.\n"  // 1: opens here
      "INT: Next question?\n"              // 2
      "P07: An answer.\n"                  // 3
      "INT: And another?\n"                // 4
      "P07: Closed at last.{/}\n";         // 5: 4 turns on
  Parsed p = Parse(text);
  CHECK(Located(p.d, "segment-spans-turns") ==
        std::vector<std::string>{"warning@5:21", "note@1:7"});
  const auto* w = Find(p.d, "segment-spans-turns", Severity::kWarning);
  REQUIRE(w);
  CHECK(w->message == "'{/}' closes 'a.b', which opened 4 speaker turns back, at line 1");
  CHECK(w->length == 3);
  CHECK(Contains(w->hint, "{/a.b}"));
  CHECK(Contains(w->hint, "max_span_turns"));
  const auto* note = Find(p.d, "segment-spans-turns", Severity::kNote);
  REQUIRE(note);
  CHECK(note->message == "'a.b' opened here, 4 turns before its '{/}'");
  CHECK(note->source_line == "P07: {a.b}Forgot to close this.");
  // The segment is still parsed as written: a warning, not an error.
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].line_end == 5);

  // Two turns on (a question in between) is within the default of 2.
  Parsed near = Parse("P07: {a.b}One.\nINT: Q?\nP07: Two.{/}\n");
  CHECK(Located(near.d, "segment-spans-turns").empty());
  // Named close tags are deliberate: never warned about.
  Parsed named = Parse("P07: {a.b}One.\nINT: Q?\nP07: Two.\nINT: Q?\nP07: Three.{/a.b}\n");
  CHECK(Located(named.d, "segment-spans-turns").empty());
  // The limit is settable: 0 warns about any '{/}' reaching into an earlier turn.
  ParseOptions strict = WithInterviewer();
  strict.max_span_turns = 0;
  CHECK(Located(Parse("P07: {a.b}One.\nINT: Q?{/}\n", strict).d, "segment-spans-turns") ==
        std::vector<std::string>{"warning@2:8", "note@1:7"});
  ParseOptions loose = WithInterviewer();
  loose.max_span_turns = 4;
  CHECK(Located(Parse(text, loose).d, "segment-spans-turns").empty());
  // One '{/}' closing two far-opened segments: one warning and note for each.
  Parsed two = Parse("{a.b}x\nINT: q\nP07: {a.c}y\nINT: q\nP07: q\nINT: z{/}\n");
  CHECK(Located(two.d, "segment-spans-turns") ==
        std::vector<std::string>{"warning@6:7", "note@1:2", "warning@6:7", "note@3:7"});
}

TEST_CASE("hygiene: max_span_turns in framework.yaml, and check prints both locations") {
  TempDir dir;
  WriteStudy(dir.path(),
             "P07: {a.b}Forgot to close this.\nINT: Q?\nP07: A.\nINT: Q?\nP07: Closed.{/}\n");
  const RunResult r = Run({"check"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err,
                 "transcripts/P07.txt:5:13: warning: '{/}' closes 'a.b', which opened 4 speaker "
                 "turns back, at line 1"));
  CHECK(Contains(r.err, "transcripts/P07.txt:1:7: note: 'a.b' opened here"));
  CHECK(Run({"check", "--strict"}, dir.path()).exit_code == 1);

  WriteStudy(dir.path(),
             "P07: {a.b}Forgot to close this.\nINT: Q?\nP07: A.\nINT: Q?\nP07: Closed.{/}\n",
             "max_span_turns: 4\n");
  const RunResult allowed = Run({"check", "--strict"}, dir.path());
  INFO(allowed.err);
  CHECK(allowed.exit_code == 0);
  CHECK(!Contains(allowed.err, "speaker turns back"));

  WriteStudy(dir.path(), "P07: x\n", "max_span_turns: -1\n");
  const RunResult bad = Run({"check"}, dir.path());
  CHECK(bad.exit_code == 1);
  CHECK(Contains(bad.err, "framework.yaml:5:17: error: max_span_turns must be a whole number"));
}

TEST_CASE("hygiene: a repeated speaker-like label that is not declared is warned about") {
  Parsed p = Parse(
      "Interviewer: Can you tell me about your role?\n"  // 1
      "P07: I'm a social worker.\n"                      // 2
      "  Interviewer: And your training?\n"              // 3
      "P07: Very little. Note: one lecture.\n"           // 4 (not at line start)
      "Field Notes: the phone rang\n"                    // 5 (once only)
      "Dr Smith: a visitor\n"                            // 6
      "Dr Smith: again\n"                                // 7
      "Three Word Label: not a label\n"                  // 8
      "Three Word Label: not a label\n"                  // 9
      "http://example.org\nhttp://example.org\n"         // 10-11 (no space after the colon)
      "int: lower case\n");                              // 12 (once: not repeated)
  CHECK(Located(p.d, "undeclared-speaker") ==
        std::vector<std::string>{"warning@1:1", "warning@6:1"});
  const auto* w = Find(p.d, "undeclared-speaker", Severity::kWarning);
  REQUIRE(w);
  CHECK(w->message ==
        "'Interviewer:' starts 2 lines like a speaker label but is not a declared speaker, so "
        "those lines are read as the previous speaker's words");
  CHECK(w->length == 12);
  CHECK(Contains(w->hint, "speakers: {Interviewer: interviewer}"));
  // Its words were indeed read as P07's: nothing starts a turn there.
  CHECK(p.t.turns.size() == 2);

  // A label declared in another case gets a did-you-mean.
  Parsed cased = Parse("int: one?\nP07: yes\nint: two?\n");
  const auto* c = Find(cased.d, "undeclared-speaker", Severity::kWarning);
  REQUIRE(c);
  CHECK(c->hint == "did you mean 'INT:'? speaker labels are case-sensitive");

  // Declared, the same labels (with a space, too) start turns and draw no warning.
  ParseOptions declared = WithInterviewer();
  declared.speakers.push_back({"Interviewer", SpeakerRole::kInterviewer});
  declared.speakers.push_back({"Dr Smith", SpeakerRole::kOther});
  Parsed ok =
      Parse("Interviewer: Q?\nP07: {a.b}A.{/}\nDr Smith: hello\nInterviewer: Q2?\n", declared);
  CHECK(Located(ok.d, "undeclared-speaker").empty());
  REQUIRE(ok.t.turns.size() == 4);
  CHECK(ok.t.speakers[static_cast<std::size_t>(ok.t.turns[2].speaker)].label == "Dr Smith");
  CHECK(ok.t.text.find("Dr Smith") == std::string::npos);
}

TEST_CASE("hygiene: front-matter keys one slip from a known key get a did-you-mean") {
  Parsed p = Parse(
      "---\nparticipnt: P07\nDate: 2022-02-21\nspeaker: {R: interviewer}\n"
      "interviewer: R. Okafor\nmode: Teams\nduration: 60 min\ndata: x\n---\nbody\n");
  CHECK(Located(p.d, "unknown-key") ==
        std::vector<std::string>{"warning@2:1", "warning@3:1", "warning@4:1", "warning@8:1"});
  const auto* w = Find(p.d, "unknown-key", Severity::kWarning);
  REQUIRE(w);
  CHECK(w->message ==
        "front matter key 'participnt' is not one the tool reads; it is kept as metadata");
  CHECK(w->hint.rfind("did you mean 'participant'?", 0) == 0);
  // Kept as metadata all the same, like every other key.
  REQUIRE(p.t.metadata.size() == 7);
  CHECK(p.t.metadata[0].first == "participnt");
  CHECK(!p.t.participant_from_front_matter);
  // The example's keys (interviewer, mode, duration) and keys far from any known one: quiet.
  Parsed quiet = Parse(
      "---\nparticipant: P07\ndate: 2022-02-21\ninterviewer: R\nmode: Teams\n"
      "duration: 60 min\nsource: a.docx\nsources: 2\nnotes: fine\n---\nbody\n");
  INFO(Summary(quiet.d));
  CHECK(quiet.d.empty());
  CHECK(quiet.t.date == "2022-02-21");
}

TEST_CASE("hygiene: the front matter's date must be a real date, located at the value") {
  struct Case {
    const char* date;
    const char* message;
  };
  const Case bad[] = {
      {"2022-13-45", "date '2022-13-45' is not a real date: there is no month 13"},
      {"2022-02-30", "date '2022-02-30' is not a real date: February 2022 has 28 days"},
      {"2023-02-29", "date '2023-02-29' is not a real date: February 2023 has 28 days"},
      {"2022-04-31", "date '2022-04-31' is not a real date: April 2022 has 30 days"},
      {"2022-00-10", "date '2022-00-10' is not a real date: there is no month 0"},
      {"21/02/2022", "date '21/02/2022' is not a date in the form YYYY-MM-DD"},
      {"last spring", "date 'last spring' is not a date in the form YYYY-MM-DD"},
      {"2022-02-21 25:00",
       "date '2022-02-21 25:00' is not a date in the form YYYY-MM-DD (a time may follow, as in "
       "2022-02-21T14:30)"},
  };
  for (const Case& c : bad) {
    INFO(c.date);
    Parsed p = Parse(std::string("---\nparticipant: P07\ndate: ") + c.date + "\n---\nbody\n");
    CHECK(Located(p.d, "bad-date") == std::vector<std::string>{"error@3:7"});
    const auto* e = Find(p.d, "bad-date", Severity::kError);
    REQUIRE(e);
    CHECK(e->message == c.message);
    CHECK(Contains(e->hint, "YYYY-MM-DD"));
    CHECK(e->source_line == std::string("date: ") + c.date);
  }
  // Quoted, or as a list: located at the value all the same.
  CHECK(Located(Parse("---\ndate: \"2022-13-01\"\n---\n").d, "bad-date") ==
        std::vector<std::string>{"error@2:7"});
  CHECK(Located(Parse("---\ndate: [2022-01-01]\n---\n").d, "bad-date") ==
        std::vector<std::string>{"error@2:7"});
  for (const char* good :
       {"2024-02-29", "2000-02-29", "2022-12-31", "2022-02-21T14:30",
        "2022-02-21 14:30:05.5 +01:00", "2022-02-21T14:30:05Z", "\"2022-02-21\""}) {
    INFO(good);
    Parsed p = Parse(std::string("---\nparticipant: P07\ndate: ") + good + "\n---\nbody\n");
    CHECK(p.d.empty());
  }
  CHECK(Parse("---\ndate:\n---\nbody\n").d.empty());
}
