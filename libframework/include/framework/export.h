// Exports for reports and scripts: matrices as tables (wide and long), rendered to CSV, TSV,
// Markdown, HTML and XLSX. Builders turn the model into Sheets; writers turn Sheets into bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "framework/matrix.h"
#include "framework/study.h"

namespace framework {

/// What a wide matrix cell holds.
enum class CellContent { kSummary, kExcerpts, kBoth };

/// A table ready to write: one header row and body rows of text.
struct Sheet {
  std::string name;   ///< theme id (wide), "segments" or "summaries" (long), "codebook"
  std::string title;  ///< theme label, for formats that show one
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// Leading columns that identify a row (participant, attributes).
  std::size_t frozen_columns = 1;
};

/// Options shared by the builders.
struct ExportOptions {
  CellContent content = CellContent::kSummary;
  std::vector<std::string> attributes;  ///< attribute columns after the participant, in order
  /// Participant -> how many of `attributes` its row shows (absent: all); the others hold
  /// `kWithheld` (disclosure control, see `ExportAttributeCounts`).
  std::map<std::string, std::size_t> attributes_kept;
};

/// What an attribute cell holds when disclosure control withholds its value.
inline constexpr std::string_view kWithheld = "(withheld)";

/// How many of the attribute columns `attributes` (in order) each participant of `population`
/// may show: the leading ones for which what the row shows, together with the participant's
/// attribution `labels[i]` (which a reader can match to the row through the summaries), fits
/// at least `min_group` participants (`SafeFieldCounts` with the attribution as the first
/// field).
std::map<std::string, std::size_t> ExportAttributeCounts(const Study& study,
                                                         const std::vector<std::string>& population,
                                                         const std::vector<std::string>& labels,
                                                         const std::vector<std::string>& attributes,
                                                         int min_group);

/// The matrices of `themes` (indexes into `study.framework.themes`, in the order given), each
/// with its chart entries attached (from every chart file of that theme), as charts show them.
std::vector<Matrix> ChartedMatrices(const Study& study, const std::vector<int>& themes);

/// The matrix of one theme (an index into `study.framework.themes`) with its chart entries
/// attached, as ChartedMatrices gives it, the entries moved out of `study.charts` instead of
/// copied, and its coded segments taken from the transcripts (TakeTheme): the chart files of
/// that theme are left without cells, its columns without segments. For exports that build one
/// theme's matrix at a time, write it and drop it.
Matrix TakeChartedMatrix(Study& study, int theme);

/// Receives a table's body one row at a time.
using RowSink = std::function<void(const std::vector<std::string>&)>;

/// Receives a document's text piece by piece, in order (the streamed writers).
using TextSink = std::function<void(std::string_view)>;

/// The Framework chart as a spreadsheet: one row per participant (chart order: natural id order),
/// the participant, the requested attributes, then one column per sub-theme headed by its label
/// (its id when it has none). A cell holds, by `options.content`: the chart summary (empty when
/// uncharted); the excerpts, each `L12-14: text`, joined by a blank line; or both, the summary,
/// a blank line, then the excerpts (either part left out when empty). Header: "participant".
Sheet WideSheet(const Study& study, const Matrix& matrix, const ExportOptions& options);
/// WideSheet without its rows (name, title, header, frozen columns), and its rows one by one.
Sheet WideSheetHead(const Study& study, const Matrix& matrix, const ExportOptions& options);
void WideRows(const Study& study, const Matrix& matrix, const ExportOptions& options,
              const RowSink& row);

/// The tidy form, one row per segment: participant, theme, subtheme, code, line_start, line_end,
/// speaker, text, then one column per requested attribute. Rows by matrix (in the order given),
/// participant (chart order), sub-theme (framework order), then transcript order.
Sheet LongSegmentsSheet(const Study& study, const std::vector<Matrix>& matrices,
                        const ExportOptions& options);
/// LongSegmentsSheet without its rows, and the rows of one matrix one by one (the sheet's rows
/// are those of each matrix in turn).
Sheet LongSegmentsHead(const ExportOptions& options);
void LongSegmentsRows(const Study& study, const Matrix& matrix, const ExportOptions& options,
                      const RowSink& row);

/// The tidy form of summaries, one row per charted cell (any status, drafts included):
/// participant, theme, subtheme, status, stale ("true" or "false"), summary, refs (joined by
/// "; "), then one column per requested attribute. Same row order as LongSegmentsSheet; orphan
/// entries are left out (they have no row or column).
Sheet LongSummariesSheet(const Study& study, const std::vector<Matrix>& matrices,
                         const ExportOptions& options);
/// LongSummariesSheet without its rows, and the rows of one matrix one by one.
Sheet LongSummariesHead(const ExportOptions& options);
void LongSummariesRows(const Study& study, const Matrix& matrix, const ExportOptions& options,
                       const RowSink& row);

/// The codebook of `themes` (indexes into `study.framework.themes`, in order), one row per
/// sub-theme: theme, theme label, subtheme, subtheme label, description, and codes (every code
/// that indexes into the column, `theme.subtheme` first, then its aliases, joined by ", ").
Sheet CodebookSheet(const Study& study, const std::vector<int>& themes);

/// A participant's value of attribute `name`, as text; empty when missing or unknown.
std::string AttributeText(const Study& study, std::string_view participant, std::string_view name);

/// Options for CSV and TSV.
struct CsvOptions {
  char delimiter = ',';
  bool crlf = true;      ///< CRLF row ends (RFC 4180); false: LF
  bool bom = false;      ///< a UTF-8 BOM first (for Excel)
  bool sanitize = true;  ///< neutralise cells that start with = + - @ tab CR (formula injection)
};

/// A cell neutralised against formula injection: a leading ', when it starts with = + - @ tab
/// or CR. Used by CSV, TSV and XLSX alike.
std::string NeutraliseFormula(const std::string& cell);

/// The sheet as RFC 4180 CSV (or TSV with delimiter '\t'): fields quoted when they hold the
/// delimiter, a quote, CR or LF; quotes doubled.
std::string WriteCsv(const Sheet& sheet, const CsvOptions& options);
/// WriteCsv piece by piece: what comes before the rows (the BOM, when asked for), and one row
/// (the header or a body row) appended to `out`.
std::string CsvPreamble(const CsvOptions& options);
void AppendCsvRow(const std::vector<std::string>& cells, const CsvOptions& options,
                  std::string& out);

/// LongSegmentsRows of `matrix` as CSV (AppendCsvRow each) to `sink`: the rows written in
/// blocks of participants on `jobs` threads (0: every core) and passed on in order, so the text
/// is the same whatever `jobs` is, and memory holds `jobs` blocks of it.
void WriteLongSegmentsCsv(const Study& study, const Matrix& matrix, const ExportOptions& options,
                          const CsvOptions& csv, unsigned jobs, const TextSink& sink);

/// The sheets as one Markdown document: `# title`, then per sheet `## <sheet title>` (else its
/// name) and a GitHub pipe table. In cells `|` is escaped as `\|`, and line breaks (LF, CRLF,
/// CR) become `<br>`. LF line ends; deterministic.
std::string WriteMarkdown(const std::vector<Sheet>& sheets, const std::string& title);

/// The sheets as one self-contained, printable HTML page (no scripts, no external assets):
/// `title` as the heading, a list of contents, then per sheet a section headed by its title (else
/// its name) holding a table whose header row and first column stay in view while it scrolls;
/// when `codebook` has rows, a last section describing the themes and sub-themes. Printed, each
/// matrix starts a new landscape page and its header row repeats on every page. Cell line
/// breaks become <br>; empty cells are marked for the eye. Deterministic.
std::string WriteHtml(const std::vector<Sheet>& sheets, const std::string& title,
                      const Sheet& codebook);

/// An XLSX workbook written one sheet at a time, so that only the sheet being added is held:
/// libxlsxwriter's constant-memory mode writes each row out as the next begins (strings inline,
/// no shared-string table), its scratch files in $TMPDIR when set. The same workbook, byte for
/// byte, as WriteXlsx gives for the same sheets. Not copyable; an unfinished workbook is
/// discarded (the target left as it was).
class XlsxWorkbook {
 public:
  XlsxWorkbook();
  ~XlsxWorkbook();
  XlsxWorkbook(const XlsxWorkbook&) = delete;
  XlsxWorkbook& operator=(const XlsxWorkbook&) = delete;
  /// Starts the workbook that Finish puts at `path` (atomically, as every output); `sanitize`:
  /// cells neutralised against formula injection. Returns an empty string, else the error.
  std::string Open(const std::string& path, bool sanitize);
  /// Adds `sheet` as the next sheet, its name made valid and unique (see WriteXlsx). Returns
  /// an empty string, else the error (the workbook is then discarded).
  std::string AddSheet(const Sheet& sheet);
  /// Adds `codebook` as the last sheet, "Codebook", and puts the workbook in place. Returns an
  /// empty string, else the error.
  std::string Finish(const Sheet& codebook);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Writes the sheets as one XLSX workbook at `path` (plus a sheet describing themes and
/// sub-themes); sheet names are unique and at most 31 characters; header row and first columns
/// frozen; wrapped text. Cells over Excel's 32,767 characters are cut with a visible marker.
/// Returns an empty string on success, else the error.
std::string WriteXlsx(const std::vector<Sheet>& sheets, const Sheet& codebook, bool sanitize,
                      const std::string& path);

}  // namespace framework
