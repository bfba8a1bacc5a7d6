// Coded transcripts: the parser and what it produces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/diagnostic.h"

namespace framework {

/// A coded segment: the text between `{code}` and its closing tag.
struct Segment {
  std::string code;              ///< the code as written, NFC-normalised
  ColumnRef target;              ///< the matrix column the code indexes into (framework given)
  std::uint32_t text_begin = 0;  ///< byte range in `Transcript::text`
  std::uint32_t text_end = 0;
  int line_start = 0;  ///< line of the opening tag (1-based, front matter counted)
  int line_end = 0;    ///< line of the closing tag
  int column = 0;      ///< code-point column of the code name in its opening tag
  int turn = -1;       ///< index into `Transcript::turns` where it opened, -1 before any
  int speaker = -1;    ///< index into `Transcript::speakers`
};

/// One coded passage as a matrix cell holds it: its text on its own, without the transcript's.
struct CellSegment {
  std::string text;  ///< white space collapsed, NFC
  std::string code;  ///< the code as written (theme.subtheme or an alias)
  int line_start = 0;
  int line_end = 0;
  std::string speaker;  ///< the label of the turn it opened in
  SpeakerRole role = SpeakerRole::kParticipant;
};

/// A speaker turn: begins at a line starting with a declared label and a colon.
struct Turn {
  int speaker = -1;  ///< index into `Transcript::speakers`
  int line = 0;
  std::uint32_t text_begin = 0;  ///< byte offset in `Transcript::text`
};

/// A parsed transcript.
struct Transcript {
  std::string path;         ///< display path, relative to the study root
  std::string participant;  ///< from front matter, else the file's stem
  bool participant_from_front_matter = false;
  int participant_line = 0, participant_column = 0;  ///< where it was declared, if in front matter
  std::string date;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< other front-matter keys, in order
  std::vector<Speaker> speakers;  ///< effective labels: the study's, the file's, the participant
  std::vector<Turn> turns;
  std::vector<Segment> segments;  ///< in order of their opening tags
  /// How many segments the parser found: segments.size(), also when LoadOptions::keep_segments
  /// dropped them.
  std::size_t segment_count = 0;
  /// The transcript with front matter, tags, escapes and speaker labels removed (line breaks kept).
  /// Empty when parsed with `keep_text = false`.
  std::string text;
  int line_count = 0;
  std::size_t bytes = 0;
  /// CellSource of each matrix column this transcript has data for, sorted by column. Filled by
  /// LoadStudy when the study has charts, so stale cells are found even without the text.
  std::vector<std::pair<ColumnRef, std::string>> sources;
  /// The line ranges of each column's segments (CellLines), filled with `sources`, so `check`
  /// sees charted segments that moved without the text.
  std::vector<std::pair<ColumnRef, std::vector<LineRef>>> lines;
  /// The coded segments of each column (of the themes asked for), as SegmentsByColumn gives them,
  /// when loaded with LoadOptions::keep_cells: the coded text without the rest of the text.
  std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> cells;
  bool cells_kept = false;  ///< `cells` was filled (then `text`, `segments`, `turns` are empty)
  /// Coded words (CountWords of each segment's text, summed) of each matrix column this
  /// transcript has data for, sorted by column. Filled by LoadStudy with
  /// LoadOptions::count_words, so a matrix's word counts are known without the text.
  std::vector<std::pair<ColumnRef, std::size_t>> words;

  /// The segment's text for display and export: white space collapsed, ends trimmed, NFC.
  std::string SegmentText(const Segment& segment) const;
};

/// What the parser needs to know of the study.
struct ParseOptions {
  std::vector<Speaker> speakers;     ///< the study's speaker labels (framework.yaml)
  std::string stem;                  ///< the file's stem, the participant id by default
  const CodeIndex* codes = nullptr;  ///< when set, unknown codes are reported
  bool keep_text = true;             ///< false: drop `text` after parsing (checks only)
  std::size_t max_errors = 100;      ///< stop reporting (not parsing) after this many
};

/// Parses one transcript. `name` is the display path. Never throws; every problem found is
/// appended to `diagnostics` with its line and column, all of them in one pass.
Transcript ParseTranscript(std::string_view name, std::string_view bytes,
                           const ParseOptions& options, Diagnostics& diagnostics);

}  // namespace framework
