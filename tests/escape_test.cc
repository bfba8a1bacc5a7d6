// Escape for the target (issue 13.5) and the hostile-input items of issue 14 that concern
// diagnostics and the command line: Markdown that stays text, diagnostics that print no control
// character and a bounded excerpt of a long line, error counts past the cap, deep YAML, follow-on
// warnings, NFC ids, SOURCE_DATE_EPOCH, a missing pager, integer digits and --width.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "framework/diagnostic.h"
#include "framework/markdown.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "framework/transcript.h"
#include "framework/yaml_write.h"
#include "run_binary.h"

namespace {

using framework::Diagnostic;
using framework::MarkdownBreaks;
using framework::MarkdownEscape;
using framework::RenderDiagnostic;
using framework::Severity;
using namespace framework_test;

// A small study: one theme with two sub-themes, two participants, one chart. `title`,
// `label` and `summary` land in framework.yaml and the chart as YAML double-quoted strings.
struct Study {
  TempDir tmp;
  fs::path root() const { return tmp.path(); }
};

// Quoted as `init` quotes what it writes into framework.yaml.
using framework::YamlQuoted;

void WriteStudy(const fs::path& root, const std::string& title = "Study",
                const std::string& label = "Formal services",
                const std::string& summary = "Uses the day centre (L6).",
                const std::string& role = "spouse", const std::string& theme = "support") {
  WriteFile(root / "framework.yaml",
            "framework: 1\n"
            "title: " +
                YamlQuoted(title) +
                "\n"
                "transcripts: transcripts/\n"
                "participants: participants.yaml\n"
                "speakers: {INT: interviewer}\n"
                "attribution: \"{role}\"\n"
                "themes:\n"
                "  - id: " +
                theme +
                "\n"
                "    label: Sources of support\n"
                "    subthemes:\n"
                "      - id: formal\n"
                "        label: " +
                YamlQuoted(label) +
                "\n"
                "      - id: informal\n"
                "        label: Family and friends\n");
  WriteFile(root / "participants.yaml",
            "attributes:\n"
            "  role: {type: category, values: [" +
                YamlQuoted(role) +
                ", parent]}\n"
                "participants:\n"
                "  - {id: P01, role: " +
                YamlQuoted(role) +
                "}\n"
                "  - {id: P02, role: parent}\n");
  fs::create_directories(root / "transcripts");
  const std::string code = theme + ".formal";
  WriteFile(root / "transcripts" / "P01.txt",
            "---\nparticipant: P01\n---\nINT: Any services?\n\n"
            "P01: {" +
                code + "}The day centre takes him two mornings a week.{/" + code + "}\n");
  WriteFile(root / "transcripts" / "P02.txt",
            "---\nparticipant: P02\n---\nINT: Any services?\n\n"
            "P02: {" +
                theme + ".informal}My sister, really.{/" + theme + ".informal}\n");
  fs::create_directories(root / "charts");
  WriteFile(root / "charts" / (theme + ".yaml"), "theme: " + theme +
                                                     "\n"
                                                     "cells:\n"
                                                     "  - participant: P01\n"
                                                     "    subtheme: formal\n"
                                                     "    status: charted\n"
                                                     "    summary: " +
                                                     YamlQuoted(summary) +
                                                     "\n"
                                                     "    refs: [L6]\n");
}

Diagnostic Located(std::string line, int column, int length = 1) {
  Diagnostic d;
  d.file = "t.txt";
  d.line = 3;
  d.column = column;
  d.length = length;
  d.message = "m";
  framework::SetSourceLine(d, line);
  return d;
}

// The source line and the caret line of a rendering (its 2nd and 3rd lines), each after " | ".
std::pair<std::string, std::string> SourceAndCaret(const std::string& rendered) {
  const auto lines = Lines(rendered);
  REQUIRE(lines.size() >= 3);
  auto body = [](const std::string& l) { return l.substr(l.find(" | ") + 3); };
  return {body(lines[1]), body(lines[2])};
}

// `text` with each "…" (three bytes, one column) as '.', so byte offsets are columns.
std::string OneByteEllipsis(std::string text) {
  for (std::size_t at = text.find("\u2026"); at != std::string::npos; at = text.find("\u2026"))
    text.replace(at, 3, ".");
  return text;
}

// True when `raw` occurs in `text` with no backslash before it (a Markdown escape), e.g.
// "<script" in "<script>" but not in "\\<script\\>".
bool ContainsUnescaped(const std::string& text, const std::string& raw) {
  for (std::size_t at = text.find(raw); at != std::string::npos; at = text.find(raw, at + 1))
    if (at == 0 || text[at - 1] != '\\') return true;
  return false;
}

}  // namespace

// ---- Markdown -------------------------------------------------------------------------------

TEST_CASE("MarkdownEscape: HTML, links, emphasis and list starts come out as text") {
  CHECK(MarkdownEscape("<script>alert(1)</script>") == "\\<script\\>alert(1)\\</script\\>");
  CHECK(MarkdownEscape("<img src=x onerror=alert(1)>") == "\\<img src=x onerror=alert(1)\\>");
  CHECK(MarkdownEscape("[click](javascript:alert(1))") == "\\[click\\](javascript:alert(1))");
  CHECK(MarkdownEscape("<javascript:alert(1)>") == "\\<javascript:alert(1)\\>");
  CHECK(MarkdownEscape("![x](y)") == "!\\[x\\](y)");
  CHECK(MarkdownEscape("a *bold* _move_ `code` ~~gone~~ #tag | pipe") ==
        "a \\*bold\\* \\_move\\_ \\`code\\` \\~\\~gone\\~\\~ \\#tag \\| pipe");
  CHECK(MarkdownEscape("&lt;b&gt; \\") == "\\&lt;b\\&gt; \\\\");
  CHECK(MarkdownEscape("- not a list") == "\\- not a list");
  CHECK(MarkdownEscape("+1") == "\\+1");
  CHECK(MarkdownEscape("12. not a list") == "12\\. not a list");
  CHECK(MarkdownEscape("3) either") == "3\\) either");
  CHECK(MarkdownEscape("2022 was 3. good") == "2022 was 3. good");
  CHECK(MarkdownEscape("two\nlines\r\nthree") == "two lines three");
  CHECK(MarkdownEscape("two\nlines\r\nthree", MarkdownBreaks::kBr) == "two<br>lines<br>three");
  CHECK(MarkdownEscape("Zoë — 日本語, plain (L3).") == "Zoë — 日本語, plain (L3).");
}

TEST_CASE("export --format md escapes title, labels, summaries and attribute values") {
  Study s;
  WriteStudy(s.root(), "A *bold* <script>alert(1)</script> study",
             "Formal <img src=x onerror=alert(1)>",
             "See [here](javascript:alert(1)) and <b>this</b> *now*", "sp<i>ouse");
  // --allow-identifying: the two participants' roles would be withheld (min_group is 3).
  RunResult r =
      Run({"export", "--format", "md", "--attributes", "role", "--allow-identifying"}, s.root());
  REQUIRE(r.exit_code == 0);
  INFO(r.out);
  for (const char* raw : {"<script", "<img", "](javascript:", "<b>", "<i>", "*now*", "*bold*"})
    CHECK_FALSE(ContainsUnescaped(r.out, raw));
  CHECK(r.out.rfind("# A \\*bold\\* \\<script\\>alert(1)\\</script\\> study\n", 0) == 0);
  CHECK(Contains(r.out, "Formal \\<img src=x onerror=alert(1)\\>"));
  CHECK(Contains(r.out, "See \\[here\\](javascript:alert(1)) and \\<b\\>this\\</b\\> \\*now\\*"));
  CHECK(Contains(r.out, "sp\\<i\\>ouse"));

  // One escaper: the title comes out the same in export and summarise.
  RunResult sum = Run({"summarise", "--format", "md"}, s.root());
  REQUIRE(sum.exit_code == 0);
  CHECK(sum.out.rfind("# A \\*bold\\* \\<script\\>alert(1)\\</script\\> study\n", 0) == 0);
  CHECK_FALSE(ContainsUnescaped(sum.out, "<script"));
  CHECK_FALSE(ContainsUnescaped(sum.out, "<img"));
  CHECK_FALSE(ContainsUnescaped(sum.out, "](javascript:"));
}

// ---- Diagnostics: control characters, long lines, invisible characters --------------------

TEST_CASE("RenderDiagnostic: control characters are shown as escapes, the caret still right") {
  // ESC ] 0 ; title BEL retitles a terminal window; ESC [ 2 J clears the screen.
  Diagnostic d = Located("P01: \x1b]0;pwned\x07{bad}\x1b[2J x", 16, 5);
  const std::string out = RenderDiagnostic(d);
  INFO(out);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  auto [source, caret] = SourceAndCaret(out);
  CHECK(source == "P01: \\x1b]0;pwned\\x07{bad}\\x1b[2J x");
  // Column 16 is '{' (ESC is column 6, BEL column 15): after the escapes, at byte 21 shown.
  CHECK(caret == std::string(source.find('{'), ' ') + "^~~~~");
  CHECK(Contains(out, "= note: \\x1b at column 6 is U+001B ESCAPE"));
  CHECK(Contains(out, "= note: \\x07 at column 15 is U+0007"));

  // DEL and C1 controls (U+009B is a one-character CSI) likewise; a tab is one space.
  Diagnostic c1 = Located(
      "a\x7f\xc2\x9b"
      "2Jb\tc",
      7);
  const std::string c1_out = RenderDiagnostic(c1);
  CHECK(c1_out.find("\xc2\x9b") == std::string::npos);
  CHECK(c1_out.find('\x7f') == std::string::npos);
  auto [c1_source, c1_caret] = SourceAndCaret(c1_out);
  CHECK(c1_source == "a\\x7f\\x9b2Jb c");
  // Column 7 is the tab, shown as the one space before the final 'c'.
  CHECK(c1_caret == std::string(c1_source.size() - 2, ' ') + "^");

  // Messages, hints and paths go through the same escaping.
  Diagnostic m = Located("x", 1);
  m.file = "transcripts/\x1b[31mP01.txt";
  m.message = "bad tag '{\x1b[2J}'";
  m.hint = "remove \x1b";
  const std::string m_out = RenderDiagnostic(m);
  CHECK(m_out.find('\x1b') == std::string::npos);
  CHECK(Contains(m_out, "transcripts/\\x1b[31mP01.txt:3:1: error: bad tag '{\\x1b[2J}'"));
}

TEST_CASE("RenderDiagnostic: invisible and direction-changing characters are named") {
  Diagnostic d = Located("P01: {a\u200Bb} and \u202Eevil\u202C \u00A0x", 6, 5);
  const std::string out = RenderDiagnostic(d);
  INFO(out);
  auto [source, caret] = SourceAndCaret(out);
  CHECK(source == "P01: {a\\u200bb} and \\u202eevil\\u202c \\xa0x");
  CHECK(caret == "     ^~~~~~~~~~");
  CHECK(Contains(out, "= note: \\u200b at column 8 is U+200B ZERO WIDTH SPACE\n"));
  CHECK(Contains(out, "= note: \\u202e at column 16 is U+202E RIGHT-TO-LEFT OVERRIDE\n"));
  CHECK(Contains(out, "= note: \\u202c at column 21 is U+202C POP DIRECTIONAL FORMATTING\n"));
  CHECK(Contains(out, "= note: 1 more kind of invisible or control character"));
  CHECK(out.find("\u202E") == std::string::npos);
  CHECK(out.find("\u200B") == std::string::npos);

  // A BOM inside a line and a word joiner; CJK text and its full-width space stay as they are.
  Diagnostic bom = Located("\u65e5\u672c\u3000x\uFEFFy\u2060", 5);
  const std::string bom_out = RenderDiagnostic(bom);
  CHECK(Contains(bom_out, "\u65e5\u672c\u3000x\\ufeffy\\u2060"));
  CHECK(Contains(bom_out, "U+FEFF ZERO WIDTH NO-BREAK SPACE"));
  CHECK(Contains(bom_out, "U+2060 WORD JOINER"));
  auto [bom_source, bom_caret] = SourceAndCaret(bom_out);
  CHECK(bom_caret == "       ^~~~~~");  // 2+2+2 columns of CJK and space, then x
}

TEST_CASE("SetSourceLine keeps a bounded excerpt; the rendering cuts around the caret") {
  // One 1 MB line with the problem at column 500,001.
  std::string line(1000000, 'a');
  line.replace(500000, 5, "{bad}");
  Diagnostic d = Located(line, 500001, 5);
  CHECK(d.source_line.size() == framework::kSourceExcerptChars);
  CHECK(d.source_start == 500001 - framework::kSourceExcerptBefore);
  CHECK(d.source_cut);
  CHECK(d.source_line.substr(framework::kSourceExcerptBefore, 5) == "{bad}");

  const std::string out = RenderDiagnostic(d);
  INFO(out);
  CHECK(out.size() < 400);
  auto [source, caret] = SourceAndCaret(out);
  CHECK(source.rfind("\u2026", 0) == 0);
  CHECK(source.size() >= 3);
  CHECK(source.compare(source.size() - 3, 3, "\u2026") == 0);
  const std::string shown = OneByteEllipsis(source);
  CHECK(shown.size() <= 102);
  const std::size_t at = caret.find('^');
  REQUIRE(at < shown.size());
  CHECK(shown.substr(at, 5) == "{bad}");
  CHECK(caret.substr(at) == "^~~~~");

  // Near the start of a long line: cut only after; escapes near the column still line up.
  std::string early(5000, 'b');
  early.replace(10, 1, "\x1b");
  early.replace(20, 1, "X");
  Diagnostic e = Located(early, 21);
  CHECK(e.source_start == 1);
  auto [e_source, e_caret] = SourceAndCaret(RenderDiagnostic(e));
  CHECK(e_source.rfind("bbbbbbbbbb\\x1bbbbbbbbbbX", 0) == 0);
  CHECK(e_source.compare(e_source.size() - 3, 3, "\u2026") == 0);
  CHECK(e_caret == std::string(23, ' ') + "^");

  // A long line of wide characters and of control characters stays within about 100 columns.
  std::string wide;
  for (int i = 0; i < 3000; ++i) wide += "\u65e5";
  auto [w_source, w_caret] = SourceAndCaret(RenderDiagnostic(Located(wide, 1500)));
  CHECK(framework::DisplayWidth(w_source) <= 102);
  CHECK(w_caret.find('^') % 2 == 1);  // after the 1-column ellipsis, on a 2-column character
  std::string escapes(3000, '\x01');
  auto [x_source, x_caret] = SourceAndCaret(RenderDiagnostic(Located(escapes, 3000)));
  CHECK(OneByteEllipsis(x_source).size() <= 102);
  CHECK(OneByteEllipsis(x_source).substr(x_caret.find('^'), 4) == "\\x01");
}

TEST_CASE("SourceText diagnostics hold an excerpt of a long line, not the line") {
  std::string text = "first\n" + std::string(3000000, 'z') + "{x}\n";
  framework::SourceText source("t.txt", text);
  Diagnostic d = source.At(Severity::kError, "r", 6 + 3000000, "m");
  CHECK(d.line == 2);
  CHECK(d.column == 3000001);
  CHECK(d.source_line.size() <= 4 * framework::kSourceExcerptChars);
  CHECK(d.source_line.substr(framework::kSourceExcerptBefore, 3) == "{x}");
}

// ---- Error counts past the cap --------------------------------------------------------------

TEST_CASE("a 2.5 MB one-line transcript with 20,000 unknown codes: 100 listed, 20,000 counted") {
  Study s;
  WriteStudy(s.root());
  std::string line = "P02: ";
  const std::string words(100, 'w');
  for (int i = 0; i < 20000; ++i) line += "{nope.code}" + words + " {/nope.code} ";
  REQUIRE(line.size() > 2500000);
  WriteFile(s.root() / "transcripts" / "P02.txt", "---\nparticipant: P02\n---\n" + line + "\n");

  // The library: 100 errors, then one note standing for the other 19,900.
  framework::Diagnostics diagnostics;
  framework::ParseOptions options;
  framework::Framework f;
  options.stem = "P02";
  const std::string bytes = ReadFile(s.root() / "transcripts" / "P02.txt");
  framework::CodeIndex none;
  options.codes = &none;
  framework::ParseTranscript("P02.txt", bytes, options, diagnostics);
  REQUIRE(diagnostics.size() == 101);
  CHECK(diagnostics[100].rule == "too-many-errors");
  CHECK(diagnostics[100].unlisted == 19900);
  CHECK(framework::CountDiagnostics(diagnostics).errors == 20000);
  CHECK(framework::CountDiagnostics(diagnostics).unlisted_errors == 19900);
  for (const Diagnostic& d : diagnostics)
    CHECK(d.source_line.size() <= 4 * framework::kSourceExcerptChars);

  RunResult text = Run({"check"}, s.root());
  CHECK(text.exit_code == 1);
  CHECK(std::count(text.err.begin(), text.err.end(), '\n') < 600);
  std::size_t listed = 0;
  for (const std::string& l : Lines(text.err)) listed += Contains(l, ": error: unknown code");
  CHECK(listed == 100);
  CHECK(Contains(text.err, "too many errors in this file: 19900 more are counted but not shown"));
  CHECK(Contains(text.err, ": 20000 errors (19900 not shown), "));

  RunResult json = Run({"check", "--format", "json"}, s.root());
  CHECK(json.exit_code == 1);
  const auto report = nlohmann::json::parse(json.out);
  CHECK(report["summary"]["errors"] == 20000);
  CHECK(report["summary"]["unlisted_errors"] == 19900);
  std::size_t errors = 0, notes = 0;
  for (const auto& item : report["diagnostics"]) {
    errors += item["severity"] == "error";
    if (item["rule"] == "too-many-errors") {
      ++notes;
      CHECK(item["unlisted"] == 19900);
    }
  }
  CHECK(errors == 100);
  CHECK(notes == 1);
}

TEST_CASE("check: a transcript line with ESC prints no ESC byte") {
  Study s;
  WriteStudy(s.root());
  WriteFile(s.root() / "transcripts" / "P02.txt",
            "---\nparticipant: P02\n---\nP02: \x1b]0;pwned\x07\x1b[2J{nope.code}x{/nope.code}\n");
  RunResult r = Run({"check", "--color", "never"}, s.root());
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x07') == std::string::npos);
  CHECK(Contains(r.err, "P02: \\x1b]0;pwned\\x07\\x1b[2J{nope.code}x{/nope.code}"));
  CHECK(Contains(r.err, "is U+001B ESCAPE"));
  // With colour, the only ESC bytes are the tool's own SGR sequences.
  RunResult colour = Run({"check", "--color", "always"}, s.root());
  CHECK(StripAnsi(colour.err).find('\x1b') == std::string::npos);
}

// ---- Issue 14: load errors, YAML depth, ids, environment, digits, width --------------------

TEST_CASE("check: a broken framework.yaml gives its error and no follow-on chart warnings") {
  Study s;
  WriteStudy(s.root());
  WriteFile(s.root() / "framework.yaml", "framework: 1\nthemes: [\n  - id: : :\n");
  RunResult r = Run({"check"}, s.root());
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(Contains(r.err, "framework.yaml:"));
  CHECK_FALSE(Contains(r.err, "unknown theme"));
  CHECK_FALSE(Contains(r.err, "warning:"));
}

TEST_CASE("check: YAML nested thousands deep says depth, at its place") {
  Study s;
  WriteStudy(s.root());
  WriteFile(s.root() / "framework.yaml",
            "framework: 1\ntitle: " + std::string(3000, '[') + std::string(3000, ']') + "\n");
  RunResult r = Run({"check"}, s.root());
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(Contains(r.err, "framework.yaml:2:"));
  CHECK(Contains(r.err, "error: invalid YAML: nesting deeper than 1999 levels"));
  CHECK(Contains(r.err, "hint: framework files nest a few levels deep"));
  CHECK_FALSE(Contains(r.err, "bad file"));
  CHECK(r.err.size() < 2000);

  // A participants file and a chart likewise.
  WriteStudy(s.root());
  WriteFile(s.root() / "participants.yaml", std::string(5000, '-') + " x\n");
  WriteFile(s.root() / "charts" / "support.yaml",
            "theme: support\ncells: " + std::string(2500, '{') + "\n");
  RunResult p = Run({"check"}, s.root());
  CHECK(p.exit_code == 1);
  INFO(p.err);
  CHECK(Contains(p.err, "participants.yaml:1:"));
  // yaml-cpp places the depth error where its parser gave up: on an unclosed flow mapping,
  // the end of the file.
  CHECK(Contains(p.err, "charts/support.yaml:3:1: error: invalid YAML: nesting deeper than"));
  CHECK(std::count(p.err.begin(), p.err.end(), '\n') < 30);
}

TEST_CASE("command-line ids are NFC-normalised before lookup") {
  Study s;
  const std::string nfc = "caf\u00e9", nfd = "cafe\u0301";
  WriteStudy(s.root(), "Study", "Formal services", "Uses the day centre (L6).", "spouse", nfc);
  REQUIRE(Run({"check"}, s.root()).exit_code == 0);
  RunResult chart = Run({"chart", nfd, "--width", "100"}, s.root());
  CHECK(chart.exit_code == 0);
  CHECK(Contains(chart.out, "Uses the day centre"));
  CHECK_FALSE(Contains(chart.err, "did you mean"));
  CHECK(Run({"summarise", nfd}, s.root()).exit_code == 0);
  CHECK(Run({"export", nfd, "--format", "csv"}, s.root()).exit_code == 0);
  CHECK(Run({"quotes", nfd + ".formal"}, s.root()).exit_code == 0);
  RunResult show = Run({"show", "P01", "--code", nfd + ".formal"}, s.root());
  CHECK(show.exit_code == 0);
  CHECK(Contains(show.out, "day centre"));
}

TEST_CASE("an invalid SOURCE_DATE_EPOCH is a usage error for chart and export") {
  Study s;
  WriteStudy(s.root());
  for (const char* bad : {"abc", "-1", "1e9", "99999999999999999999", "253402300800", " 12"}) {
    INFO(bad);
    RunResult e =
        Run({"export", "--format", "qdpx", "-o", "x.qdpx"}, s.root(), {{"SOURCE_DATE_EPOCH", bad}});
    CHECK(e.exit_code == 2);
    CHECK(Contains(e.err, "error: invalid SOURCE_DATE_EPOCH '" + std::string(bad) + "'"));
    CHECK(Contains(e.err, "from 0 to 253402300799"));
    CHECK_FALSE(fs::exists(s.root() / "x.qdpx"));
    RunResult c = Run({"chart", "support"}, s.root(), {{"SOURCE_DATE_EPOCH", bad}});
    CHECK(c.exit_code == 2);
  }
  CHECK(Run({"export", "--format", "qdpx", "-o", "x.qdpx"}, s.root(),
            {{"SOURCE_DATE_EPOCH", "253402300799"}})
            .exit_code == 0);
  CHECK(Run({"chart", "support"}, s.root(), {{"SOURCE_DATE_EPOCH", "0"}}).exit_code == 0);
  CHECK(Run({"check"}, s.root(), {{"SOURCE_DATE_EPOCH", "abc"}}).exit_code == 0);
}

TEST_CASE("chart: a pager that cannot run falls back to plain output") {
  Study s;
  WriteStudy(s.root());
  for (const auto& env : std::vector<std::map<std::string, std::string>>{
           {{"PAGER", "/nonexistent"}, {"FRAMEWORK_PAGER", ""}},
           {{"FRAMEWORK_PAGER", "nonexistent-cmd --flag"}},
           {{"FRAMEWORK_PAGER", "/dev/null"}}}) {
    RunResult r = Run({"chart", "support", "--pager", "always", "--width", "100"}, s.root(), env);
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "Uses the day centre"));
  }
  // A pager that runs gets the text.
  RunResult cat = Run({"chart", "support", "--pager", "always", "--width", "100"}, s.root(),
                      {{"FRAMEWORK_PAGER", "cat"}});
  CHECK(cat.exit_code == 0);
  CHECK(Contains(cat.out, "Uses the day centre"));
}

TEST_CASE("integer attributes keep their digits; beyond 64 bits is a located error") {
  Study s;
  WriteStudy(s.root());
  // Declared integer: 19 digits within range are kept exactly; 20 digits are refused, located.
  WriteFile(s.root() / "participants.yaml",
            "attributes:\n"
            "  role: {type: category, values: [spouse, parent]}\n"
            "  years: {type: integer}\n"
            "participants:\n"
            "  - {id: P01, role: spouse, years: 9223372036854775807}\n"
            "  - {id: P02, role: parent, years: 99999999999999999999}\n");
  RunResult bad = Run({"check"}, s.root());
  CHECK(bad.exit_code == 1);
  CHECK(Contains(bad.err, "participants.yaml:6:"));
  CHECK(Contains(bad.err, "'99999999999999999999' is beyond the range of an integer"));
  CHECK(Contains(bad.err, "as a string to keep long digit strings"));
  CHECK_FALSE(Contains(bad.err, "9223372036854775807'"));
  RunResult json = Run({"export", "--format", "json"}, s.root());
  CHECK(Contains(json.out, "9223372036854775807"));
  CHECK_FALSE(Contains(json.out, "e+"));

  // An undeclared CSV column of long digit strings stays text, digits and all.
  fs::remove(s.root() / "participants.yaml");
  std::string yaml = ReadFile(s.root() / "framework.yaml");
  yaml.replace(yaml.find("participants.yaml"), 17, "participants.csv");
  WriteFile(s.root() / "framework.yaml", yaml);
  WriteFile(s.root() / "participants.csv",
            "id,role,ref\nP01,spouse,99999999999999999999\nP02,parent,12\n");
  RunResult csv = Run({"export", "--format", "json"}, s.root());
  CHECK(csv.exit_code == 0);
  const std::string csv_output = csv.out + csv.err;
  INFO(csv_output);
  CHECK(Contains(csv.out, "\"99999999999999999999\""));
  CHECK_FALSE(Contains(csv.out, "1e+20"));
  RunResult chart = Run({"chart", "support", "--attributes", "ref", "--width", "200"}, s.root());
  CHECK(Contains(chart.out, "99999999999999999999"));
  RunResult summary = Run({"summarise", "--by", "ref", "--min-group", "1"}, s.root());
  CHECK_FALSE(Contains(summary.out, "1e+20"));
}

TEST_CASE("--width beyond 10,000 is a usage error in every command that takes it") {
  Study s;
  WriteStudy(s.root());
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"chart", "support", "--width", "999999999"},
                                             {"show", "P01", "--width", "999999999"},
                                             {"quotes", "support.formal", "--width", "10001"},
                                             {"summarise", "-w", "999999999999999999999"},
                                             {"chart", "support", "--width", "0"}}) {
    RunResult r = Run(args, s.root());
    INFO(args[0], " ", args.back());
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "width"));
    CHECK(r.out.empty());
  }
  CHECK(Run({"chart", "support", "--width", "10000"}, s.root()).exit_code == 0);
  // $COLUMNS beyond the limit is ignored (80 columns).
  CHECK(Run({"chart", "support"}, s.root(), {{"COLUMNS", "999999999"}}).exit_code == 0);
}
