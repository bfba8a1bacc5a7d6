// End-to-end tests of `framework show`, run as a binary on the bundled example and on the small
// studies in tests/studies/ (see run_binary.h for how it is run).
//
// Goldens, in tests/golden/ (regenerate with UPDATE_GOLDENS=1 ./framework_tests -tc='*show*',
// then read the diff before committing it):
//   show-P07-head.txt       the first 20 lines of `framework show P07 --color never`
//   show-P07-prequal.txt    `framework show P07 --code training.prequal --width 60`
//   show-P07-cpd.txt        `framework show P07 --code cpd --width 60` (an alias)
//   show-P07-postqual.txt   `framework show P07 --code training.postqual --width 60`
//   show-P07-training.txt   `framework show P07 --code training --width 72` (a whole theme)
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/study.h"
#include "framework/text.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

// The example study, loaded through the library.
const framework::Study& ExampleStudy() {
  static const framework::Study study = [] {
    framework::DiskFileSystem disk(kExample.string());
    return framework::LoadStudy(disk);
  }();
  return study;
}

const framework::Transcript& ExampleTranscript(const std::string& participant) {
  const framework::Study& study = ExampleStudy();
  const int index = study.FindTranscript(participant);
  REQUIRE(index >= 0);
  return study.transcripts[static_cast<std::size_t>(index)];
}

// The lines of a file as `show` promises to print them: no BOM, no CR of a CRLF.
std::vector<std::string> FileLines(const fs::path& path) {
  std::string bytes = ReadFile(path);
  if (bytes.rfind("\xEF\xBB\xBF", 0) == 0) bytes.erase(0, 3);
  std::vector<std::string> lines = Lines(bytes);
  for (std::string& line : lines)
    if (!line.empty() && line.back() == '\r') line.pop_back();
  return lines;
}

// Splits a line of the transcript view into its number and its text; false if it has no gutter.
bool SplitGutter(const std::string& line, int* number, std::string* text) {
  static const std::string kBar = " │";
  const std::size_t bar = line.find(kBar);
  if (bar == std::string::npos || bar < 4) return false;
  const std::string digits(framework::Trim(std::string_view(line).substr(0, bar)));
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return false;
  *number = std::stoi(digits);
  std::string rest = line.substr(bar + kBar.size());
  if (!rest.empty()) {
    if (rest[0] != ' ') return false;
    rest.erase(0, 1);
  }
  *text = rest;
  return true;
}

// A one-theme study (a.b, a.c with the alias c-alias) with one participant, P01.
void WriteSmallStudy(const fs::path& dir, const std::string& transcript) {
  WriteFile(dir / "framework.yaml",
            "framework: 1\ntitle: t\nthemes:\n  - id: a\n    label: A\n    subthemes:\n"
            "      - {id: b, label: B}\n      - {id: c, label: C, codes: [c-alias]}\n");
  WriteFile(dir / "participants.yaml", "participants:\n  - {id: P01}\n");
  WriteFile(dir / "transcripts" / "P01.txt", transcript);
}

std::size_t MaxWidth(const std::string& text) {
  std::size_t width = 0;
  for (const std::string& line : Lines(text))
    width = std::max(width, framework::DisplayWidth(line));
  return width;
}

}  // namespace

TEST_CASE("show prints a transcript with line numbers, exactly as the file has it (golden)") {
  const RunResult r = Run({"show", "P07", "--color", "never"}, kExample);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = Lines(r.out);
  const std::vector<std::string> file = FileLines(kExample / "transcripts" / "P07.txt");
  const framework::Transcript& t = ExampleTranscript("P07");
  CHECK(lines.size() == 163);
  CHECK(static_cast<int>(lines.size()) == t.line_count);

  std::string head;
  for (std::size_t i = 0; i < std::min<std::size_t>(20, lines.size()); ++i) head += lines[i] + "\n";
  CheckGolden(kGoldens / "show-P07-head.txt", head);

  // Every line: its number, right-aligned, then the file's line byte for byte.
  REQUIRE(lines.size() == file.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("line ", i + 1, ": ", lines[i]);
    int number = 0;
    std::string text;
    REQUIRE(SplitGutter(lines[i], &number, &text));
    CHECK(number == static_cast<int>(i + 1));
    CHECK(lines[i].find(" │") == 4);  // "  12 │ ": a gutter of four for 163 lines
    CHECK(text == file[i]);
  }
  CHECK(r.err == "P07: transcripts/P07.txt, 163 lines, " + std::to_string(t.segments.size()) +
                     " segments\n");
  CHECK(r.out.find('\033') == std::string::npos);
}

TEST_CASE("show: the footer is quiet under -q and names the file from where the command ran") {
  const RunResult quiet = Run({"show", "P07", "-q", "--color", "never"}, kExample);
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  CHECK(Lines(quiet.out).size() == 163);

  const RunResult from_source = Run({"show", "P07", "-C", "examples/ipv-social-work"});
  CHECK(from_source.exit_code == 0);
  CHECK(from_source.err.rfind("P07: examples/ipv-social-work/transcripts/P07.txt, 163 lines, ",
                              0) == 0);
  CHECK(from_source.out == quiet.out);
}

TEST_CASE("show strips a BOM and the CR of CRLF line endings") {
  const fs::path study = kStudies / "crlf_bom_ok";
  const RunResult r = Run({"show", "P01", "--color", "never", "-q"}, study);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find('\r') == std::string::npos);
  CHECK(r.out.find("\xEF\xBB\xBF") == std::string::npos);
  const std::vector<std::string> lines = Lines(r.out);
  const std::vector<std::string> file = FileLines(study / "transcripts" / "P01.txt");
  REQUIRE(lines.size() == file.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    int number = 0;
    std::string text;
    REQUIRE(SplitGutter(lines[i], &number, &text));
    CHECK(text == file[i]);
  }
}

TEST_CASE("show --code lists one column's excerpts with line refs (golden)") {
  SUBCASE("theme.subtheme, wrapped to --width") {
    const RunResult r =
        Run({"show", "P07", "--code", "training.prequal", "--width", "60"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "show-P07-prequal.txt", r.out);
    CHECK(r.out.rfind("L76-78  ", 0) == 0);
    CHECK(MaxWidth(r.out) <= 60);
    CHECK(r.err == "P07: transcripts/P07.txt, 1 segment in training.prequal\n");
    // Continuation lines stand under the text, past the ref.
    for (const std::string& line : Lines(r.out))
      CHECK((line.rfind("L", 0) == 0 || line.rfind("        ", 0) == 0));
  }
  SUBCASE("an alias lists the whole column; the alias itself is shown bare") {
    const RunResult r = Run({"show", "P07", "--code", "cpd", "--width", "60"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "show-P07-cpd.txt", r.out);
    CHECK(r.out.rfind("L82-84  The local safeguarding partnership", 0) == 0);
    CHECK(!Contains(r.out, "[cpd]"));
    CHECK(r.err == "P07: transcripts/P07.txt, 1 segment in training.postqual\n");
  }
  SUBCASE("a segment coded with an alias of the column shows it in brackets") {
    const RunResult r =
        Run({"show", "P07", "--code", "training.postqual", "--width", "60"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "show-P07-postqual.txt", r.out);
    CHECK(r.out.rfind("L82-84  [cpd] The local safeguarding", 0) == 0);
  }
  SUBCASE("a theme id lists each of its columns under a heading") {
    const RunResult r = Run({"show", "P07", "--code", "training", "--width", "72"}, kExample);
    CHECK(r.exit_code == 0);
    CheckGolden(kGoldens / "show-P07-training.txt", r.out);
    CHECK(MaxWidth(r.out) <= 72);
    for (const char* column : {"training.prequal", "training.postqual", "training.access",
                               "training.content", "training.gaps"}) {
      INFO("column: ", column);
      CHECK(Contains(r.out, std::string(column) + "  "));
    }
  }
  SUBCASE("--code may be given several times, or with commas; a column named twice is one") {
    const RunResult r =
        Run({"show", "P07", "--code", "training.prequal", "--code", "cpd,training.postqual", "-q"},
            kExample);
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.out, "training.prequal  Pre-qualification teaching\n"));
    CHECK(Contains(r.out, "cpd → training.postqual  Post-qualification training\n"));
    CHECK(std::count(r.out.begin(), r.out.end(), 'L') >= 2);
    const std::size_t first = r.out.find("L82-84");
    REQUIRE(first != std::string::npos);
    CHECK(r.out.find("L82-84", first + 1) == std::string::npos);
  }
  SUBCASE("the width comes from --width, then COLUMNS, else 80") {
    const std::vector<std::string> args{"show", "P07", "--code", "role.caseload"};
    const RunResult by_flag = Run({"show", "P07", "--code", "role.caseload", "--width", "50"},
                                  kExample, {{"COLUMNS", "120"}});
    const RunResult by_columns = Run(args, kExample, {{"COLUMNS", "50"}});
    const RunResult by_default = Run(args, kExample);
    CHECK(by_flag.out == by_columns.out);
    CHECK(MaxWidth(by_flag.out) <= 50);
    CHECK(MaxWidth(by_default.out) <= 80);
    CHECK(MaxWidth(by_default.out) > 50);
  }
  SUBCASE("a column the participant has nothing in prints nothing") {
    TempDir tmp;
    WriteSmallStudy(tmp.path(), "P01: {a.b}Said something.{/a.b}\n");
    const RunResult r =
        Run({"show", "P01", "--code", "a.b", "--code", "a.c", "--color", "never"}, tmp.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out ==
          "a.b  B\n"
          "L1  Said something.\n"
          "\n"
          "a.c  C\n"
          "    (no segments)\n");
    const RunResult alone = Run({"show", "P01", "--code", "c-alias"}, tmp.path());
    CHECK(alone.exit_code == 0);
    CHECK(alone.out.empty());
    CHECK(alone.err == "P01: transcripts/P01.txt, 0 segments in a.c\n");
  }
}

TEST_CASE("show --format json gives the participant's segments") {
  const framework::Transcript& t = ExampleTranscript("P07");
  const RunResult r = Run({"show", "P07", "--format", "json"}, kExample);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto report = nlohmann::json::parse(r.out);
  CHECK(report.at("format") == "framework-show");
  CHECK(report.at("version") == 1);
  CHECK(report.at("participant") == "P07");
  CHECK(report.at("file") == "transcripts/P07.txt");
  CHECK(report.at("line_count") == 163);
  const auto& segments = report.at("segments");
  REQUIRE(segments.size() == t.segments.size());
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    const framework::Segment& expected = t.segments[i];
    INFO("segment ", i, ": ", s.dump());
    CHECK(s.at("code") == expected.code);
    CHECK(s.at("line_start") == expected.line_start);
    CHECK(s.at("line_end") == expected.line_end);
    CHECK(s.at("text") == t.SegmentText(expected));
    CHECK(s.at("theme").is_string());
    CHECK(s.at("subtheme").is_string());
    CHECK(s.at("speaker") == "P07");
  }
  CHECK(segments.at(0).at("code") == "role.background");
  CHECK(segments.at(0).at("theme") == "role");
  CHECK(segments.at(0).at("subtheme") == "background");

  SUBCASE("deterministic") {
    CHECK(Run({"show", "P07", "--format", "json"}, kExample).out == r.out);
  }
  SUBCASE("with --code, only that column's segments") {
    const auto selected = nlohmann::json::parse(
        Run({"show", "P07", "--format", "json", "--code", "cpd"}, kExample).out);
    CHECK(selected.at("line_count") == 163);
    REQUIRE(selected.at("segments").size() == 1);
    CHECK(selected.at("segments").at(0).at("code") == "cpd");
    CHECK(selected.at("segments").at(0).at("theme") == "training");
    CHECK(selected.at("segments").at(0).at("subtheme") == "postqual");
    CHECK(selected.at("segments").at(0).at("line_start") == 82);
    CHECK(selected.at("segments").at(0).at("line_end") == 84);
  }
  SUBCASE("every participant: as many segments as the library finds") {
    for (const framework::Transcript& each : ExampleStudy().transcripts) {
      INFO("participant: ", each.participant);
      const auto one =
          nlohmann::json::parse(Run({"show", each.participant, "--format", "json"}, kExample).out);
      CHECK(one.at("segments").size() == each.segments.size());
      CHECK(one.at("line_count") == each.line_count);
    }
  }
}

TEST_CASE("show: an unknown participant is a usage error with a suggestion") {
  const RunResult r = Run({"show", "P7"}, kExample);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "framework: error: no participant 'P7'\n  = hint: did you mean 'P07'?\n");

  const RunResult lower = Run({"show", "p07"}, kExample);
  CHECK(lower.exit_code == 2);
  CHECK(Contains(lower.err, "did you mean 'P07'?"));

  const RunResult far = Run({"show", "Q123456"}, kExample);
  CHECK(far.exit_code == 2);
  CHECK(Contains(far.err, "participants with transcripts: P01, P02,"));
  CHECK(Contains(far.err, "and 4 more"));
}

TEST_CASE("show: a declared participant without a transcript is a study error") {
  const RunResult r =
      Run({"show", "P03", "--color", "never"}, kStudies / "participant_without_transcript");
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(Contains(r.err, "framework: error: participant 'P03' is declared in participants.yaml:"));
  CHECK(Contains(r.err, "but has no transcript"));
}

TEST_CASE("show: an unknown code is a usage error with a suggestion") {
  const RunResult r = Run({"show", "P07", "--code", "trainng.prequal"}, kExample);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "framework: error: unknown code 'trainng.prequal'\n"
        "  = hint: did you mean 'training.prequal'?\n");
  const RunResult far = Run({"show", "P07", "--code", "zzzzzzzzzz", "--format", "json"}, kExample);
  CHECK(far.exit_code == 2);
  CHECK(far.out.empty());
  CHECK(Contains(far.err, "framework codes"));
}

TEST_CASE("show: usage errors and help") {
  SUBCASE("no participant") {
    const RunResult r = Run({"show"}, kExample);
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "is required"));
  }
  SUBCASE("a bad --width") {
    CHECK(Run({"show", "P07", "--code", "cpd", "--width", "0"}, kExample).exit_code == 2);
    CHECK(Run({"show", "P07", "--code", "cpd", "--width", "wide"}, kExample).exit_code == 2);
  }
  SUBCASE("no study") {
    TempDir tmp;
    const RunResult r = Run({"show", "P07"}, tmp.path());
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "no framework.yaml"));
  }
  SUBCASE("-C on a missing folder") {
    CHECK(Run({"show", "P07", "-C", "no/such/folder"}).exit_code == 3);
  }
  SUBCASE("--help lists every option, with examples") {
    const RunResult r = Run({"show", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"PARTICIPANT", "--code", "-f,--format", "-w,--width", "-C,--directory",
                             "--color", "-q,--quiet", "json", "Examples", "Exit codes",
                             "framework show P07 --code training.prequal"}) {
      INFO("mentions: ", word);
      CHECK(Contains(r.out, word));
    }
  }
}

TEST_CASE("show: colour only when asked for or on a terminal, and NO_COLOR respected") {
  const RunResult never = Run({"show", "P07", "--color", "never"}, kExample);
  const RunResult always = Run({"show", "P07", "--color", "always"}, kExample);
  CHECK(never.out.find('\033') == std::string::npos);
  CHECK(Contains(always.out, "\033["));
  // The colours only decorate: without them the output is the same.
  CHECK(StripAnsi(always.out) == never.out);
  // Tags dim, the speaker label bold, the segment's text in its theme's colour (role: the first
  // theme, cyan), back to plain after the closing tag.
  CHECK(Contains(always.out,
                 "\033[1mP07:\033[0m \033[2m{role.background}\033[0m\033[36mI'm a "
                 "social worker"));
  CHECK(Contains(always.out,
                 "\033[36mshort spell covering the court team.\033[0m"
                 "\033[2m{/role.background}\033[0m\n"));
  // Overlapping segments: the latest opened gives the colour (identification is the fourth
  // theme, magenta), and the earlier one's colour returns when it closes first.
  CHECK(Contains(always.out, "\033[2m{identification.facilitators}\033[0m\033[35m And we've got"));
  CHECK(Contains(always.out,
                 "\033[35mask.\033[0m\033[2m{/role.agencies}\033[0m"
                 "\033[2m{/identification.facilitators}\033[0m"));

  SUBCASE("--code output too") {
    const RunResult plain =
        Run({"show", "P07", "--code", "training.postqual", "--color", "never", "--width", "60"},
            kExample);
    const RunResult colour =
        Run({"show", "P07", "--code", "training.postqual", "--color", "always", "--width", "60"},
            kExample);
    CHECK(plain.out.find('\033') == std::string::npos);
    CHECK(Contains(colour.out, "\033["));
    CHECK(StripAnsi(colour.out) == plain.out);
  }
  SUBCASE("not in a pipe or a file, by default") {
    CHECK(Run({"show", "P07"}, kExample).out.find('\033') == std::string::npos);
  }
  SUBCASE("on a terminal, unless NO_COLOR is set") {
    RunStdout terminal;
    terminal.pty_columns = 100;
    const RunResult tty = Run({"show", "P07"}, kExample, {{"TERM", "xterm"}}, terminal);
    CHECK(tty.exit_code == 0);
    CHECK(Contains(tty.out, "\033["));
    CHECK(StripAnsi(tty.out) == never.out);
    const RunResult no_color =
        Run({"show", "P07"}, kExample, {{"TERM", "xterm"}, {"NO_COLOR", "1"}}, terminal);
    CHECK(no_color.exit_code == 0);
    CHECK(no_color.out == never.out);
    const RunResult dumb = Run({"show", "P07"}, kExample, {{"TERM", "dumb"}}, terminal);
    CHECK(dumb.out == never.out);
  }
  SUBCASE("FORCE_COLOR forces it; --color never still wins") {
    CHECK(Contains(Run({"show", "P07"}, kExample, {{"FORCE_COLOR", "1"}}).out, "\033["));
    CHECK(Run({"show", "P07", "--color", "never"}, kExample, {{"FORCE_COLOR", "1"}})
              .out.find('\033') == std::string::npos);
  }
  SUBCASE("the width of a terminal is used when neither --width nor COLUMNS is given") {
    RunStdout terminal;
    terminal.pty_columns = 45;
    const RunResult tty =
        Run({"show", "P07", "--code", "role.caseload", "--color", "never"}, kExample, {}, terminal);
    CHECK(tty.exit_code == 0);
    CHECK(tty.out ==
          Run({"show", "P07", "--code", "role.caseload", "--width", "45"}, kExample).out);
  }
}

TEST_CASE("show: a transcript with control characters cannot reach the terminal with them") {
  TempDir tmp;
  WriteSmallStudy(tmp.path(),
                  "P01: {a.b}plain \x1b[31mred\x1b[0m and \\{escaped\\} {not a tag}{/a.b}\n");
  const RunResult r = Run({"show", "P01", "--color", "never"}, tmp.path());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find('\033') == std::string::npos);
  CHECK(Contains(r.out, "\xEF\xBF\xBD[31mred"));
  CHECK(Contains(r.out, "\\{escaped\\} {not a tag}{/a.b}"));
  // The broken tag is shown as text and does not close or open anything.
  const RunResult colour = Run({"show", "P01", "--color", "always", "-q"}, tmp.path());
  CHECK(Contains(colour.out,
                 "\xEF\xBF\xBD[0m and \\{escaped\\} {not a tag}\033[0m\033[2m{/a.b}\033[0m\n"));
  CHECK(Contains(r.err, "note: transcripts/P01.txt has 1 error"));
}

TEST_CASE("show: a failed write to stdout is an input/output failure, exit 3") {
  if (!fs::exists("/dev/full")) return;
  RunStdout full;
  full.file = "/dev/full";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"show", "P07"},
                                             {"show", "P07", "--format", "json"},
                                             {"show", "P07", "--code", "cpd"}}) {
    INFO("args: ", args.size());
    const RunResult r = Run(args, kExample, {}, full);
    CHECK(r.exit_code == 3);
    CHECK(Contains(r.err, "cannot write output"));
  }
}
