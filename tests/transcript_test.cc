// The coded-transcript format: every rule, and every diagnostic the parser emits,
// parsed straight from string literals.
#include "framework/transcript.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "framework/codebook.h"
#include "framework/text.h"
#include "test_util.h"

namespace {

using framework::CodeIndex;
using framework::ColumnRef;
using framework::Diagnostic;
using framework::Diagnostics;
using framework::ParseOptions;
using framework::ParseTranscript;
using framework::Severity;
using framework::Speaker;
using framework::SpeakerRole;
using framework::Transcript;
using framework_test::Summary;

constexpr SpeakerRole kInterviewer = SpeakerRole::kInterviewer;
constexpr SpeakerRole kOther = SpeakerRole::kOther;

struct Parsed {
  Transcript t;
  Diagnostics d;
};

// Parses `text` as transcripts/P07.txt (stem P07 unless the options say otherwise).
Parsed Parse(std::string_view text, ParseOptions options = {}) {
  if (options.stem.empty()) options.stem = "P07";
  Parsed p;
  p.t = ParseTranscript("transcripts/P07.txt", text, options, p.d);
  return p;
}

ParseOptions WithInterviewer() {
  ParseOptions o;
  o.speakers = {{"INT", kInterviewer}};
  return o;
}

std::string Labels(const Transcript& t) {
  std::string out;
  for (const Speaker& s : t.speakers) {
    if (!out.empty()) out += ", ";
    out += s.label + "=" + std::string(framework::SpeakerRoleName(s.role));
  }
  return out;
}

std::string RawText(const Transcript& t, const framework::Segment& s) {
  return t.text.substr(s.text_begin, s.text_end - s.text_begin);
}

CodeIndex TrainingCodes() {
  CodeIndex codes;
  codes.Add("training.prequal", {0, 0});
  codes.Add("training.postqual", {0, 1});
  codes.Add("caf\u00e9.x", {1, 0});
  return codes;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Front matter

TEST_CASE("front matter: participant, date, and other keys kept as metadata") {
  // The plain `key: value` lines and a front matter that needs the YAML parser give the same.
  const char* simple =
      "---\n"
      "participant: P07\n"
      "date: 2022-02-21\n"
      "interviewer: AB\n"
      "mode: phone\n"
      "---\n"
      "P07: hello\n";
  const char* yaml =
      "---\n"
      "participant: P07\n"
      "date: 2022-02-21\n"
      "interviewer: AB\n"
      "mode: phone\n"
      "speakers: {INT: interviewer}\n"
      "---\n"
      "P07: hello\n";
  for (const char* text : {simple, yaml}) {
    CAPTURE(text);
    ParseOptions o;
    o.stem = "interview-7";
    Parsed p = Parse(text, o);
    CHECK(Summary(p.d) == "");
    CHECK(p.t.path == "transcripts/P07.txt");
    CHECK(p.t.participant == "P07");
    CHECK(p.t.participant_from_front_matter);
    CHECK(p.t.participant_line == 2);
    CHECK(p.t.participant_column == 14);
    CHECK(p.t.date == "2022-02-21");
    REQUIRE(p.t.metadata.size() == 2);
    CHECK(p.t.metadata[0].first == "interviewer");
    CHECK(p.t.metadata[0].second == "AB");
    CHECK(p.t.metadata[1].first == "mode");
    CHECK(p.t.metadata[1].second == "phone");
    REQUIRE(p.t.turns.size() == 1);
    CHECK(p.t.turns[0].line == (text == simple ? 7 : 8));
  }
}

TEST_CASE("front matter: speakers override and add to the study's labels") {
  ParseOptions o;
  o.speakers = {{"INT", kInterviewer}, {"R1", kInterviewer}};
  Parsed p = Parse(
      "---\n"
      "participant: P07\n"
      "speakers: {INT: other, OBS: other}\n"
      "---\n"
      "INT: a\n"
      "OBS: b\n"
      "R1: c\n"
      "P07: d\n",
      o);
  CHECK(Summary(p.d) == "");
  CHECK(Labels(p.t) == "INT=other, R1=interviewer, OBS=other, P07=participant");
  REQUIRE(p.t.turns.size() == 4);
  CHECK(p.t.turns[0].speaker == 0);
  CHECK(p.t.turns[1].speaker == 2);
  CHECK(p.t.turns[2].speaker == 1);
  CHECK(p.t.turns[3].speaker == 3);
  CHECK(p.t.turns[0].line == 5);
  CHECK(p.t.turns[3].line == 8);
}

TEST_CASE("front matter without a participant: the participant is the file's stem") {
  ParseOptions o;
  o.stem = "P09";
  Parsed p = Parse("---\ndate: 2022-01-01\n---\nP09: {a.b}x{/a.b}\n", o);
  CHECK(Summary(p.d) == "");
  CHECK(p.t.participant == "P09");
  CHECK_FALSE(p.t.participant_from_front_matter);
  CHECK(p.t.participant_line == 0);
  CHECK(p.t.date == "2022-01-01");
  REQUIRE(p.t.turns.size() == 1);  // the stem is a participant label
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].line_start == 4);
}

TEST_CASE("no front matter: the participant is the file's stem, NFC-normalised") {
  ParseOptions o;
  o.stem = "Sia\u0302n";
  Parsed p = Parse("Just text.\n", o);
  CHECK(Summary(p.d) == "");
  CHECK(p.t.participant == "Si\u00e2n");
  CHECK_FALSE(p.t.participant_from_front_matter);
  CHECK(p.t.line_count == 1);
}

TEST_CASE("front matter never closed") {
  Parsed p = Parse("---\nparticipant: P07\nP07: {a.b}hi{/a.b}\n");
  CHECK(Summary(p.d) == "bad-front-matter@1:1");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].severity == Severity::kError);
  CHECK(p.d[0].message == "front matter is never closed");
  CHECK(p.d[0].hint == "end it with a line of three dashes '---', or remove the opening '---'");
  CHECK(p.d[0].length == 3);
  CHECK(p.d[0].file == "transcripts/P07.txt");
  CHECK(p.d[0].source_line == "---");
  CHECK(p.t.segments.empty());
  CHECK(p.t.line_count == 3);

  Parsed with_bom = Parse("\xEF\xBB\xBF---\nx\n");
  CHECK(Summary(with_bom.d) == "bad-front-matter@1:1");
}

TEST_CASE("front matter with bad YAML is located at the file's line and code-point column") {
  // yaml-cpp marks count bytes from 0; "日本" is 6 bytes but 2 columns before the error.
  Parsed p = Parse(
      "---\n"
      "participant: P07\n"
      "title: \"\u65e5\u672c x\" y\n"
      "---\n"
      "P07: {a.b}x{/a.b}\n");
  CHECK(Summary(p.d) == "bad-yaml@3:15");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "invalid YAML: end of map not found");
  CHECK(p.d[0].source_line == "title: \"\u65e5\u672c x\" y");
  // The body is still parsed, with its lines counted from the top of the file.
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].line_start == 5);

  Parsed indented = Parse("---\nparticipant: P07\nkey: value\n  bad: x\n---\nbody\n");
  CHECK(Summary(indented.d) == "bad-yaml@4:6");
  REQUIRE(indented.d.size() == 1);
  CHECK(indented.d[0].message == "invalid YAML: illegal map value");
  CHECK(indented.d[0].source_line == "  bad: x");
}

TEST_CASE("front matter YAML error at its end shows the closing line") {
  Parsed p = Parse("---\nparticipant: P07\ndate: [2022\n---\nbody\n");
  CHECK(Summary(p.d) == "bad-yaml@4:1");
  REQUIRE(p.d.size() == 1);
  // A located diagnostic carries the text of its line for the caret display.
  CHECK(p.d[0].source_line == "---");
}

TEST_CASE("front matter nested too deeply is an error, not a crash") {
  std::string text = "---\nx: " + std::string(100000, '[') + "\n---\nbody\n";
  Parsed p = Parse(text);
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].rule == "bad-yaml");
  CHECK(p.d[0].line >= 1);
}

TEST_CASE("front matter that is not a mapping") {
  Parsed list = Parse("---\n- a\n- b\n---\nbody\n");
  CHECK(Summary(list.d) == "bad-front-matter@2:1");
  REQUIRE(list.d.size() == 1);
  CHECK(list.d[0].message == "front matter must be a mapping of keys to values");
  CHECK(list.d[0].hint == "write it as 'participant: P07' lines between '---' lines");

  Parsed scalar = Parse("---\njust text\n---\nbody\n");
  CHECK(Summary(scalar.d) == "bad-front-matter@2:1");
  CHECK(scalar.t.participant == "P07");
}

TEST_CASE("front matter: an unknown speaker role, with did-you-mean") {
  Parsed p = Parse("---\nparticipant: P07\nspeakers: {INT: interviwer}\n---\nINT: x\n");
  CHECK(Summary(p.d) == "bad-speakers@3:17");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "unknown speaker role 'interviwer'");
  CHECK(p.d[0].hint == "did you mean 'interviewer'?");
  CHECK(p.d[0].length == 10);
  // The label is not declared, so "INT:" starts no turn.
  CHECK(p.t.turns.empty());

  Parsed none = Parse("---\nspeakers: {INT: boss}\n---\n");
  CHECK(Summary(none.d) == "bad-speakers@2:17");
  REQUIRE(none.d.size() == 1);
  CHECK(none.d[0].hint == "roles are interviewer, participant, other");

  Parsed not_map = Parse("---\nspeakers: [INT]\n---\n");
  CHECK(Summary(not_map.d) == "bad-speakers@2:11");
  REQUIRE(not_map.d.size() == 1);
  CHECK(not_map.d[0].message == "speakers must map labels to roles");
}

TEST_CASE("front matter: an invalid participant id") {
  Parsed p = Parse("---\nparticipant: P 07\n---\nbody\n");
  CHECK(Summary(p.d) == "bad-id@2:14");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "participant id 'P 07' is not valid");
  CHECK(p.t.participant == "P07");  // the stem stands
  CHECK_FALSE(p.t.participant_from_front_matter);
}

TEST_CASE("front matter: a duplicate key") {
  Parsed p = Parse("---\nparticipant: P07\nparticipant: P08\n---\nbody\n");
  CHECK(Summary(p.d) == "duplicate-key@3:1");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "duplicate key 'participant' in front matter");
}

// ---------------------------------------------------------------------------------------------
// Speaker turns

TEST_CASE("speaker turns: declared labels, leading white space, labels removed from the text") {
  Parsed p = Parse(
      "INT: Question one?\n"
      "   P07: {a.b}Answer\n"
      "Note: this is not a turn\n"
      "So INT: said, not a turn either\n"
      "\tINT: next{/a.b}\n",
      WithInterviewer());
  CHECK(Summary(p.d) == "");
  CHECK(Labels(p.t) == "INT=interviewer, P07=participant");
  REQUIRE(p.t.turns.size() == 3);
  CHECK(p.t.turns[0].speaker == 0);
  CHECK(p.t.turns[0].line == 1);
  CHECK(p.t.turns[1].speaker == 1);
  CHECK(p.t.turns[1].line == 2);
  CHECK(p.t.turns[2].speaker == 0);
  CHECK(p.t.turns[2].line == 5);
  CHECK(p.t.text ==
        " Question one?\n"
        " Answer\n"
        "Note: this is not a turn\n"
        "So INT: said, not a turn either\n"
        " next\n");
  CHECK(p.t.turns[1].text_begin == 15);
  REQUIRE(p.t.segments.size() == 1);
  const auto& s = p.t.segments[0];
  CHECK(s.line_start == 2);
  CHECK(s.line_end == 5);
  CHECK(s.column == 10);
  CHECK(s.turn == 1);
  CHECK(s.speaker == 1);
  CHECK(p.t.SegmentText(s) ==
        "Answer Note: this is not a turn So INT: said, not a turn either next");
}

TEST_CASE("speaker turns: a label needs its colon right after it") {
  Parsed p = Parse("INT said\nINT : no\nINT:yes\n", WithInterviewer());
  REQUIRE(p.t.turns.size() == 1);
  CHECK(p.t.turns[0].line == 3);
}

TEST_CASE("speaker turns: the participant id is always a participant label") {
  // No labels declared: the stem is one.
  Parsed stem = Parse("P07: hello\nINT: hi\n");
  CHECK(Labels(stem.t) == "P07=participant");
  REQUIRE(stem.t.turns.size() == 1);
  CHECK(stem.t.turns[0].line == 1);

  // A front-matter participant replaces the stem as the label.
  Parsed fm = Parse("---\nparticipant: P03\n---\nP03: mine\nP07: not a turn\n", WithInterviewer());
  CHECK(Labels(fm.t) == "INT=interviewer, P03=participant");
  REQUIRE(fm.t.turns.size() == 1);
  CHECK(fm.t.turns[0].line == 4);

  // Declared with another role, the participant's own label is still the participant's.
  ParseOptions o;
  o.speakers = {{"P07", kOther}};
  Parsed declared = Parse("P07: x\n", o);
  CHECK(Labels(declared.t) == "P07=participant");
}

TEST_CASE("speaker turns: a segment's speaker is the turn where it opened") {
  Parsed p = Parse(
      "{a.b}Before any turn{/a.b}\n"
      "INT: {c.d}the question\n"
      "P07: and the answer{/c.d}\n",
      WithInterviewer());
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 2);
  // Text before the first turn is the participant's.
  CHECK(p.t.segments[0].turn == -1);
  CHECK(p.t.speakers[static_cast<std::size_t>(p.t.segments[0].speaker)].label == "P07");
  CHECK(p.t.segments[1].turn == 0);
  CHECK(p.t.speakers[static_cast<std::size_t>(p.t.segments[1].speaker)].label == "INT");
  CHECK(p.t.SegmentText(p.t.segments[1]) == "the question and the answer");
}

// ---------------------------------------------------------------------------------------------
// Tags and segments

TEST_CASE("tags: {code} opens, {/code} closes, location and text") {
  Parsed p = Parse("P07: {a.b}x  y{/a.b}\n");
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 1);
  const auto& s = p.t.segments[0];
  CHECK(s.code == "a.b");
  CHECK(s.line_start == 1);
  CHECK(s.line_end == 1);
  CHECK(s.column == 7);
  CHECK(RawText(p.t, s) == "x  y");
  CHECK(p.t.SegmentText(s) == "x y");
  CHECK_FALSE(s.target.valid());  // no framework given
  CHECK(p.t.text == " x  y\n");
}

TEST_CASE("tags: {a, b} opens several, {/} closes every open segment") {
  Parsed p = Parse("{a.b, c.d}both{/} {e.f,g.h}two{/}\n");
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 4);
  CHECK(p.t.segments[0].code == "a.b");
  CHECK(p.t.segments[0].column == 2);
  CHECK(p.t.segments[1].code == "c.d");
  CHECK(p.t.segments[1].column == 7);
  CHECK(p.t.segments[2].code == "e.f");
  CHECK(p.t.segments[2].column == 20);
  CHECK(p.t.segments[3].code == "g.h");
  CHECK(p.t.segments[3].column == 24);
  CHECK(p.t.SegmentText(p.t.segments[0]) == "both");
  CHECK(p.t.SegmentText(p.t.segments[1]) == "both");
  CHECK(p.t.SegmentText(p.t.segments[3]) == "two");
}

TEST_CASE("segments span lines and turns, lines are 1-based with the front matter counted") {
  Parsed p = Parse(
      "---\n"
      "participant: P07\n"
      "---\n"
      "INT: Hello\n"
      "P07: {x.y}first line\n"
      "second line\n"
      "INT: interrupt{/x.y} after\n",
      WithInterviewer());
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.turns.size() == 3);
  CHECK(p.t.turns[0].line == 4);
  CHECK(p.t.turns[1].line == 5);
  CHECK(p.t.turns[2].line == 7);
  REQUIRE(p.t.segments.size() == 1);
  const auto& s = p.t.segments[0];
  CHECK(s.line_start == 5);
  CHECK(s.line_end == 7);
  CHECK(s.column == 7);
  CHECK(s.turn == 1);
  CHECK(s.speaker == 1);
  CHECK(p.t.SegmentText(s) == "first line second line interrupt");
  CHECK(p.t.line_count == 7);
}

TEST_CASE("segments may overlap without nesting") {
  Parsed p = Parse("P07: {a.x}one {b.y}two{/a.x} three{/b.y}\n");
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 2);
  CHECK(p.t.segments[0].code == "a.x");
  CHECK(p.t.SegmentText(p.t.segments[0]) == "one two");
  CHECK(p.t.segments[1].code == "b.y");
  CHECK(p.t.SegmentText(p.t.segments[1]) == "two three");

  // Closing all keeps the order of the opening tags.
  Parsed all = Parse("{b.y}one {a.x}two{/}\n");
  REQUIRE(all.t.segments.size() == 2);
  CHECK(all.t.segments[0].code == "b.y");
  CHECK(all.t.segments[1].code == "a.x");
  CHECK(all.t.SegmentText(all.t.segments[0]) == "one two");
}

TEST_CASE("SegmentText collapses every run of white space and trims the ends") {
  Parsed p = Parse("P07: {a.b}  lots\t of \n\n  space  {/a.b}\n");
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].line_start == 1);
  CHECK(p.t.segments[0].line_end == 3);
  CHECK(p.t.SegmentText(p.t.segments[0]) == "lots of space");
}

TEST_CASE("line_count counts a last line without a line ending") {
  CHECK(Parse("").t.line_count == 0);
  CHECK(Parse("a").t.line_count == 1);
  CHECK(Parse("a\n").t.line_count == 1);
  CHECK(Parse("a\nb").t.line_count == 2);
  CHECK(Parse("a\n\n").t.line_count == 2);
}

// ---------------------------------------------------------------------------------------------
// Escapes and encodings

TEST_CASE("escapes: \\{ \\} \\\\ are literal, other backslashes are kept") {
  Parsed p = Parse("P07: {a.b}use \\{braces\\} and \\\\ and \\n and C:\\path{/a.b}\n");
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.SegmentText(p.t.segments[0]) == "use {braces} and \\ and \\n and C:\\path");

  // An escaped backslash does not escape the brace after it.
  Parsed tag = Parse("\\\\{a.b}x{/a.b} \\{not.a.tag\\}\n");
  CHECK(Summary(tag.d) == "");
  REQUIRE(tag.t.segments.size() == 1);
  CHECK(tag.t.SegmentText(tag.t.segments[0]) == "x");
  CHECK(tag.t.text == "\\x {not.a.tag}\n");

  // A backslash at the end of a line is kept.
  Parsed end = Parse("end\\\nnext\n");
  CHECK(Summary(end.d) == "");
  CHECK(end.t.text == "end\\\nnext\n");
}

TEST_CASE("a UTF-8 BOM is skipped and takes no column") {
  const std::string body = "P07: {a.b}x{/a.b} }\n";
  Parsed plain = Parse(body);
  Parsed bom = Parse("\xEF\xBB\xBF" + body);
  for (const Parsed* p : {&plain, &bom}) {
    CHECK(Summary(p->d) == "stray-brace@1:19");
    REQUIRE(p->d.size() == 1);
    CHECK(p->d[0].source_line == "P07: {a.b}x{/a.b} }");
    REQUIRE(p->t.turns.size() == 1);  // the label after the BOM starts a turn
    REQUIRE(p->t.segments.size() == 1);
    CHECK(p->t.segments[0].column == 7);
    CHECK(p->t.SegmentText(p->t.segments[0]) == "x");
  }
  CHECK(bom.t.text == plain.t.text);

  Parsed fm = Parse("\xEF\xBB\xBF---\nparticipant: P03\n---\nP03: hi\n");
  CHECK(Summary(fm.d) == "");
  CHECK(fm.t.participant == "P03");
  CHECK(fm.t.participant_line == 2);
  CHECK(fm.t.participant_column == 14);
}

TEST_CASE("CRLF line endings: same lines, columns and text as LF") {
  const std::string lf =
      "---\n"
      "participant: P07\n"
      "speakers: {R: interviewer}\n"
      "---\n"
      "INT:\n"
      "P07: {a.b}one\n"
      "two{/a.b}\n"
      "{c.d}x }{/c.d}\n";
  std::string crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  Parsed a = Parse(lf, WithInterviewer());
  Parsed b = Parse(crlf, WithInterviewer());
  CHECK(Summary(a.d) == "stray-brace@8:8");
  CHECK(Summary(b.d) == Summary(a.d));
  REQUIRE(b.d.size() == 1);
  CHECK(b.d[0].source_line == "{c.d}x }{/c.d}");
  CHECK(b.t.participant == "P07");
  CHECK(b.t.line_count == a.t.line_count);
  REQUIRE(b.t.turns.size() == 2);
  CHECK(b.t.turns[0].line == 5);
  CHECK(b.t.turns[1].line == 6);
  REQUIRE(b.t.segments.size() == 2);
  REQUIRE(a.t.segments.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(b.t.segments[i].line_start == a.t.segments[i].line_start);
    CHECK(b.t.segments[i].line_end == a.t.segments[i].line_end);
    CHECK(b.t.segments[i].column == a.t.segments[i].column);
    CHECK(b.t.SegmentText(b.t.segments[i]) == a.t.SegmentText(a.t.segments[i]));
    CHECK(b.t.SegmentText(b.t.segments[i]).find('\r') == std::string::npos);
  }
  CHECK(b.t.SegmentText(b.t.segments[0]) == "one two");
  CHECK(b.t.segments[0].line_start == 6);
  CHECK(b.t.segments[0].line_end == 7);
}

TEST_CASE("CRLF line endings are normalised in the transcript text") {
  Parsed a = Parse("P07: {a.b}one\ntwo{/a.b}\nthree\n");
  Parsed b = Parse("P07: {a.b}one\r\ntwo{/a.b}\r\nthree\r\n");
  CHECK(b.t.text == a.t.text);
  CHECK(b.t.text.find('\r') == std::string::npos);
  REQUIRE(b.t.segments.size() == 1);
  CHECK(RawText(b.t, b.t.segments[0]) == "one\ntwo");
}

TEST_CASE("NFC: a decomposed code equals the composed one, segment text is NFC") {
  CodeIndex codes = TrainingCodes();
  ParseOptions o;
  o.codes = &codes;
  // "cafe" + U+0301 COMBINING ACUTE opens, the precomposed "café" closes.
  Parsed p = Parse("P07: {cafe\u0301.x}cafe\u0301 cr\u00e8me{/caf\u00e9.x}\n", o);
  CHECK(Summary(p.d) == "");
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].code == "caf\u00e9.x");
  CHECK(p.t.segments[0].target == ColumnRef{1, 0});
  CHECK(p.t.SegmentText(p.t.segments[0]) == "caf\u00e9 cr\u00e8me");

  // Opened composed, closed decomposed.
  Parsed q = Parse("{caf\u00e9.x}y{/cafe\u0301.x}\n", o);
  CHECK(Summary(q.d) == "");
  REQUIRE(q.t.segments.size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Errors: rule, line and column (in code points)

TEST_CASE("invalid UTF-8: every bad byte, with its byte offset") {
  Parsed p = Parse("P07: ok\nbad \xFF here \xC3( and\n\xE9t\xE9\n");
  CHECK(Summary(p.d) == "invalid-utf8@2:5; invalid-utf8@2:12; invalid-utf8@3:1; invalid-utf8@3:3");
  REQUIRE(p.d.size() == 4);
  CHECK(p.d[0].message == "invalid UTF-8: byte 0xFF at byte offset 12");
  CHECK(p.d[1].message == "invalid UTF-8: byte 0xC3 at byte offset 19");
  CHECK(p.d[2].message == "invalid UTF-8: byte 0xE9 at byte offset 26");
  CHECK(p.d[3].message == "invalid UTF-8: byte 0xE9 at byte offset 28");
  CHECK(p.d[0].hint ==
        "save the transcript as UTF-8 (most editors offer this under 'Save with encoding')");
  // The source line is shown with replacement characters.
  CHECK(p.d[0].source_line == "bad \xEF\xBF\xBD here \xEF\xBF\xBD( and");
  CHECK(p.t.line_count == 3);
}

TEST_CASE("invalid UTF-8: columns after a bad byte count it as one character, as displayed") {
  // Each lone continuation byte is shown as one U+FFFD, so '}' stands in column 9.
  Parsed p = Parse("P07: \x80\x80 }\n");
  CHECK(Summary(p.d) == "invalid-utf8@1:6; invalid-utf8@1:7; stray-brace@1:9");
  REQUIRE(p.d.size() == 3);
  CHECK(p.d[2].source_line == "P07: \xEF\xBF\xBD\xEF\xBF\xBD }");
}

TEST_CASE("unclosed segment: reported where it opened, and dropped") {
  Parsed p = Parse("P07: \u65e5\u672c {a.b}text\nmore\n");
  CHECK(Summary(p.d) == "unclosed-segment@1:10");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "segment 'a.b' is never closed");
  CHECK(p.d[0].hint == "close it with {/a.b} or {/} where the coded passage ends");
  CHECK(p.d[0].length == 3);
  CHECK(p.t.segments.empty());
}

TEST_CASE("close without open: nothing open") {
  Parsed p = Parse("P07: \u00e9 text{/a.b}\n");
  CHECK(Summary(p.d) == "close-without-open@1:14");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "'{/a.b}' closes 'a.b', which is not open");
  CHECK(p.d[0].hint == "no segment is open here; open it earlier with {a.b}");
  CHECK(p.d[0].length == 3);
}

TEST_CASE("close without open: other codes open, with did-you-mean") {
  Parsed p = Parse("{training.prequal}text{/training.prequel}{/}\n");
  CHECK(Summary(p.d) == "close-without-open@1:25");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "'{/training.prequel}' closes 'training.prequel', which is not open");
  CHECK(p.d[0].hint == "did you mean {/training.prequal}?");
  REQUIRE(p.t.segments.size() == 1);  // {/} closed the one that was open
  CHECK(p.t.SegmentText(p.t.segments[0]) == "text");

  Parsed far = Parse("{a.b, c.d}text{/zzzz.qqqq}{/}\n");
  CHECK(Summary(far.d) == "close-without-open@1:17");
  REQUIRE(far.d.size() == 1);
  CHECK(far.d[0].hint == "open here: a.b, c.d");
}

TEST_CASE("{/} with nothing open") {
  Parsed p = Parse("P07: \u65e5\u672c {/}\n");
  CHECK(Summary(p.d) == "close-without-open@1:9");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "'{/}' closes nothing: no segment is open here");
  CHECK(p.d[0].hint == "remove it, or open a segment with {code} before it");
  CHECK(p.d[0].length == 3);
}

TEST_CASE("a code opened twice") {
  Parsed p = Parse("P07: {a.b}one\n\u65e5\u672c {a.b}two{/a.b}\n");
  CHECK(Summary(p.d) == "code-already-open@2:5");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "code 'a.b' is already open");
  CHECK(p.d[0].hint == "it opened at line 1; close it with {/a.b} before opening it again");
  CHECK(p.d[0].length == 3);
  REQUIRE(p.t.segments.size() == 1);  // the first stays open, and closes
  CHECK(p.t.segments[0].line_start == 1);
  CHECK(p.t.segments[0].line_end == 2);
  CHECK(p.t.SegmentText(p.t.segments[0]) == "one \u65e5\u672c two");
}

TEST_CASE("unknown code, with did-you-mean from the framework's codes") {
  CodeIndex codes = TrainingCodes();
  ParseOptions o;
  o.codes = &codes;
  Parsed p = Parse(
      "P07: \u00e9 {trainng.prequal}x{/trainng.prequal}\n"
      "{training.postqual, zzz}y{/}\n",
      o);
  CHECK(Summary(p.d) == "unknown-code@1:9; unknown-code@2:21");
  REQUIRE(p.d.size() == 2);
  CHECK(p.d[0].message == "unknown code 'trainng.prequal'");
  CHECK(p.d[0].hint == "did you mean 'training.prequal'?");
  CHECK(p.d[0].length == 15);
  CHECK(p.d[1].message == "unknown code 'zzz'");
  CHECK(p.d[1].hint ==
        "add it to framework.yaml as 'theme.subtheme', or list it under a sub-theme's 'codes:'");
  REQUIRE(p.t.segments.size() == 3);
  CHECK_FALSE(p.t.segments[0].target.valid());
  CHECK(p.t.segments[1].target == ColumnRef{0, 1});
  CHECK_FALSE(p.t.segments[2].target.valid());
}

TEST_CASE("empty segment: reported at its opening tag, and dropped") {
  Parsed p = Parse("P07: \u65e5\u672c {a.b}  {/a.b}\n{c.d}\n\n{/c.d}\n");
  CHECK(Summary(p.d) == "empty-segment@1:10; empty-segment@2:2");
  REQUIRE(p.d.size() == 2);
  CHECK(p.d[0].message == "segment 'a.b' is empty");
  CHECK(p.d[0].hint == "code some text between {a.b} and its closing tag, or remove the tags");
  CHECK(p.t.segments.empty());
}

TEST_CASE("empty tags {} and { }") {
  Parsed p = Parse("P07: \u65e5\u672c {} and { }\n");
  CHECK(Summary(p.d) == "bad-tag@1:9; bad-tag@1:16");
  REQUIRE(p.d.size() == 2);
  CHECK(p.d[0].message == "empty tag '{}'");
  CHECK(p.d[0].length == 2);
  CHECK(p.d[1].message == "empty tag '{ }'");
  CHECK(p.d[1].length == 3);
}

TEST_CASE("an empty code between commas") {
  Parsed p = Parse("{a.b,,c.d}x\n");
  CHECK(Summary(p.d) == "bad-tag@1:1");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "empty code in tag '{a.b,,c.d}'");
}

TEST_CASE("a stray '}'") {
  Parsed p = Parse("P07: \u65e5\u672c } b\n");
  CHECK(Summary(p.d) == "stray-brace@1:9");
  REQUIRE(p.d.size() == 1);
  CHECK(p.d[0].message == "stray '}' outside a code tag");
  CHECK(p.d[0].hint == "write \\} for a literal brace");
}

TEST_CASE("a '{' without its '}' on the same line") {
  Parsed p = Parse("P07: \u65e5\u672c {a.b text\nmore} {x {c.d}y{/c.d}\n");
  CHECK(Summary(p.d) == "stray-brace@1:9; stray-brace@2:5; stray-brace@2:7");
  REQUIRE(p.d.size() == 3);
  CHECK(p.d[0].message == "'{' starts no code tag: no '}' follows it on this line");
  CHECK(p.d[0].hint == "close the tag with '}' on the same line, or write \\{ for a literal brace");
  CHECK(p.d[1].message == "stray '}' outside a code tag");
  REQUIRE(p.t.segments.size() == 1);  // {c.d} after the broken '{' still opens
  CHECK(p.t.segments[0].code == "c.d");
}

TEST_CASE("{some words} is not a code tag") {
  Parsed p = Parse("P07: \u65e5\u672c {some words} and {/a b}\n");
  CHECK(Summary(p.d) == "bad-tag@1:9; bad-tag@1:26");
  REQUIRE(p.d.size() == 2);
  CHECK(p.d[0].message == "'{some words}' is not a code tag: ' ' cannot appear in a code");
  CHECK(p.d[0].hint ==
        "codes use letters, digits, '-', '_' and '.'; write \\{ and \\} for literal braces");
  CHECK(p.d[0].length == 12);
  CHECK(p.d[1].message == "'{/a b}' is not a code tag: ' ' cannot appear in a code");
}

TEST_CASE("every error of a file is reported in one run") {
  Parsed p = Parse(
      "P07: stray } here\n"
      "{/}\n"
      "{x.y}never closed\n");
  CHECK(Summary(p.d) == "stray-brace@1:12; close-without-open@2:1; unclosed-segment@3:2");
  CHECK(p.d.size() == 3);
}

TEST_CASE("max_errors caps the errors reported, and a note says so") {
  ParseOptions o;
  o.max_errors = 2;
  Parsed p = Parse("} } } } }\n", o);
  CHECK(Summary(p.d) == "stray-brace@1:1; stray-brace@1:3; too-many-errors@1:5");
  REQUIRE(p.d.size() == 3);
  CHECK(p.d[2].severity == Severity::kNote);
  CHECK(p.d[2].message == "too many errors in this file; later ones are not shown");
  CHECK(framework::CountDiagnostics(p.d).errors == 2);
}

TEST_CASE("keep_text = false drops the text but keeps the segments") {
  ParseOptions o;
  o.keep_text = false;
  Parsed p = Parse("P07: {a.b}one\ntwo{/a.b}\n", o);
  CHECK(Summary(p.d) == "");
  CHECK(p.t.text.empty());
  REQUIRE(p.t.segments.size() == 1);
  CHECK(p.t.segments[0].line_start == 1);
  CHECK(p.t.segments[0].line_end == 2);
  CHECK(p.t.segments[0].column == 7);
  CHECK(p.t.SegmentText(p.t.segments[0]) == "");
  CHECK(p.t.line_count == 2);
  CHECK(p.t.bytes == 24);
}

// ---------------------------------------------------------------------------------------------
// Robustness

namespace {

// A C-escaped rendering of `text`, so a failing input can be pasted back into a test.
std::string Escaped(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b >= 0x7F) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    } else {
      out += c;
    }
  }
  return "\"" + out + "\"";
}

}  // namespace

TEST_CASE("pseudo-random input never crashes and every diagnostic is located in the input") {
  // clang-format off
  static const std::vector<std::string> kPieces = {
      "{", "}", "\\", "/", ",", ":", "\n", "\r", "\r\n", "INT:", "P07: ", "---", "---\n",
      "\xFF", "\xC3", "\x80", "\xE6\x97\xA5", "\xC3\xA9", "\xEF\xBB\xBF", "a", "b.c", "a.b", " ",
      "\t", "{a.b}", "{/a.b}", "{/}", "{a.b, b.c}", "{}", "x y", "participant: ", "speakers: {",
      "[", "'", "\""};
  // clang-format on
  CodeIndex codes;
  codes.Add("a.b", {0, 0});
  ParseOptions options;
  options.speakers = {{"INT", kInterviewer}};
  options.codes = &codes;
  options.stem = "P07";
  std::mt19937 rng(20221122);
  std::uniform_int_distribution<std::size_t> piece(0, kPieces.size() - 1);
  std::uniform_int_distribution<int> count(0, 40);
  // The first input breaking each property, so one run shows every kind of failure.
  std::string bad_line_count, bad_location, bad_segment;
  int diagnostics_seen = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = round % 3 == 0 ? "---\n" : "";
    for (int k = count(rng); k > 0; --k) text += kPieces[piece(rng)];

    // Lines as the user sees them: split at '\n'.
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < text.size();) {
      std::size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      lines.push_back(std::string_view(text).substr(start, nl - start));
      start = nl + 1;
    }
    const int line_total = static_cast<int>(lines.size());
    Diagnostics diagnostics;
    Transcript t = ParseTranscript("fuzz.txt", text, options, diagnostics);
    diagnostics_seen += static_cast<int>(diagnostics.size());
    if (t.line_count != line_total && bad_line_count.empty())
      bad_line_count = Escaped(text) + " has " + std::to_string(line_total) +
                       " lines, line_count " + std::to_string(t.line_count);
    for (const Diagnostic& d : diagnostics) {
      bool ok = d.line >= 1 && d.line <= std::max(1, line_total) && d.column >= 1;
      if (ok && line_total > 0) {
        const std::size_t width =
            framework::CountCharacters(lines[static_cast<std::size_t>(d.line - 1)]);
        ok = static_cast<std::size_t>(d.column) <= width + 1;
      }
      if (!ok && bad_location.empty())
        bad_location = Escaped(text) + ": " + d.rule + " at " + std::to_string(d.line) + ":" +
                       std::to_string(d.column);
    }
    for (const auto& s : t.segments) {
      const bool ok = s.line_start >= 1 && s.line_start <= s.line_end && s.line_end <= line_total &&
                      s.text_begin <= s.text_end && s.text_end <= t.text.size();
      if (!ok && bad_segment.empty())
        bad_segment = Escaped(text) + ": segment '" + s.code + "' L" +
                      std::to_string(s.line_start) + "-" + std::to_string(s.line_end);
    }
  }
  CHECK(bad_location == "");
  CHECK(bad_segment == "");
  CHECK(bad_line_count == "");
  CHECK(diagnostics_seen > 1000);  // the generator does reach the error paths
}
