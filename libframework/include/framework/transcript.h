// Coded transcripts: the parser and what it produces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// The part of a segment one speaker said: its stretch within one turn, or several adjacent
/// turns of the same speaker.
struct SpeakerPiece {
  std::string text;     ///< white space collapsed, NFC; never empty
  std::string speaker;  ///< the label of its turn (the participant id before any turn)
  SpeakerRole role = SpeakerRole::kParticipant;
  int line_start = 0;  ///< lines of its first and last non-blank character
  int line_end = 0;
};

/// The separator between two participant pieces of one segment that another speaker's piece
/// interrupts (" … ").
inline constexpr std::string_view kInterruption = " \u2026 ";

/// A segment's participant speech: the text of its participant-role pieces, joined by
/// kInterruption where another speaker's piece lies between them and by a space otherwise;
/// "" when no participant says any of it.
std::string ParticipantText(const std::vector<SpeakerPiece>& pieces);

/// One coded passage as a matrix cell holds it: its text on its own, without the transcript's.
struct CellSegment {
  std::string text;  ///< white space collapsed, NFC: every speaker's words
  std::string code;  ///< the code as written (theme.subtheme or an alias)
  int line_start = 0;
  int line_end = 0;
  std::string speaker;  ///< the label of the turn it opened in
  SpeakerRole role = SpeakerRole::kParticipant;
  /// The text by speaker, in order, when more than one speaker says part of it (their texts
  /// joined by spaces are `text`); empty when `speaker` says all of it.
  std::vector<SpeakerPiece> pieces;

  /// What quotes, drafts and word counts use: ParticipantText of the pieces; `text` when one
  /// participant-role speaker says all of it; "" when none does.
  std::string ParticipantText() const;
  /// Whether a participant-role speaker says any of it.
  bool HasParticipantSpeech() const;
  /// The whole text for the research team's displays and exports, every stretch that no
  /// participant-role speaker says marked with its label, "[INT: How was that?]"; `text` when
  /// a participant says all of it.
  std::string TextWithSpeakers() const;
  /// The speaker of each piece with its lines, "P07 L58-61; INT L63; P07 L65-67" (one entry,
  /// with the segment's lines, when one speaker says all of it).
  std::string SpeakerLines() const;
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
  /// The segment's text by speaker turn (needs `text` and `turns`): one piece per run of turns
  /// of one speaker with something in it, in order. SegmentText is their texts joined by spaces.
  std::vector<SpeakerPiece> SpeakerPieces(const Segment& segment) const;
  /// Whether a speaker turn begins inside the segment, so that SpeakerPieces may give more
  /// than one piece (needs `turns`).
  bool SpansTurns(const Segment& segment) const;
  /// framework::ParticipantText of SpeakerPieces(segment), without building the pieces when
  /// one speaker says the whole segment.
  std::string ParticipantText(const Segment& segment) const;
};

/// What the parser needs to know of the study.
struct ParseOptions {
  std::vector<Speaker> speakers;     ///< the study's speaker labels (framework.yaml)
  std::string stem;                  ///< the file's stem, the participant id by default
  const CodeIndex* codes = nullptr;  ///< when set, unknown codes are reported
  bool keep_text = true;             ///< false: drop `text` after parsing (checks only)
  std::size_t max_errors = 100;      ///< stop reporting (not parsing) after this many
  /// A '{/}' that closes a segment opened more than this many speaker turns back is warned
  /// about (framework.yaml `max_span_turns`).
  int max_span_turns = 2;
};

/// Parses one transcript. `name` is the display path. Never throws; every problem found is
/// appended to `diagnostics` with its line and column, all of them in one pass. Besides the
/// errors, it warns about tags and labels that may swallow text: a '{/}' closing a segment
/// opened more than `max_span_turns` turns back (with a note where it opened), a label-like
/// `Word:` or `Two Words:` starting two or more lines that is no declared speaker, and a
/// front-matter key one typo away from `participant`, `date` or `speakers`. A `date` that is
/// not a real calendar date (YYYY-MM-DD, a time may follow) is an error.
Transcript ParseTranscript(std::string_view name, std::string_view bytes,
                           const ParseOptions& options, Diagnostics& diagnostics);

}  // namespace framework
