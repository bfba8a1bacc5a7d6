// Terminal tables: line wrapping by display width and a bordered grid renderer.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace framework {

/// Breaks `text` into lines no wider than `width` display columns (as `DisplayWidth` measures),
/// at ICU line-break opportunities (UAX #14: after spaces and hyphens, between ideographs, never
/// before closing punctuation), and never inside a grapheme cluster. Hard line breaks ('\n',
/// U+2028, U+2029) are kept: each ends a line, and a final one does not start an extra empty line.
/// A word wider than `width` starts a new line and is split between grapheme clusters. Trailing
/// spaces of each line are dropped; leading spaces of a paragraph are kept while they fit.
/// `width` 0 is treated as 1; a single cluster wider than `width` (a wide character at width 1)
/// gets a line of its own. Empty text gives one empty line.
/// The text is made safe to print first: invalid UTF-8 and control characters other than '\n'
/// become U+FFFD, except tab, vertical tab and form feed (one space each) and '\r' ("\r\n" and a
/// lone '\r' both become '\n'). So no line carries a terminal escape sequence.
/// Lines hold no '\n'. Thread-safe; the ICU iterators are created once per thread.
std::vector<std::string> WrapText(std::string_view text, std::size_t width);

/// Receives a line of `WrapText`'s (valid for the call only).
using LineSink = std::function<void(std::string_view)>;

/// `WrapText`, handing each line to `line` in turn instead of returning them all.
void WrapText(std::string_view text, std::size_t width, const LineSink& line);

/// `text` followed by spaces up to `width` display columns, or preceded by them when `right`.
/// Text already `width` columns wide or wider is returned unchanged (never truncated).
std::string PadToWidth(std::string_view text, std::size_t width, bool right = false);

/// How a cell's text is shown when `TableOptions::color` is on.
enum class CellStyle {
  kNormal,    ///< no escape codes
  kHeader,    ///< bold
  kDim,       ///< dim (SGR 2)
  kWarning,   ///< yellow
  kError,     ///< red
  kEmphasis,  ///< bold
};

/// One cell of a table: UTF-8 text (may hold '\n') and its style.
struct TableCell {
  std::string text;                      ///< the cell's content, wrapped by `WrapText`
  CellStyle style = CellStyle::kNormal;  ///< used only when `TableOptions::color`
};

/// How `RenderTable` lays a table out.
struct TableOptions {
  std::size_t width = 80;  ///< total width available, in display columns
  bool color = false;      ///< ANSI styles per CellStyle (header bold, dim = 2, warning yellow,
                           ///< error red, emphasis bold), on the text only, never the borders
  std::size_t min_column = 12;  ///< a wrapped column is never narrower than this
  std::vector<bool> fixed;      ///< columns sized to their content (no wrapping), e.g. the
                                ///< participant column; missing entries mean "wrapped"
  bool unicode = true;          ///< box-drawing characters; false: ASCII '|', '-', '+'
  unsigned jobs = 1;            ///< threads to wrap the cells with, 0: every core; the text is
                                ///< the same with any number
};

/// Renders a header row and body rows as a grid:
///
///     ┌──────┬──────────────┬──────────────┐
///     │ P01  │ One lecture  │ 3 segments,  │
///     │      │ in year 2    │ 210 words    │
///     ├──────┼──────────────┼──────────────┤
///
/// Columns: as many as the header or the longest row has (a row with fewer cells is padded with
/// empty ones). Fixed columns take the width of their widest line (no wrapping; '\n' still breaks).
/// The other columns share what is left of `options.width` after the fixed columns, the borders
/// and one space of padding each side of every cell equally (the first columns get one column more
/// when it does not divide evenly), never below `min_column`: then the table is wider than `width`
/// and the caller may page it (see `TableWidth`). A column is also never narrower than its widest
/// grapheme cluster, so borders always line up. Each cell is wrapped with `WrapText`; every row is
/// as tall as its tallest cell; the top border is ┌┬┐, a ├┼┤ rule follows the header and every row
/// but the last, and the bottom border is └┴┘ (all '+' and '-' when not `unicode`). An empty header
/// is not drawn. With `color`, each non-empty line of a styled cell is wrapped in its SGR code and
/// a reset ("\x1b[0m"); widths never count escape codes. No columns gives an empty string.
/// Deterministic; every line has the same display width, ends with '\n' and carries no trailing
/// spaces beyond the closing border.
std::string RenderTable(const std::vector<TableCell>& header,
                        const std::vector<std::vector<TableCell>>& rows,
                        const TableOptions& options);

/// `RenderTable`'s text appended to `out`. Rows are wrapped as they are drawn (only a column
/// narrower than 2 has every cell wrapped first), so beside `rows` and `out` it holds one row's
/// lines; a cell that fits its column on one line is not run through the line breaker.
void AppendTable(const std::vector<TableCell>& header,
                 const std::vector<std::vector<TableCell>>& rows, const TableOptions& options,
                 std::string& out);

/// `AppendTable`, calling `after_row(out)` after each body row is appended (and its rule above
/// it), e.g. to write `out` away and clear it, so a long table need not be held whole.
void AppendTable(const std::vector<TableCell>& header,
                 const std::vector<std::vector<TableCell>>& rows, const TableOptions& options,
                 std::string& out, const std::function<void(std::string&)>& after_row);

/// The display width of every line `RenderTable` gives for the same arguments (0 when there are
/// no columns): more than `options.width` when the columns cannot fit, so the caller can decide
/// on a pager. Measures the fixed columns' cells only (all of them when a wrapped column is
/// narrower than 2, where a cell may widen it).
std::size_t TableWidth(const std::vector<TableCell>& header,
                       const std::vector<std::vector<TableCell>>& rows,
                       const TableOptions& options);

}  // namespace framework
