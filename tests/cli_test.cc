// End-to-end tests of the `framework` binary: the real executable is run on the studies in
// tests/studies/ and on the bundled example, and its streams and exit code are checked.
//
// Goldens. Every folder tests/studies/<case>/ is a small study with one kind of problem, and
// holds the expected output of running, with the case folder as the working directory:
//   expected.txt         stderr of `framework check --color never`, then a line `exit: N`
//   expected.json        stdout of `framework check --format json`
//   expected-strict.txt  (some cases) stderr of `framework check --strict --color never` + exit
// tests/golden/codes-example.txt holds stdout of `framework codes` on examples/ipv-social-work.
//
// To regenerate the goldens after an intended change of output, run the tests with
//   UPDATE_GOLDENS=1 ./framework_tests -tc='*golden*'
// (or `UPDATE_GOLDENS=1 ctest -R golden`), then READ the diff (git diff tests/) before committing
// it: a golden is a promise about what users see, not a snapshot of whatever the code prints
// today. Some goldens were written by hand where the binary's output was judged wrong (e.g. the
// bad_yaml_* and bad_csv cases expect no follow-on errors from a participants or framework file
// that failed to parse); regenerating must not quietly bless such a bug back in.
//
// The studies themselves are plain files; tests/studies/.gitattributes marks them `-text` so git
// keeps the BOM, CRLF and invalid UTF-8 cases byte for byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "framework/codebook.h"
#include "run_binary.h"

namespace {

using namespace framework_test;

// Cases whose `--strict` run also has a golden (warnings that --strict turns into errors).
const std::set<std::string> kStrictCases = {"unknown_key_warning",
                                            "participant_without_transcript"};

std::vector<fs::path> CaseDirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kStudies))
    if (entry.is_directory()) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

// The text diagnostics' first lines, "path:line:col: severity: message", built from the JSON
// report, so the two formats can be held to saying the same thing.
std::vector<std::string> HeadersFromJson(const nlohmann::json& report) {
  std::vector<std::string> headers;
  for (const auto& d : report.at("diagnostics")) {
    std::string where = d.at("file").get<std::string>();
    if (d.contains("line")) {
      where += ":" + std::to_string(d.at("line").get<int>());
      if (d.contains("column")) where += ":" + std::to_string(d.at("column").get<int>());
    }
    headers.push_back(where + ": " + d.at("severity").get<std::string>() + ": " +
                      d.at("message").get<std::string>());
  }
  return headers;
}

}  // namespace

TEST_CASE("the broken studies in tests/studies match their golden output") {
  const std::vector<fs::path> cases = CaseDirs();
  REQUIRE(cases.size() >= 22);
  for (const fs::path& dir : cases) {
    const std::string name = dir.filename().string();
    SUBCASE(name.c_str()) {
      INFO("case: ", name);
      const bool whole = fs::exists(dir / "transcripts") || name == "missing_transcripts_folder";
      REQUIRE_MESSAGE(whole, "each case is a whole study");

      const RunResult text = Run({"check", "--color", "never"}, dir);
      CHECK_MESSAGE(text.out.empty(), "diagnostics go to stderr, never stdout");
      CHECK(text.err.find('\033') == std::string::npos);
      CheckGolden(dir / "expected.txt",
                  text.err + "exit: " + std::to_string(text.exit_code) + "\n");

      const RunResult json = Run({"check", "--format", "json"}, dir);
      CHECK(json.exit_code == text.exit_code);
      CheckGolden(dir / "expected.json", json.out);
      if (json.exit_code == 0 || json.exit_code == 1) {
        CHECK_MESSAGE(json.err.empty(), "with --format json the report is all on stdout");
        const auto report = nlohmann::json::parse(json.out);
        CHECK(report.at("format") == "framework-check");
        CHECK(report.at("version") == 1);
        CHECK(report.at("study") == ".");
        std::size_t errors = 0, warnings = 0;
        for (const auto& d : report.at("diagnostics")) {
          CHECK(d.at("rule").get<std::string>().size() > 0);
          CHECK(d.at("message").get<std::string>().size() > 0);
          errors += d.at("severity") == "error";
          warnings += d.at("severity") == "warning";
        }
        CHECK(report.at("summary").at("errors") == errors);
        CHECK(report.at("summary").at("warnings") == warnings);
        CHECK(json.exit_code == (errors > 0 ? 1 : 0));
        // The text and JSON reports list the same diagnostics, in the same order.
        std::size_t from = 0;
        for (const std::string& header : HeadersFromJson(report)) {
          INFO("diagnostic: ", header);
          const std::size_t at = text.err.find(header + "\n", from);
          CHECK(at != std::string::npos);
          if (at != std::string::npos) from = at + header.size();
        }
      } else {
        CHECK(json.out.empty());
      }

      if (kStrictCases.count(name) || fs::exists(dir / "expected-strict.txt")) {
        const RunResult strict = Run({"check", "--strict", "--color", "never"}, dir);
        CHECK(strict.out.empty());
        CheckGolden(dir / "expected-strict.txt",
                    strict.err + "exit: " + std::to_string(strict.exit_code) + "\n");
      }
    }
  }
}

TEST_CASE("a clean study with a BOM, CRLF line endings and non-ASCII text checks clean") {
  const RunResult r = Run({"check", "--strict", "--color", "never"}, kStudies / "crlf_bom_ok");
  CHECK(r.exit_code == 0);
  CHECK(Contains(r.err, "no problems found"));
}

TEST_CASE("the example study checks clean") {
  SUBCASE("from its folder") {
    const RunResult r = Run({"check"}, kExample);
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "14 transcripts, 14 participants"));
    CHECK(Contains(r.err, "no problems found"));
  }
  SUBCASE("from a sub-folder, found like git finds a repository") {
    const RunResult r = Run({"check"}, kExample / "transcripts");
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "no problems found"));
  }
  SUBCASE("with -C") {
    const RunResult r = Run({"check", "-C", kExample.string()}, fs::temp_directory_path());
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "no problems found"));
  }
  SUBCASE("with --strict") {
    const RunResult r = Run({"check", "--strict", "-C", kExample.string()});
    CHECK(r.exit_code == 0);
    CHECK(Contains(r.err, "no problems found"));
  }
  SUBCASE("with -q, which leaves nothing to say") {
    const RunResult r = Run({"check", "-q", "-C", kExample.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.empty());
  }
}

TEST_CASE("check --format json on the example parses and counts the study") {
  const RunResult r = Run({"check", "--format", "json"}, kExample);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto report = nlohmann::json::parse(r.out);
  CHECK(report.at("format") == "framework-check");
  CHECK(report.at("version") == 1);
  CHECK(report.at("summary").at("errors") == 0);
  CHECK(report.at("summary").at("warnings") == 0);
  CHECK(report.at("summary").at("transcripts") == 14);
  CHECK(report.at("summary").at("participants") == 14);
  CHECK(report.at("summary").at("segments").get<int>() > 0);
  CHECK(report.at("diagnostics").empty());
}

TEST_CASE("codes on the example lists every sub-theme (golden)") {
  const RunResult r = Run({"codes"}, kExample);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CheckGolden(kSourceDir / "tests" / "golden" / "codes-example.txt", r.out);

  // Every sub-theme of framework.yaml has a row naming it and its default code.
  framework::Diagnostics diagnostics;
  const framework::Framework f = framework::LoadFramework(
      "framework.yaml", ReadFile(kExample / "framework.yaml"), diagnostics);
  REQUIRE(diagnostics.empty());
  REQUIRE(!f.themes.empty());
  std::vector<std::string> rows;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  std::size_t subthemes = 0;
  for (const auto& theme : f.themes) {
    for (const auto& sub : theme.subthemes) {
      ++subthemes;
      const std::string code = theme.id + "." + sub.id;
      INFO("sub-theme: ", code);
      const bool found = std::any_of(rows.begin(), rows.end(), [&](const std::string& row) {
        std::istringstream words(row);
        std::vector<std::string> cells;
        for (std::string w; words >> w;) cells.push_back(w);
        return std::find(cells.begin(), cells.end(), sub.id) != cells.end() &&
               (std::find(cells.begin(), cells.end(), code) != cells.end() ||
                std::find(cells.begin(), cells.end(), code + ",") != cells.end());
      });
      CHECK(found);
    }
  }
  CHECK(rows.size() == subthemes + 1);  // a header, then one row per sub-theme
}

TEST_CASE("codes --format json on the example parses and agrees with check") {
  const RunResult r = Run({"codes", "--format", "json"}, kExample);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto codes = nlohmann::json::parse(r.out);
  CHECK(codes.at("format") == "framework-codes");
  CHECK(codes.at("version") == 1);
  CHECK(codes.at("unknown_codes").empty());
  std::size_t segments = 0, subthemes = 0;
  for (const auto& theme : codes.at("themes")) {
    for (const auto& sub : theme.at("subthemes")) {
      ++subthemes;
      segments += sub.at("segments").get<std::size_t>();
      CHECK(sub.at("participants").get<int>() <= 14);
      CHECK(sub.at("codes").at(0).at("code") ==
            theme.at("id").get<std::string>() + "." + sub.at("id").get<std::string>());
    }
  }
  CHECK(subthemes == 25);
  const auto check = nlohmann::json::parse(Run({"check", "--format", "json"}, kExample).out);
  CHECK(segments == check.at("summary").at("segments").get<std::size_t>());
}

TEST_CASE("init scaffolds a study that checks clean") {
  TempDir tmp;
  const RunResult r = Run({"init", "my-study", "--title", "Carers' experiences"}, tmp.path());
  CHECK(r.exit_code == 0);
  const fs::path study = tmp.path() / "my-study";
  CHECK(fs::is_regular_file(study / "framework.yaml"));
  CHECK(fs::is_regular_file(study / "participants.yaml"));
  CHECK(fs::is_regular_file(study / "transcripts" / "P01.txt"));
  CHECK(Contains(ReadFile(study / "framework.yaml"), "Carers' experiences"));

  const RunResult check = Run({"check", "--strict", "--color", "never"}, study);
  CHECK(check.exit_code == 0);
  CHECK(Contains(check.err, "no problems found"));
  const RunResult codes = Run({"codes"}, study);
  CHECK(codes.exit_code == 0);

  SUBCASE("init in the current folder, by default") {
    TempDir here;
    const RunResult again = Run({"init"}, here.path());
    CHECK(again.exit_code == 0);
    CHECK(fs::is_regular_file(here.path() / "framework.yaml"));
    CHECK(Run({"check"}, here.path()).exit_code == 0);
  }
}

TEST_CASE("init over an existing study keeps every file byte-identical") {
  TempDir tmp;
  const fs::path study = tmp.path() / "study";
  REQUIRE(Run({"init", study.string()}, tmp.path()).exit_code == 0);
  {
    std::ofstream out(study / "framework.yaml", std::ios::binary | std::ios::app);
    out << "# sentinel: the researcher's own edit, which init must never lose\n";
  }
  {
    std::ofstream out(study / "participants.yaml", std::ios::binary | std::ios::trunc);
    out << "participants:\n  - {id: P01}\n";
  }
  const auto before = Snapshot(study);
  REQUIRE(before.size() == 3);

  const RunResult r = Run({"init", study.string()}, tmp.path());
  CHECK(r.exit_code == 0);
  CHECK(Snapshot(study) == before);
  CHECK(Contains(ReadFile(study / "framework.yaml"), "# sentinel: the researcher's own edit"));
  CHECK(Contains(r.out, "kept"));

  SUBCASE("and fills in only what is missing") {
    fs::remove(study / "transcripts" / "P01.txt");
    const RunResult fill = Run({"init", study.string()}, tmp.path());
    CHECK(fill.exit_code == 0);
    CHECK(fs::is_regular_file(study / "transcripts" / "P01.txt"));
    CHECK(ReadFile(study / "framework.yaml") == before.at("framework.yaml"));
    CHECK(ReadFile(study / "participants.yaml") == before.at("participants.yaml"));
  }
}

TEST_CASE("usage errors exit 2 and say what to do") {
  SUBCASE("a mistyped command suggests the right one") {
    const RunResult r = Run({"chekc"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "'chekc' is not a framework command"));
    CHECK(Contains(r.err, "did you mean 'framework check'?"));
  }
  SUBCASE("an unknown command far from any other points at --help") {
    const RunResult r = Run({"frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "framework --help"));
  }
  SUBCASE("no command at all") {
    const RunResult r = Run({});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(!r.err.empty());
  }
  SUBCASE("an unknown option") {
    const RunResult r = Run({"check", "--frobnicate", "-C", kExample.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "--frobnicate"));
    CHECK(Contains(r.err, "--help"));
  }
  SUBCASE("a bad --format value") {
    const RunResult r = Run({"check", "--format", "xml", "-C", kExample.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "xml"));
  }
  SUBCASE("a bad --color value") {
    const RunResult r = Run({"check", "--color", "sometimes", "-C", kExample.string()});
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "sometimes"));
  }
  SUBCASE("an empty -o on every command that takes one") {
    // Not standard output (merge, quotes and summarise took "" for it) nor a file with no name.
    TempDir tmp;
    const std::string part = (tmp.path() / "p.json").string();
    REQUIRE(Run({"export", "-C", kExample.string(), "--format", "json", "--only", "P0*", "-q", "-o",
                 part})
                .exit_code == 0);
    const std::vector<std::vector<std::string>> commands = {
        {"export", "-C", kExample.string(), "--format", "json"},
        {"summarise", "-C", kExample.string()},
        {"quotes", "role.background", "-C", kExample.string()},
        {"merge", part},
        {"import", part},
    };
    for (const auto& command : commands)
      for (const char* form : {"-o", "--output"}) {
        std::vector<std::string> args = command;
        args.insert(args.end(), {form, ""});
        const RunResult r = Run(args, tmp.path());
        CAPTURE(args[0]);
        CAPTURE(r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(Contains(r.err, "--output: the path is empty"));
      }
    const RunResult joined = Run({"merge", part, "--output="}, tmp.path());
    CHECK(joined.exit_code == 2);  // CLI11 takes it for a missing value
    CHECK(Contains(joined.err, "--output"));
  }
  SUBCASE("no study here or above") {
    TempDir tmp;
    const RunResult r = Run({"check"}, tmp.path());
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "no framework.yaml"));
    CHECK(Contains(r.err, "framework init"));
  }
}

TEST_CASE("-C on a missing folder is an input/output failure, exit 3") {
  for (const char* command : {"check", "codes"}) {
    INFO("command: ", command);
    const RunResult r = Run({command, "-C", "no/such/folder"});
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, "no/such/folder"));
  }
}

TEST_CASE("--help is complete and exits 0") {
  SUBCASE("framework --help lists every command") {
    const RunResult r = Run({"--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"init", "check", "codes", "--help", "--version", "Exit codes"}) {
      INFO("mentions: ", word);
      CHECK(Contains(r.out, word));
    }
  }
  SUBCASE("framework check --help lists every option") {
    const RunResult r = Run({"check", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"-h,--help", "-C,--directory", "--color", "-q,--quiet", "-j,--jobs",
                             "-f,--format", "--strict", "json", "Exit codes", "Examples"}) {
      INFO("mentions: ", word);
      CHECK(Contains(r.out, word));
    }
  }
  SUBCASE("framework codes --help lists every option") {
    const RunResult r = Run({"codes", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* word :
         {"-C,--directory", "--color", "-q,--quiet", "-j,--jobs", "-f,--format", "Examples"}) {
      INFO("mentions: ", word);
      CHECK(Contains(r.out, word));
    }
  }
  SUBCASE("framework init --help lists every option") {
    const RunResult r = Run({"init", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* word : {"DIR", "--title", "Example"}) {
      INFO("mentions: ", word);
      CHECK(Contains(r.out, word));
    }
  }
  SUBCASE("--version") {
    const RunResult r = Run({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(!r.out.empty());
  }
}

TEST_CASE("output is deterministic") {
  SUBCASE("two runs of check --format json are byte-identical") {
    const RunResult a = Run({"check", "--format", "json"}, kExample);
    const RunResult b = Run({"check", "--format", "json"}, kExample);
    CHECK(a.exit_code == 0);
    CHECK(a.out == b.out);
  }
  SUBCASE("--jobs 1 and --jobs 2 give the same report") {
    for (const fs::path& dir : {kExample, kStudies / "several_errors_one_file",
                                kStudies / "invalid_utf8", kStudies / "duplicate_participant"}) {
      INFO("study: ", dir.string());
      const RunResult one = Run({"check", "--format", "json", "--jobs", "1"}, dir);
      const RunResult two = Run({"check", "--format", "json", "--jobs", "2"}, dir);
      CHECK(one.exit_code == two.exit_code);
      CHECK(one.out == two.out);
      const RunResult text_one = Run({"check", "--color", "never", "-j", "1"}, dir);
      const RunResult text_two = Run({"check", "--color", "never", "-j", "2"}, dir);
      CHECK(text_one.err == text_two.err);
      const RunResult codes_one = Run({"codes", "-j", "1"}, dir);
      const RunResult codes_two = Run({"codes", "-j", "2"}, dir);
      CHECK(codes_one.out == codes_two.out);
    }
  }
}

TEST_CASE("paths in diagnostics lead to the file from where the command ran") {
  const fs::path study = kStudies / "unknown_code";
  SUBCASE("-C with a relative path") {
    const RunResult r = Run({"check", "--color", "never", "-C", "tests/studies/unknown_code"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("tests/studies/unknown_code/transcripts/P02.txt:8:55: error: ", 0) == 0);
  }
  SUBCASE("-C with an absolute path, from elsewhere") {
    TempDir tmp;
    const RunResult r = Run({"check", "--color", "never", "-C", study.string()}, tmp.path());
    CHECK(r.exit_code == 1);
    const std::string suffix = "transcripts/P02.txt:8:55: error: ";
    const std::size_t at = r.err.find(suffix);
    REQUIRE(at != std::string::npos);
    const fs::path shown = r.err.substr(0, at) + "transcripts/P02.txt";
    const fs::path resolved = shown.is_absolute() ? shown : tmp.path() / shown;
    CHECK(fs::equivalent(resolved, study / "transcripts" / "P02.txt"));
  }
  SUBCASE("from a sub-folder of the study") {
    const RunResult r = Run({"check", "--color", "never"}, study / "transcripts");
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("../transcripts/P02.txt:8:55: error: ", 0) == 0);
  }
}

TEST_CASE("colour only when asked for, or on a terminal") {
  const fs::path study = kStudies / "unknown_code";
  CHECK(Run({"check", "--color", "always"}, study).err.find("\033[") != std::string::npos);
  CHECK(Run({"check"}, study).err.find('\033') == std::string::npos);
  CHECK(Run({"check"}, study, {{"FORCE_COLOR", "1"}}).err.find("\033[") != std::string::npos);
  CHECK(Run({"check", "--color", "never"}, study, {{"FORCE_COLOR", "1"}}).err.find('\033') ==
        std::string::npos);
}

TEST_CASE("a failed write to stdout is an input/output failure, exit 3") {
  if (!fs::exists("/dev/full")) return;
  RunStdout full;
  full.file = "/dev/full";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"codes"}, {"codes", "--format", "json"}, {"check", "--format", "json"}}) {
    INFO("args: ", args.front(), " ", args.size());
    const RunResult r = Run(args, kExample, {}, full);
    CHECK(r.exit_code == 3);
    CHECK(Contains(r.err, "cannot write output"));
  }
}

TEST_CASE("codes lists the codes a transcript uses that the framework lacks") {
  const RunResult r = Run({"codes"}, kStudies / "unknown_code");
  CHECK(r.exit_code == 0);  // codes reports use; only check judges the study
  CHECK(Contains(r.out, "Codes in transcripts that the framework lacks"));
  CHECK(Contains(r.out, "suport.infromal"));
  CHECK(Contains(r.out, "transcripts/P02.txt:8"));
  CHECK(Contains(r.err, "run 'framework check'"));

  const auto json =
      nlohmann::json::parse(Run({"codes", "--format", "json"}, kStudies / "unknown_code").out);
  REQUIRE(json.at("unknown_codes").size() == 1);
  CHECK(json.at("unknown_codes").at(0).at("code") == "suport.infromal");
  CHECK(json.at("unknown_codes").at(0).at("places").at(0).at("line") == 8);
}
