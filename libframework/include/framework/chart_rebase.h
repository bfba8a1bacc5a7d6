// Refs that follow their text (issue 13): the chart store's changes that record where a cell's
// segments are (`at`) and shift its refs when they moved under unchanged text. Each is a
// ChartChange (chart_store.h), applied to the file's cells as they are under the store's lock.
// See docs/decisions.md ("Refs that follow their text").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/chart_store.h"
#include "framework/matrix.h"

namespace framework {

/// A matrix cell as it is now in the transcripts: which cell, the hash of its coded text and
/// its segments' line ranges (transcript order).
struct CellNow {
  std::string participant;
  std::string subtheme;
  std::string source;          ///< CellSource now ("" without data)
  std::vector<LineRef> lines;  ///< SegmentLines now
};

/// The cell at `row`, `column` of `matrix`, as it is now.
CellNow CellNowOf(const Matrix& matrix, int row, int column);

/// `chart` (a chart entry of the cell `now`) with its refs shifted to where its segments are,
/// when its coded text is unchanged (`chart.source == now.source`), it records where they were
/// (`at`, as many ranges as there are segments now) and they moved; otherwise nothing.
std::optional<CellRebase> FollowText(const ChartCell& chart, const CellNow& now);

/// Records in `cell` that it stands for the coded text `now`: `source` and `at` set to it.
void RecordCellText(ChartCell& cell, const CellNow& now);

/// What a rebase did to one cell.
enum class RebaseOutcome {
  kShifted,   ///< its segments moved and refs were shifted (`rebase.shifted`)
  kMoved,     ///< its segments moved, no ref needed to change; `at` updated
  kRecorded,  ///< it had no `at` (an older chart): `at` recorded as the segments are now
  kInPlace,   ///< its refs already point at its text; nothing written
  kStale,     ///< its coded text changed since it was charted: not rebased
  kNoSource,  ///< no `source` recorded, or no coded text now: nothing to rebase
  kUnmapped,  ///< `at` lists another number of ranges than the cell has segments: not rebased
  kNoEntry,   ///< the chart file has no entry for it
};

/// One cell's rebase, as reported.
struct CellRebaseReport {
  std::string cell;  ///< "P07:prequal"
  RebaseOutcome outcome = RebaseOutcome::kInPlace;
  CellRebase rebase;         ///< for kShifted and kMoved: the shifts and strays
  std::size_t recorded = 0;  ///< for kUnmapped: how many ranges `at` lists
  std::size_t segments = 0;  ///< for kUnmapped: how many segments the cell has now
};

/// A ChartChange that rebases each of `cells` in the chart file as it is under the lock: a
/// cell whose text is unchanged and whose segments moved gets its refs (and the L-refs of its
/// summary) shifted with RebaseCell and `at` set to where they are now; a cell without `at`
/// gets `at` recorded; a stale cell is left. `*reports` is set (one per cell, in order) each
/// time the change runs. Never refuses.
ChartChange RebaseChange(std::vector<CellNow> cells, std::vector<CellRebaseReport>* reports);

/// How `--accept` treated one cell's refs.
struct AcceptReport {
  std::string cell;          ///< "P07:prequal"
  bool found = false;        ///< the chart file has the cell
  bool shifted = false;      ///< refs shifted by segment order (`rebase.shifted`)
  bool kept = false;         ///< refs kept: `at` did not have as many ranges as segments now
  std::size_t recorded = 0;  ///< for `kept`: ranges in `at`
  std::size_t segments = 0;  ///< for `kept`: segments now
  CellRebase rebase;
};

/// A ChartChange for `--accept`: each of `cells` gets the `source` and `at` of its coded text
/// now (RecordCellText); when it records `at` with as many ranges as it has segments now and
/// they moved, its refs are first shifted by segment order (RebaseCell), and the report says
/// so (the text changed, so the researcher should check them). `*reports` is set each run.
ChartChange AcceptChange(std::vector<CellNow> cells, std::vector<AcceptReport>* reports);

}  // namespace framework
