// The chart operations of `framework chart`, on a theme's matrix: naming a cell, the next cell
// to chart, drafting, accepting and rebasing (which cells and what to write), and the cell an
// editor's save puts in the file. They compute; the chart store (chart_store.h) writes, and the
// caller prints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/chart_buffer.h"
#include "framework/chart_rebase.h"
#include "framework/chart_store.h"
#include "framework/matrix.h"
#include "framework/status.h"
#include "framework/study.h"

namespace framework {

/// A cell of a matrix: its row (participant) and column (sub-theme) indexes.
struct CellIndex {
  int row = -1;
  int column = -1;
};

/// The cell "PARTICIPANT:SUBTHEME" (NFC-normalised) of `matrix` in `*cell`; a kUsage Status
/// (with a did-you-mean hint where a name is close) when it does not parse or names no
/// participant or sub-theme of the matrix.
Status ParseCellName(const Matrix& matrix, const std::string& name, CellIndex* cell);

/// The next cell to chart among `rows` (matrix rows, in display order), in chart order (row by
/// row, column by column): uncharted with data, or stale. Nothing when every cell is done.
std::optional<CellIndex> NextCell(const Matrix& matrix, const std::vector<int>& rows);

/// The drafts (status draft, DraftSummary's text and refs, the cell's `source` and `at`, and
/// `updated`) for the uncharted cells with data among `rows`, in chart order: every such cell
/// when `all`, else the first one whose draft is not empty. A cell with a chart entry is never
/// drafted.
std::vector<ChartCell> DraftCells(const Matrix& matrix, const std::vector<int>& rows, bool all,
                                  const std::string& updated);

/// A ChartChange that adds each of `cells` the file does not have yet (a cell charted meanwhile
/// is never replaced). Never refuses.
ChartChange AddNewCells(std::vector<ChartCell> cells);

/// The cells an accept touches.
struct AcceptPlan {
  std::vector<CellNow> targets;      ///< stale charted cells to record the coded text of
  std::vector<std::string> skipped;  ///< "P03:access (why)": stale cells with no text now
};

/// Which charted cells among `rows` `--accept names` accepts: the cells named
/// ("PARTICIPANT:SUBTHEME"; "all" names every cell) whose recorded `source` differs from their
/// coded text now. One with no coded text now is skipped (its recorded source is kept), with
/// why: its transcript is missing, or it has no coded text. Names are not checked here
/// (ParseCellName).
AcceptPlan PlanAccept(const Study& study, const Matrix& matrix, const std::vector<int>& rows,
                      const std::vector<std::string>& names);

/// The cells a rebase touches, in chart order.
struct RebasePlan {
  std::vector<CellNow> targets;  ///< for RebaseChange
  std::vector<bool> named;       ///< for each target: it was named (so every outcome is said)
  /// Named cells of the matrix whose row is not among `rows` (a --where filter leaves it out):
  /// not rebased, and said so.
  std::vector<std::string> excluded;
};

/// Which cells among `rows` `--rebase names` rebases: the named ones (charted or not), and when
/// `names` is empty or holds "all", every charted cell. A named cell whose row is not among
/// `rows` goes to `excluded`. Names that do not parse are not checked here (ParseCellName).
RebasePlan PlanRebase(const Matrix& matrix, const std::vector<int>& rows,
                      const std::vector<std::string>& names);

/// The cell an editor's save writes, and what is wrong with its refs.
struct EditedCell {
  ChartCell cell;  ///< to put in place of `base` (PutCellIfUnchanged)
  /// The refs ("L12-14") of the summary beyond the end of the transcript, in order.
  std::vector<std::string> beyond_end;
  int line_count = 0;  ///< the transcript's lines (0 when it is missing)
};

/// The cell `at` of `matrix` (of `study`'s loaded theme) as saved from an editor: `base` (the
/// file's cell when the editor opened, if any) with `fields` (summary and comment NFC) put in,
/// `updated` set, its refs the distinct line refs of the summary in order, and the `source` and
/// `at` of its coded text now (kept as they were when its transcript is missing and it had no
/// coded text).
EditedCell CellFromEdit(const Study& study, const Matrix& matrix, CellIndex at,
                        const std::optional<ChartCell>& base, const CellBufferFields& fields,
                        const std::string& updated);

/// A row filter: participants whose `attribute` (an index into the participants' attributes) is
/// `value` (or, when `negate`, is not).
struct RowFilter {
  int attribute = -1;
  std::string value;
  bool negate = false;
};

/// The matrix rows shown, in display order: the rows of `matrix` whose participant passes every
/// filter, stably ordered by each of `sort_keys` (attribute indexes: categories in declared
/// order, numbers by value, other values as text; missing values last), then natural id order.
std::vector<int> SelectRows(const Study& study, const Matrix& matrix,
                            const std::vector<RowFilter>& filters,
                            const std::vector<int>& sort_keys);

/// The value of attribute `attribute` for participant `id`, when declared.
std::optional<std::string> AttributeValue(const Study& study, const std::string& id, int attribute);

}  // namespace framework
