// The REFI-QDA round trip: a study exported with `framework export --format qdpx` and imported
// back with `framework import` is the same study. "The same" is measured by the whole model as
// `framework export --format json` gives it (framework with codes and aliases, participants with
// typed attributes, every segment with its lines, speaker and text, every chart entry), which must
// be byte-identical; and the imported study checks clean.
#include <doctest/doctest.h>

#include <string>

#include "run_binary.h"

namespace {

using namespace framework_test;

// Exports `study` to a .qdpx, imports it into a new folder, and compares the two studies.
void CheckRoundTrip(const fs::path& study) {
  TempDir tmp;
  const fs::path qdpx = tmp.path() / "project.qdpx";
  const fs::path back = tmp.path() / "imported";
  RunResult out = Run({"export", "-C", study.string(), "-o", qdpx.string()});
  INFO("export: ", out.err);
  REQUIRE(out.exit_code == 0);
  RunResult in = Run({"import", qdpx.string(), "-o", back.string()});
  INFO("import: ", in.err);
  REQUIRE(in.exit_code == 0);
  CHECK(in.err.find("0 errors, 0 warnings") != std::string::npos);

  RunResult check = Run({"check", "--strict", "-C", back.string()});
  INFO("check: ", check.out, check.err);
  CHECK(check.exit_code == 0);

  RunResult original = Run({"export", "--format", "json", "-C", study.string()});
  RunResult imported = Run({"export", "--format", "json", "-C", back.string()});
  REQUIRE(original.exit_code == 0);
  REQUIRE(imported.exit_code == 0);
  CHECK(original.out.size() > 1000);
  CHECK(imported.out == original.out);

  // And what the researcher sees: the codebook with its use, and a chart.
  CHECK(Run({"codes", "-C", back.string()}).out == Run({"codes", "-C", study.string()}).out);
}

TEST_CASE("refi round trip: the example exported to qdpx and imported back is the same study") {
  CheckRoundTrip(kExample);
}

TEST_CASE("refi round trip: non-BMP text, CRLF, aliases, typed attributes and charts survive") {
  TempDir tmp;
  const fs::path root = tmp.path() / "study";
  WriteFile(root / "framework.yaml", R"(framework: 1
title: Round trip 🙂
description: Text outside the Basic Multilingual Plane, CRLF line ends, aliases and typed values.
speakers: {INT: interviewer}
attribution: "{role}, {years} years"
min_group: 1
themes:
  - id: voices
    label: Voices
    description: What people said.
    subthemes:
      - id: plain
        label: Plain talk
      - id: faces
        label: Faces 😀 and flags 🇨🇾
        codes: [emoji]
  - id: other
    label: Other matters
    subthemes:
      - id: one
        label: Ünïcode — 𠀋 and Welsh
)");
  WriteFile(root / "participants.yaml", R"(attributes:
  role: {type: category, values: [practitioner, manager]}
  years: {type: integer}
  senior: {type: boolean}
participants:
  - {id: P1, role: practitioner, years: 3, senior: false}
  - {id: P2, role: manager, years: 12, senior: true}
  - {id: P3}
)");
  WriteFile(root / "transcripts" / "P1.txt",
            "INT: Tell me.\r\n"
            "\r\n"
            "P1: {voices.faces}A smile 😀👍🏽 then a flag 🇨🇾.{/voices.faces} "
            "{voices.plain}Plain after emoji 𠀋.{/voices.plain}\r\n"
            "{other.one}Mae'n ddrwg gen i,\r\n"
            "zażółć gęślą jaźń.{/other.one}\r\n");
  WriteFile(root / "transcripts" / "P2.txt",
            "P2: {emoji}🙂 only{/emoji} and {voices.plain}overlapping {other.one}text"
            "{/voices.plain} here{/other.one}.\n");
  WriteFile(root / "transcripts" / "P3.txt", "P3: Nothing coded at all.\n");
  WriteFile(root / "charts" / "voices.yaml", R"(theme: voices
cells:
  - participant: P1
    subtheme: faces
    status: charted
    summary: "Smiles 😀 and a flag (L3)."
    refs: [L3]
  - participant: P2
    subtheme: plain
    status: draft
    summary: Overlapping text.
)");
  REQUIRE(Run({"check", "--strict", "-C", root.string()}).exit_code == 0);
  CheckRoundTrip(root);
}

}  // namespace
