// The coded-transcript parser: front matter, speaker turns, code tags, escapes, UTF-8.
// fuzz-seeds: tests/studies/*/transcripts/*.txt examples/*/transcripts/*.txt
// fuzz-seeds: tests/studies-chart/*/transcripts/*.txt
// fuzz-dict: transcript.dict
#include <string>

#include "framework/codebook.h"
#include "framework/text.h"
#include "framework/transcript.h"
#include "fuzz_target.h"

namespace {

// A small framework, so that codes resolve, unknown ones get a "did you mean" and aliases count.
const framework::Framework& Study() {
  static const framework::Framework f = [] {
    framework::Diagnostics ignored;
    return framework::LoadFramework("framework.yaml", R"(framework: 1
title: Fuzzing
speakers: {INT: interviewer, R1: interviewer, OBS: other}
themes:
  - id: training
    label: Training
    subthemes:
      - {id: prequal, label: Before qualifying}
      - {id: postqual, label: After qualifying, codes: [cpd, post-qual]}
  - id: practice
    label: Practice
    subthemes:
      - {id: risk, label: Risk}
)",
                                    ignored);
  }();
  return f;
}

}  // namespace

FRAMEWORK_FUZZ_TARGET(transcript) {
  framework::ParseOptions options;
  options.speakers = Study().speakers;
  options.stem = "P01";
  options.codes = &Study().codes;
  framework::Transcript t =
      framework::ParseTranscript("transcripts/P01.txt", data, options, diagnostics);
  // Every segment's ranges lie inside the text, and its text can be shown. (Texts of the first
  // segments only: hundreds of overlapping segments, each to the end, are quadratic to copy out.)
  std::size_t shown = 0;
  for (const framework::Segment& s : t.segments) {
    FRAMEWORK_FUZZ_CHECK(s.text_begin <= s.text_end && s.text_end <= t.text.size());
    FRAMEWORK_FUZZ_CHECK(s.line_start >= 1 && s.line_end >= s.line_start);
    if (s.text_begin <= s.text_end && s.text_end <= t.text.size() && ++shown <= 64) {
      const std::string text = t.SegmentText(s);
      // Its pieces by speaker lie inside its lines and, joined by spaces, are its text (NFC
      // can only differ where the text is not UTF-8).
      std::string joined;
      for (const framework::SpeakerPiece& piece : t.SpeakerPieces(s)) {
        FRAMEWORK_FUZZ_CHECK(!piece.text.empty());
        FRAMEWORK_FUZZ_CHECK(piece.line_start >= s.line_start && piece.line_end <= s.line_end &&
                             piece.line_start <= piece.line_end);
        joined += (joined.empty() ? "" : " ") + piece.text;
      }
      FRAMEWORK_FUZZ_CHECK(joined == text || !framework::IsValidUtf8(text));
    }
  }
}
