// Chart files: the researcher's cell summaries for one theme matrix.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/diagnostic.h"

namespace framework {

/// Where a cell stands: drafted by the tool, charted by the researcher, or reviewed again.
enum class ChartStatus : std::uint8_t { kDraft, kCharted, kReviewed };

/// "draft", "charted" or "reviewed".
std::string_view ChartStatusName(ChartStatus status);

/// The status ChartStatusName names `name` (exactly, lower-case); nothing for any other text.
std::optional<ChartStatus> ParseChartStatus(std::string_view name);

/// A line reference, `L12` (first == last) or `L12-14`.
struct LineRef {
  int first = 0;
  int last = 0;
  /// "L12" or "L12-14".
  std::string ToString() const;
};

/// Parses "L12" or "L12-14" (first <= last, both >= 1); nothing otherwise.
std::optional<LineRef> ParseLineRef(std::string_view text);

/// A line reference typed in running text, with its byte offset and length there.
struct LineRefInText {
  LineRef ref;
  std::size_t offset = 0;
  std::size_t length = 0;
};

/// Every `L<n>` or `L<n>-<m>` in `text` that stands as a word of its own (so "L12-14" in
/// "(L12-14)" counts, "HL7" does not).
std::vector<LineRefInText> FindLineRefs(std::string_view text);

/// One charted cell: a participant's summary of one sub-theme.
struct ChartCell {
  std::string participant;
  std::string subtheme;
  ChartStatus status = ChartStatus::kCharted;
  std::string summary;
  std::string comment;            ///< the researcher's own remark, kept apart from the summary
  std::vector<std::string> refs;  ///< "L12" or "L12-14"
  std::string source;             ///< hash of the coded text when charted (see CellSource)
  /// Where the cell's segments were when `source` was recorded: their line ranges, "L12-14"
  /// or "L30", in transcript order (the `at:` key). Empty in charts written before it existed.
  std::vector<std::string> at;
  std::string updated;  ///< ISO 8601 timestamp of the last write
  int line = 0;         ///< where the cell starts in its file (0 when not from a file)
  int column = 0;
};

/// A chart file, loaded.
struct Chart {
  std::string path;   ///< display path, e.g. "charts/training.yaml"
  std::string theme;  ///< the theme it charts
  int theme_line = 0;
  int theme_column = 0;
  std::vector<ChartCell> cells;

  /// Index of the cell for (participant, subtheme), or -1.
  int Find(std::string_view participant, std::string_view subtheme) const;
};

/// Loads a chart file. Never throws; problems (bad YAML, unknown keys, bad status or refs,
/// duplicate cells) go to `diagnostics`. Cells with problems are still kept when they have a
/// participant and a sub-theme: a summary is never dropped on load.
Chart LoadChart(std::string_view name, std::string_view text, Diagnostics& diagnostics);

/// What StreamChart hands each cell to: the chart read so far (path and theme; no cells) and
/// the cell, which the sink may keep.
using ChartCellSink = std::function<void(const Chart& header, ChartCell&& cell)>;

/// Reads a chart file in the plain shape SerializeChart writes, handing each cell to `sink` as
/// it is read instead of keeping it: the chart returned has no cells, so a chart costs its text
/// and one cell at a time. Nothing (after some cells may have been handed over) when the file
/// is in another shape or would draw a diagnostic on load (LoadChart's fast reader would not
/// take it): read it with LoadChart then, and forget what the sink was given.
std::optional<Chart> StreamChart(std::string_view name, std::string_view text,
                                 const ChartCellSink& sink);

/// The chart as YAML, cells sorted by participant (natural order: P2 before P10), then by
/// sub-theme in `subtheme_order` (ids not listed come after, by id). Deterministic.
std::string SerializeChart(const Chart& chart, const std::vector<std::string>& subtheme_order = {});

/// One cell as SerializeChart writes it: "  - participant: ..." then one "    key: ..." line
/// (with its indented block lines, if any) per field that is set. The one writer of a cell's
/// YAML, shared by SerializeChart and the chart store's in-place edits (chart_store.h), so a
/// field added here appears in both. Every key starts a line indented four spaces (the first
/// after "  - "); its value's further lines are indented six or are empty.
std::string SerializeChartCell(const ChartCell& cell);

/// The order SerializeChart writes cells in: participant in natural order, then sub-theme by
/// its position in `subtheme_order` (ids not listed after, by id).
bool ChartCellLess(const ChartCell& a, const ChartCell& b,
                   const std::vector<std::string>& subtheme_order);

/// Line ranges as `ChartCell::at` records them: "L12-14", or "L30" for one line.
std::vector<std::string> LineRanges(const std::vector<LineRef>& ranges);

/// One ref that RebaseCell shifted: what it was, what it is now.
struct RefShift {
  LineRef from;
  LineRef to;
};

/// What RebaseCell gives.
struct CellRebase {
  ChartCell cell;  ///< the cell with its refs shifted and `at` set to the current ranges
  /// false when `at` does not list as many ranges as there are segments now (or is empty, or
  /// holds a range that does not parse): then `cell` is the cell unchanged.
  bool mapped = false;
  std::vector<RefShift> shifted;  ///< each distinct ref that changed, in order of appearance
  std::vector<LineRef> stray;     ///< distinct refs on no recorded segment, left as they were
};

/// Shifts a cell's refs so they point at the same text after its segments moved: `cell.at` holds
/// where the segments were, `now` where they are (the cell's segments' line ranges, transcript
/// order); the i-th range of one is the i-th of the other. Each ref in `refs` and each `L…` token
/// FindLineRefs finds in the summary is mapped end by end: an end inside a recorded range moves
/// with it (a segment that now spans more or fewer lines keeps its first and last line as first
/// and last, and the lines between by offset, held inside the range); an end outside every range
/// moves as the nearest range the ref overlaps; a ref that overlaps no recorded range is a
/// stray, left as it is. In the summary only the digits of the tokens change (an en dash stays
/// an en dash); nothing else in the text is touched. Does not look at `source`: callers rebase
/// only cells whose coded text is unchanged.
CellRebase RebaseCell(const ChartCell& cell, const std::vector<LineRef>& now);

/// "L12-14 is now L13-15, L30 is now L31": the shifts, in order.
std::string DescribeShifts(const std::vector<RefShift>& shifted);

/// How the segments moved from `was` to `now` (as many of each): "down 1 line", "up 2 lines",
/// or "by different amounts"; "" when they did not move.
std::string DescribeMove(const std::vector<LineRef>& was, const std::vector<LineRef>& now);

/// The refs of `cell` (its `refs`, then those in its summary), each distinct ref once, that share
/// no line with any of `segments`.
std::vector<LineRef> RefsOutside(const ChartCell& cell, const std::vector<LineRef>& segments);

/// Compares participant ids in natural order: digit runs by value ("P2" < "P10"), the rest
/// bytewise. Ties broken bytewise, so the order is total.
bool NaturalLess(std::string_view a, std::string_view b);

}  // namespace framework
