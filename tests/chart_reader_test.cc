// LoadChart's fast reader for plain chart files gives what yaml-cpp gives: the same cells, with
// the same positions, and, for files it leaves to yaml-cpp, the same diagnostics.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "run_binary.h"
#include "test_hooks.h"

namespace {

using namespace framework_test;

void CheckSame(const std::string& text) {
  framework::Diagnostics fast_d, slow_d;
  framework::Chart fast = framework::LoadChart("charts/t.yaml", text, fast_d);
  framework::Chart slow = framework::LoadChartWithYamlCpp("charts/t.yaml", text, slow_d);
  INFO(text);
  CHECK(fast.theme == slow.theme);
  CHECK(fast.theme_line == slow.theme_line);
  CHECK(fast.theme_column == slow.theme_column);
  REQUIRE(fast.cells.size() == slow.cells.size());
  for (std::size_t i = 0; i < fast.cells.size(); ++i) {
    const auto &a = fast.cells[i], &b = slow.cells[i];
    CHECK(a.participant == b.participant);
    CHECK(a.subtheme == b.subtheme);
    CHECK(a.status == b.status);
    CHECK(a.summary == b.summary);
    CHECK(a.comment == b.comment);
    CHECK(a.refs == b.refs);
    CHECK(a.at == b.at);
    CHECK(a.source == b.source);
    CHECK(a.updated == b.updated);
    CHECK(a.line == b.line);
    CHECK(a.column == b.column);
  }
  framework_test::CheckSameDiagnostics(fast_d, slow_d);
}

TEST_CASE("the fast chart reader agrees with yaml-cpp on the example's charts") {
  for (const char* name : {"training.yaml", "treatment.yaml"}) {
    const std::string text = ReadFile(kExample / "charts" / name);
    CheckSame(text);
    // Written back by SerializeChart (folded and literal blocks), read the same again.
    framework::Diagnostics d;
    framework::Chart chart = framework::LoadChart(name, text, d);
    CHECK(!chart.cells.empty());
    CheckSame(framework::SerializeChart(chart));
  }
}

TEST_CASE("the fast chart reader leaves control characters to yaml-cpp") {
  const std::string cell =
      "theme: training\ncells:\n  - participant: P1\n    subtheme: prequal\n"
      "    status: draft\n    summary: >-\n      a";
  for (const std::string& odd :
       {std::string(1, '\0'), std::string("\x01"), std::string("\x7F"), std::string("\xC2\x85"),
        std::string("\xE2\x80\xA8"), std::string("\xEF\xBB\xBF"), std::string("\xEF\xBF\xBE")})
    CheckSame(cell + odd + "b\n");
  // A plain value after more than one space: YAML drops the extra spaces.
  CheckSame(
      "theme: training\ncells:\n  - participant: P1\n    subtheme: prequal\n"
      "    status: draft\n    summary:    indented\n");
}

TEST_CASE("the fast chart reader agrees with yaml-cpp on plain and unusual files") {
  const std::string head = "# a comment\ntheme: training\ncells:\n";
  const std::vector<std::string> cells{
      // Plain shapes the fast reader takes.
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n",
      "  - participant: P1\n    subtheme: prequal\n    status: reviewed\n"
      "    summary: \"Quoted, with \\\"escapes\\\" and a \\\\ and\\nbreak – Siân\"\n"
      "    refs: [L1, L2-3]\n    source: 0123456789abcdef\n    updated: 2024-01-01T00:00:00Z\n",
      "  - participant: P2\n    subtheme: access\n    status: charted\n    summary: >-\n"
      "      One folded line\n      and another.\n    comment: |-\n      First\n\n      Third\n"
      "    refs: []\n",
      "  - {participant: P1, subtheme: prequal, status: draft}\n",
      "  - participant: P3\n    subtheme: prequal\n    status: charted\n    refs: [L2]\n"
      "    source: 0123456789abcdef\n    at: [L2-3, L9, L12-12]\n    updated: x\n",
      "  - participant: P3\n    subtheme: prequal\n    status: charted\n    at: []\n",
      "  - participant: P3\n    subtheme: prequal\n    status: charted\n    at: [\"L2\", L3]\n",
      "  - participant: P3\n    subtheme: prequal\n    status: charted\n    at:\n      - L2\n",
      // Shapes left to yaml-cpp, with and without diagnostics.
      "  - participant: P1\n    subtheme: prequal\n    status: finished\n",
      "  - participant: P1\n    subtheme: prequal\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    colour: red\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    refs: [L0]\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n"
      "  - participant: P1\n    subtheme: prequal\n    status: charted\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    summary: a plain\n"
      "      continued line\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    summary: ~\n",
      "  - participant: 'P1'\n    subtheme: prequal\n    status: draft\n    summary: \"\\u00e9\"\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    summary: >-\n"
      "      Folded\n\n      with a blank line\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    summary: x # note\n",
      "  - participant: P1\n    participant: P2\n    subtheme: prequal\n    status: draft\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    at: [L0, L2]\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    at: L2-3\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    at: [L2]\n"
      "    at: [L3]\n",
      "  - participant: P1\n    subtheme: prequal\n    status: draft\n    at: [L3-2, [L4]]\n",
  };
  for (const std::string& c : cells) CheckSame(head + c);
  std::string all = head;
  for (std::size_t i = 0; i < 3; ++i) all += cells[i];
  CheckSame(all);
  CheckSame("theme: training\ncells: []\n");
  CheckSame("theme: training\ncells:\n");
  CheckSame("cells:\n  - participant: P1\n    subtheme: x\n    status: draft\ntheme: training\n");
  CheckSame("theme: training\r\ncells: []\r\n");
}

TEST_CASE("CellSources gives what SegmentsByColumn and CellSource give") {
  framework::DiskFileSystem disk(kExample.string());
  framework::Study study = framework::LoadStudy(disk);
  REQUIRE(!study.transcripts.empty());
  // Non-ASCII text and odd white space too.
  framework::Diagnostics d;
  framework::ParseOptions options;
  options.codes = &study.framework.codes;
  options.speakers = study.framework.speakers;
  study.transcripts.push_back(framework::ParseTranscript(
      "transcripts/X.txt",
      "P9: {training.prequal}  Siân\tsaid   «non»\n  café{/training.prequal} and "
      "{training.prequal}   {/training.prequal}{training.access}x{/training.access}\n",
      options, d));
  std::size_t columns = 0;
  for (const framework::Transcript& t : study.transcripts) {
    std::vector<std::pair<framework::ColumnRef, std::string>> expected;
    for (const auto& [column, segments] : framework::SegmentsByColumn(t))
      expected.emplace_back(column, framework::CellSource(segments));
    const auto actual = framework::CellSources(t);
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      CHECK(actual[i].first == expected[i].first);
      CHECK(actual[i].second == expected[i].second);
    }
    columns += actual.size();
  }
  CHECK(columns > 20);
}

}  // namespace
