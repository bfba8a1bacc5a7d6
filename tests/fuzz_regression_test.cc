// Every input the fuzzers (fuzz/) found a problem with, fed again to the same target, compiled
// here as an ordinary function (fuzz/fuzz_target.h). Inputs live in
// tests/fuzz-regressions/<target>/<name>.<rule>: the target must come back (no crash, hang or
// sanitizer report: this suite also runs under AddressSanitizer + UBSan) with a diagnostic whose
// rule is <rule>, or with no error at all when <rule> is `clean`.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "framework/diagnostic.h"
#include "fuzz_target.h"
#include "test_paths.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = fs::path(FRAMEWORK_SOURCE_DIR) / "tests" / "fuzz-regressions";

std::vector<fs::path> Inputs(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("fuzz regressions: every kept input gives its diagnostic, not a crash") {
  const auto& targets = framework_fuzz::Targets();
  // The targets of fuzz/ are all compiled in.
  for (const char* name : {"transcript", "framework_yaml", "participants_yaml", "participants_csv",
                           "chart", "study", "refi_import", "codings_csv", "zip_reader", "merge"})
    CHECK_MESSAGE(targets.count(name) == 1, "target not compiled into the tests: " << name);
  REQUIRE(fs::is_directory(kRegressions));

  int inputs = 0;
  for (const auto& entry : fs::directory_iterator(kRegressions)) {
    if (!entry.is_directory()) continue;
    const std::string target = entry.path().filename().string();
    CAPTURE(target);
    const auto found = targets.find(target);
    REQUIRE_MESSAGE(found != targets.end(), "no fuzz target named after the folder");
    for (const fs::path& file : Inputs(entry.path())) {
      const std::string name = file.filename().string();
      const std::string expected = file.extension().string().substr(
          std::min<std::size_t>(1, file.extension().string().size()));
      CAPTURE(name);
      REQUIRE_MESSAGE(!expected.empty(), "name the expected rule as the extension");
      const std::string bytes = framework_test::ReadFile(file);
      framework::Diagnostics diagnostics;
      found->second(bytes, diagnostics);
      ++inputs;
      std::set<std::string> rules;
      for (const framework::Diagnostic& d : diagnostics) rules.insert(d.rule);
      INFO("diagnostics: ", framework_test::Summary(diagnostics));
      if (expected == "clean") {
        CHECK(framework::CountDiagnostics(diagnostics).errors == 0);
      } else {
        CHECK(rules.count(expected) == 1);
      }
    }
  }
  CHECK(inputs > 0);
}
