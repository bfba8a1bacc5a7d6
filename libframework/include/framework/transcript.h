// Coded transcripts: the parser and what it produces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/diagnostic.h"
#include "framework/hash.h"

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

/// One speaker's piece of a CellSegment as the segment keeps it: a byte range of its
/// PiecesText() and an index into its PieceSpeakers(), 20 bytes a piece, so that a segment of
/// millions of turns costs little more than its text.
struct PieceRange {
  std::uint32_t begin = 0;  ///< bytes of CellSegment::PiecesText(), end past
  std::uint32_t end = 0;
  int line_start = 0;
  int line_end = 0;
  std::uint32_t speaker = 0;  ///< index into CellSegment::PieceSpeakers()
};

/// A SpeakerPiece as CellSegment::Piece gives it: views into the segment.
struct PieceView {
  std::string_view text;
  std::string_view speaker;
  SpeakerRole role = SpeakerRole::kParticipant;
  int line_start = 0;
  int line_end = 0;
};

/// An owning pointer that copies what it points to when it is copied (std::unique_ptr does not
/// copy): for a member most objects leave empty.
template <typename T>
class DeepPtr {
 public:
  DeepPtr() = default;
  DeepPtr(const DeepPtr& other) : p_(other.p_ ? std::make_unique<T>(*other.p_) : nullptr) {}
  DeepPtr(DeepPtr&&) noexcept = default;
  DeepPtr& operator=(const DeepPtr& other) {
    if (this != &other) p_ = other.p_ ? std::make_unique<T>(*other.p_) : nullptr;
    return *this;
  }
  DeepPtr& operator=(DeepPtr&&) noexcept = default;
  ~DeepPtr() = default;
  explicit operator bool() const { return p_ != nullptr; }
  T* operator->() const { return p_.get(); }
  T& operator*() const { return *p_; }
  void reset(T* p = nullptr) { p_.reset(p); }

 private:
  std::unique_ptr<T> p_;
};

/// What a CellSegment of several speakers keeps beside its pieces' ranges.
struct PieceExtras {
  std::vector<Speaker> speakers;  ///< the speakers the pieces name (PieceRange::speaker), once each
  /// The pieces' texts joined by spaces, when they are not the segment's `text` (pieces added
  /// with AddPiece, or a text that is not valid UTF-8, which NFC leaves alone as a whole but not
  /// in parts); unused otherwise.
  std::string text;
  bool own_text = false;  ///< the pieces are ranges of `text` here, not of the segment's
};

/// One coded passage as a matrix cell holds it: its text on its own, without the transcript's.
struct CellSegment {
  std::string text;  ///< white space collapsed, NFC: every speaker's words
  std::string code;  ///< the code as written (theme.subtheme or an alias)
  int line_start = 0;
  int line_end = 0;
  std::string speaker;  ///< the label of the turn it opened in
  SpeakerRole role = SpeakerRole::kParticipant;
  /// The text by speaker, in order, when more than one speaker says part of it (their texts
  /// joined by spaces are `text`); empty when `speaker` says all of it. Read them with Piece().
  std::vector<PieceRange> pieces;
  /// The rest of the pieces' record, made with the first piece: absent (one pointer) for a
  /// segment that one speaker says all of, by far the commonest, so that a million segments cost
  /// no more than their strings.
  DeepPtr<PieceExtras> extras;

  /// The speakers the pieces name (PieceRange::speaker), each once.
  const std::vector<Speaker>& PieceSpeakers() const;
  /// Whether the pieces are ranges of their own text (PieceExtras::text), not of `text`.
  bool PiecesOwnText() const { return extras && extras->own_text; }
  /// What the pieces' ranges index into: `text`, or the pieces' own text.
  const std::string& PiecesText() const { return PiecesOwnText() ? extras->text : text; }
  /// `extras`, made when absent.
  PieceExtras& Extras() {
    if (!extras) extras.reset(new PieceExtras);
    return *extras;
  }
  /// Piece `i` (< pieces.size()).
  PieceView Piece(std::size_t i) const;
  /// Appends a piece with its own text (kept in PieceExtras::text; the segment's pieces must all
  /// have been added so): for segments built by hand.
  void AddPiece(std::string_view piece, std::string_view label, SpeakerRole piece_role,
                int first_line, int last_line);
  /// Drops the pieces.
  void ClearPieces();

  /// What quotes, drafts and word counts use: ParticipantText of the pieces; `text` when one
  /// participant-role speaker says all of it; "" when none does.
  std::string ParticipantText() const;
  /// ParticipantText() without copying `text`: a view of `text` when one participant-role
  /// speaker says all of it, else of `buffer`, where the joined pieces are built.
  std::string_view ParticipantText(std::string& buffer) const;
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

/// What one transcript has in one matrix column, as the indexing sink folded it from the text
/// (FoldTranscript, matrix.h). Ranges index into the transcript's `column_lines` and
/// `column_segments`.
struct ColumnIndex {
  ColumnRef column;
  /// The hash of the CellSource text (its '\n'-joined segment texts), when `sourced`.
  Fnv1a source;
  std::uint32_t lines_begin = 0, lines_end = 0;
  std::uint32_t segments_begin = 0, segments_end = 0;
  std::uint32_t words = 0;  ///< coded words of its participant speech, when they were asked
  bool sourced = false;     ///< `source` was folded (the study has charts, or texts were kept)
  /// The segments range indexes Transcript::column_order (segments kept without texts,
  /// IndexRequest::cell_shapes) instead of Transcript::column_segments.
  bool shapes = false;
  /// The CellSource hash as charts record it (16 hex digits); "" when not `sourced`.
  std::string Source() const;
};

/// A byte span of a transcript body that the parser read as a speaker label or a code tag
/// (ParseOptions::spans): what `show` draws, so that it never reads tags by rules of its own.
struct BodySpan {
  enum class Kind {
    kLabel,     ///< a declared speaker label with its colon
    kOpen,      ///< an opening tag, `{a}` or `{a, b}`: `codes` are its codes (NFC)
    kClose,     ///< a closing tag `{/a}`: `codes` holds its code (NFC)
    kCloseAll,  ///< `{/}`
  };
  Kind kind = Kind::kLabel;
  int line = 0;             ///< 1-based, front matter counted
  std::uint32_t begin = 0;  ///< byte offsets within the line (a BOM not counted), end past
  std::uint32_t end = 0;    ///< the closing brace or the colon
  std::vector<std::string> codes;
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
  /// What the transcript has in each matrix column it has data for, sorted by column: the
  /// indexing sink (FoldTranscript, matrix.h) fills it while the text is alive, so matrices,
  /// stale cells and summaries need no text. Empty when nothing was folded.
  std::vector<ColumnIndex> columns;
  /// The line ranges of the columns' segments (ColumnIndex::lines_begin/end index into it):
  /// folded when the study has charts, for `check` to see charted segments that moved; emptied
  /// once LoadStudy has checked the charts.
  std::vector<LineRef> column_lines;
  /// The columns' coded segments with their texts (IndexRequest::cell_texts, of the themes
  /// asked; ColumnIndex::segments_begin/end index into it), in transcript order within a column.
  std::vector<CellSegment> column_segments;
  /// For IndexRequest::cell_shapes: indexes into `segments` (kept, without the text), grouped by
  /// column in transcript order (ColumnIndex::segments_begin/end index into it when `shapes`), so
  /// segments without texts cost four bytes each until a theme is indexed.
  std::vector<std::uint32_t> column_order;
  /// `columns` hold all a matrix needs of this transcript (it was folded by an IndexRequest that
  /// does not keep the text), so IndexTheme reads them and never the text; false when the text
  /// is kept whole, which IndexTheme then folds itself.
  bool indexed = false;

  /// The entry of `column` in `columns`, or nullptr.
  const ColumnIndex* Column(ColumnRef column) const;
  /// The line ranges of `c`'s segments (empty once LoadStudy has dropped them).
  std::span<const LineRef> Lines(const ColumnIndex& c) const;
  /// The segments of `c` kept in `column_segments` (empty when `c.shapes`).
  std::span<const CellSegment> Segments(const ColumnIndex& c) const;

  /// The segment's text for display and export: white space collapsed, ends trimmed, NFC.
  std::string SegmentText(const Segment& segment) const;
  /// The segment's text by speaker turn (needs `text` and `turns`): one piece per run of turns
  /// of one speaker with something in it, in order. SegmentText is their texts joined by spaces.
  std::vector<SpeakerPiece> SpeakerPieces(const Segment& segment) const;
  /// Whether a speaker turn begins inside the segment, so that SpeakerPieces may give more
  /// than one piece (needs `turns`).
  bool SpansTurns(const Segment& segment) const;
  /// Gives `cell`, whose `text` is SegmentText(segment), the segment's SpeakerPieces, kept as
  /// ranges of that text (CellSegment::pieces), without building them all as strings first.
  void AddSpeakerPieces(const Segment& segment, CellSegment& cell) const;
  /// framework::ParticipantText of SpeakerPieces(segment), without building the pieces.
  std::string ParticipantText(const Segment& segment) const;
};

/// The largest front matter read as general YAML (256 KiB, between its '---' lines): yaml-cpp
/// reads about a megabyte a second, so a larger one is a "front-matter-too-large" error at the
/// opening fence and is not read (the body still is). Front matter of plain `key: value` lines
/// is read without yaml-cpp, at any size.
inline constexpr std::size_t kMaxFrontMatterYamlBytes = std::size_t{256} << 10;
/// The most keys front matter of plain `key: value` lines keeps besides `participant` and
/// `date`: past it, a "front-matter-too-large" error at the first key over, and the rest are
/// not kept (a million keys cost seconds and hundreds of megabytes in every command).
inline constexpr std::size_t kMaxFrontMatterKeys = 1000;

/// What the parser needs to know of the study.
struct ParseOptions {
  std::vector<Speaker> speakers;     ///< the study's speaker labels (framework.yaml)
  std::string stem;                  ///< the file's stem, the participant id by default
  const CodeIndex* codes = nullptr;  ///< when set, unknown codes are reported
  bool keep_text = true;             ///< false: drop `text` after parsing (checks only)
  /// When set, every well-formed tag (whatever the errors of its codes) and every declared
  /// speaker label of the body is appended here, in order.
  std::vector<BodySpan>* spans = nullptr;
  /// List at most this many errors, then a "too-many-errors" note whose `unlisted` counts the
  /// rest (parsing goes on, so the count is exact).
  std::size_t max_errors = 100;
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
