// Indexing (the method's indexing and charting): every coded segment lands in its (theme,
// sub-theme, participant) cell; a theme's Matrix holds the cells, their words and their chart
// entries.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/study.h"

namespace framework {

/// A cell: one participant's data on one sub-theme, and its chart entry.
struct MatrixCell {
  std::vector<CellSegment> segments;  ///< in transcript order
  std::size_t words = 0;              ///< ICU words of the segments' participant speech
  std::string source;                 ///< CellSource of the segments' texts ("" without data)
  std::optional<ChartCell> chart;     ///< the researcher's entry, if any
  /// The chart entry was written from other coded text than the cell has now.
  bool stale() const { return chart && !chart->source.empty() && chart->source != source; }
  bool has_data() const { return !segments.empty(); }
};

/// The matrix of one theme: rows are participants, columns sub-themes.
struct Matrix {
  std::string theme;                           ///< theme id
  std::vector<std::string> subthemes;          ///< column ids, in framework order
  std::vector<std::string> participants;       ///< row ids, in natural order (P2 before P10)
  std::vector<std::vector<MatrixCell>> cells;  ///< [row][column]
  /// Chart entries whose participant or sub-theme no longer exists: kept, never dropped.
  std::vector<ChartCell> orphans;

  /// Row of `participant`, or -1.
  int Row(std::string_view participant) const;
  /// Column of `subtheme`, or -1.
  int Column(std::string_view subtheme) const;
  /// The cell, or nullptr.
  const MatrixCell* Find(std::string_view participant, std::string_view subtheme) const;
  MatrixCell* Find(std::string_view participant, std::string_view subtheme);

  /// Adds the rows and segments of `other`, a matrix of the same theme built from a disjoint
  /// set of transcripts: the result equals the matrix built from both sets at once.
  void Merge(const Matrix& other);
};

/// The hash recorded as a chart cell's `source`: HashHex of the segment texts joined by '\n'.
std::string CellSource(const std::vector<CellSegment>& segments);

/// The segments of `transcript` that index into each column, grouped and in transcript order
/// (the order CellSource hashes them in). Needs the transcript's text. `themes`: only the columns
/// of these themes (indexes into the framework's themes); every column when null.
std::vector<std::pair<ColumnRef, std::vector<CellSegment>>> SegmentsByColumn(
    const Transcript& transcript, const std::vector<int>* themes = nullptr);

/// The CellSource of each column `transcript` has segments in, sorted by column: what
/// SegmentsByColumn and CellSource give, computed without building the segments' texts when
/// they are ASCII. Needs the transcript's text.
std::vector<std::pair<ColumnRef, std::string>> CellSources(const Transcript& transcript);

/// The line ranges of `segments`, in their order: what a chart cell records as `at`.
std::vector<LineRef> SegmentLines(const std::vector<CellSegment>& segments);

/// What the indexing sink folds: IndexRequest's cell payloads, with the themes resolved.
struct FoldSpec {
  bool sources = false;      ///< each column's CellSource hash (ColumnIndex::source)
  bool lines = false;        ///< each column's line ranges (Transcript::column_lines)
  bool cell_texts = false;   ///< segments with texts and words, for `themes` (or every theme)
  bool cell_shapes = false;  ///< segments without texts, every theme
  bool words = false;        ///< each column's coded words, every theme
  std::vector<int> themes;   ///< indexes into the framework's themes; empty: every theme
};

/// The indexing sink: folds `transcript` (parsed, with its text) into its `columns`,
/// `column_lines` and `column_segments` as `spec` asks, in one pass over its segments. Each
/// column's source equals CellSource of its SegmentsByColumn segments, its words the sum of
/// CountWords over their participant speech (CellSegment::ParticipantText), its segments those
/// SegmentsByColumn gives (without texts for cell_shapes). A column with segments always has an
/// entry. Needs the text; leaves it, the segments and `indexed` to the caller.
void FoldTranscript(Transcript& transcript, const FoldSpec& spec);

/// An empty matrix of `theme` with a row per declared participant.
Matrix EmptyMatrix(const Study& study, int theme);

/// Indexes every transcript of `study` into the matrix of `theme`. Rows are the declared
/// participants and any participant with a transcript. No chart is attached. A transcript
/// LoadStudy folded (Transcript::indexed) gives each cell what its ColumnIndex holds: the
/// segments kept (with or without texts), the words and the source folded; one kept whole is
/// folded here from its text, with everything.
Matrix IndexTheme(const Study& study, int theme);

/// IndexTheme, moving the segments LoadStudy kept of `theme` (Transcript::column_segments) into
/// the matrix instead of copying them, so that a long coded passage is held once: for callers
/// that index each theme once. The study keeps no segments of `theme` after it (its columns'
/// words and sources stay).
Matrix TakeTheme(Study& study, int theme);

/// The matrix of every theme (in framework order), as IndexTheme gives it, but without the
/// segments: each cell's `segments` are left empty and their number put in
/// `(*counts)[theme][row][column]`; `words` stay 0. The cells' sources are IndexTheme's,
/// computed from the transcripts' texts without building the segments' texts when they are
/// ASCII, each transcript folded once for every theme. For exports that say how many excerpts a
/// cell has but not what they are (qdpx), so that a million segments cost no million texts.
std::vector<Matrix> IndexThemeCounts(const Study& study,
                                     std::vector<std::vector<std::vector<std::size_t>>>* counts);

/// Attaches `chart`'s cells to `matrix`: each to its cell, or to `orphans` when its participant
/// or sub-theme is not in the matrix.
void AttachChart(Matrix& matrix, const Chart& chart);
/// The same, moving the cells out of `chart` (left without cells) instead of copying them.
void AttachChart(Matrix& matrix, Chart&& chart);

}  // namespace framework
