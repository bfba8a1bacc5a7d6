// The chart store: every read-modify-write of a chart file (charts/<theme>.yaml) goes through
// here. A write holds an exclusive lock across re-read, change and atomic rename; it changes
// only the lines of the cells that changed (comments, unknown keys, quoting and order elsewhere
// stay byte for byte); and it re-reads what it is about to write before putting it in place.
// See docs/chart-store.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/chart.h"
#include "framework/diagnostic.h"

namespace framework {

/// Where a theme's chart file is.
struct ChartFileRef {
  std::string root;   ///< the study root (absolute, or relative to the working folder)
  std::string path;   ///< the chart file relative to `root`, e.g. "charts/training.yaml"
  std::string theme;  ///< the theme it charts (written into a file created anew)
  /// The theme's sub-theme ids in framework order: where a new cell goes.
  std::vector<std::string> subtheme_order;
};

/// How a chart write ended.
enum class ChartWriteStatus {
  kWritten,      ///< the file was changed
  kUnchanged,    ///< the change changed nothing; the file was not touched
  kRefused,      ///< the change declined (a conflict, say); the file was not touched
  kChartErrors,  ///< the file has errors (see diagnostics); it was not touched
  kLayout,       ///< the file is laid out in a way that cannot be changed in place safely
  kIoError,      ///< reading, locking or writing failed; the file is as it was
};

/// What a chart write did.
struct ChartWriteResult {
  ChartWriteStatus status = ChartWriteStatus::kUnchanged;
  std::string message;      ///< for kRefused, kLayout and kIoError: why (lower-case)
  Diagnostics diagnostics;  ///< for kChartErrors: the file's diagnostics
  std::string target;       ///< the file read and written (a symlink's target, resolved)
  bool ok() const {
    return status == ChartWriteStatus::kWritten || status == ChartWriteStatus::kUnchanged;
  }
};

/// A change to a chart: called with the chart as the file holds it now (read under the lock;
/// no cells and `theme` set when the file does not exist yet), it changes `chart.cells` (adds,
/// replaces or removes cells) and returns an empty string, or returns a reason (lower-case) to
/// write nothing at all.
using ChartChange = std::function<std::string(Chart& chart)>;

/// Applies `change` to the chart file. Under an exclusive flock on the lock file beside the
/// file (".<name>.lock" in the same folder; a symlinked chart is resolved first, so the lock
/// and the write go to its target and the link stays): reads the file, refuses if it does not
/// load without errors, calls `change`, rewrites only the changed cells (RewriteChartText),
/// checks the new text loads as exactly the intended cells, and renames it into place
/// atomically (WriteFileAtomically). Creates the file (and its folder) when it does not exist.
/// Never throws; on any failure the file is left as it was.
ChartWriteResult UpdateChartFile(const ChartFileRef& file, const ChartChange& change);

/// Reads the chart file now, without the lock (e.g. before opening an editor): kUnchanged with
/// `*chart` set when the file loads without errors or does not exist (then `*chart` has no
/// cells), kChartErrors or kIoError otherwise.
ChartWriteResult ReadChartFile(const ChartFileRef& file, Chart* chart);

/// A ChartChange for an editor's save: puts `cell` in place of the cell it edits, which was
/// `base` when the editor opened (nothing when the cell did not exist). If the file's cell is no
/// longer `base` (someone saved it meanwhile), it changes nothing and returns a conflict
/// message. Other cells are left as the file has them, so edits of them are kept.
ChartChange PutCellIfUnchanged(ChartCell cell, std::optional<ChartCell> base);

/// True when the two cells hold the same data (every field SerializeChartCell writes).
bool SameCell(const ChartCell& a, const ChartCell& b);

/// The text of a chart file, `text`, changed to hold exactly the cells `after`: `before` is
/// `text` loaded (LoadChart, without errors). Cells in both and the same keep their bytes;
/// a changed cell has only its changed keys rewritten (with SerializeChartCell's text; its
/// other keys, unknown keys and comments stay); a removed cell's lines go; a new cell is
/// inserted where the sorted order (ChartCellLess) puts it among the cells around it. Every
/// byte outside the changed cells stays. Nothing when the file's layout cannot be changed in
/// place (a flow list of cells, quoted keys, and the like): the caller then decides.
std::optional<std::string> RewriteChartText(std::string_view text, const Chart& before,
                                            const std::vector<ChartCell>& after,
                                            const std::vector<std::string>& subtheme_order);

}  // namespace framework
