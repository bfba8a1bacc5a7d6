// The use of each code of a study (`framework codes`): per sub-theme column and per code used in
// transcripts that the framework lacks.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/study.h"

namespace framework {

/// A code as written, with the number of segments coded with it.
struct CodeCount {
  std::string code;          ///< "theme.subtheme", or an alias
  std::size_t segments = 0;  ///< segments coded with exactly this code
};

/// The use of one sub-theme column.
struct ColumnStats {
  /// The codes that index into the column: "theme.subtheme" first, then its aliases in
  /// framework order (an alias equal to the first left out).
  std::vector<CodeCount> codes;
  std::size_t segments = 0;      ///< segments in the column
  std::size_t participants = 0;  ///< distinct participants with a segment in it
  std::size_t words = 0;         ///< participants' words in its segments (CountWords)
};

/// Where a code is used: a transcript (its path in the study) and the segment's first line.
struct CodePlace {
  std::string file;
  int line = 0;
};

/// A code used in transcripts that the framework lacks.
struct UnknownCode {
  std::string code;
  std::size_t segments = 0;
  std::size_t participants = 0;
  std::size_t words = 0;
  std::vector<CodePlace> places;  ///< every use, in transcript and segment order
};

/// The use of every code of a study.
struct CodeStats {
  /// columns[theme][subtheme], in framework order.
  std::vector<std::vector<ColumnStats>> columns;
  /// The unknown codes, ordered by code (bytewise).
  std::vector<UnknownCode> unknown;
};

/// Counts the use of each code over `study`'s transcripts (loaded with their text, so each
/// segment's participant text can be counted): each segment counts in its target column, or
/// under its code as an unknown code when it has no valid target. Words are the participant's
/// own (Transcript::ParticipantText), counted with CountWords.
CodeStats ComputeCodeStats(const Study& study);

/// Writes the report of `framework codes --format json` to `sink`: `format` "framework-codes",
/// `version` 1, `themes` (each theme of `framework` with its id, label and `subthemes`, each
/// with its id, label, `codes` (code and segments), segments, participants and words, from
/// `stats.columns`) and `unknown_codes` (each of `stats.unknown` with its code, segments,
/// participants, words and `places`, file and line). `stats` is ComputeCodeStats of a study
/// with this framework. Laid out as nlohmann's dump(2) with a final line break, invalid UTF-8
/// replaced; written a value at a time, in pieces of about 64 KiB.
void WriteCodeStatsJson(const Framework& framework, const CodeStats& stats,
                        const std::function<void(std::string_view)>& sink);

}  // namespace framework
