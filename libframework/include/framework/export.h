// Exports for reports and scripts: matrices as tables (wide and long), rendered to CSV, TSV,
// Markdown, HTML and XLSX. Builders turn the model into Sheets; writers turn Sheets into bytes.
#pragma once

#include <string>
#include <vector>

#include "framework/matrix.h"
#include "framework/study.h"

namespace framework {

/// What a wide matrix cell holds.
enum class CellContent { kSummary, kExcerpts, kBoth };

/// A table ready to write: one header row and body rows of text.
struct Sheet {
  std::string name;         ///< theme id (wide), or "long"
  std::string title;        ///< theme label, for formats that show one
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::size_t frozen_columns = 1;  ///< leading columns that identify a row (participant, attributes)
};

/// Options shared by the builders.
struct ExportOptions {
  CellContent content = CellContent::kSummary;
  std::vector<std::string> attributes;  ///< attribute columns after the participant, in order
};

/// The Framework chart as a spreadsheet: one row per participant (chart order), the participant,
/// the requested attributes, then one column per sub-theme headed by its label.
Sheet WideSheet(const Study& study, const Matrix& matrix, const ExportOptions& options);

/// The tidy form, one row per segment: participant, theme, subtheme, code, line_start, line_end,
/// speaker, text, then one column per requested attribute.
Sheet LongSegmentsSheet(const Study& study, const std::vector<Matrix>& matrices,
                        const ExportOptions& options);

/// The tidy form of summaries, one row per charted cell: participant, theme, subtheme, status,
/// stale, summary, refs, then one column per requested attribute.
Sheet LongSummariesSheet(const Study& study, const std::vector<Matrix>& matrices,
                         const ExportOptions& options);

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

/// The sheets as one Markdown document: a heading and a pipe table per sheet.
std::string WriteMarkdown(const std::vector<Sheet>& sheets, const std::string& title);

/// Writes the sheets as one XLSX workbook at `path` (plus a sheet describing themes and
/// sub-themes); sheet names are unique and at most 31 characters; header row and first columns
/// frozen; wrapped text. Cells over Excel's 32,767 characters are cut with a visible marker.
/// Returns an empty string on success, else the error.
std::string WriteXlsx(const std::vector<Sheet>& sheets, const Sheet& codebook, bool sanitize,
                      const std::string& path);

}  // namespace framework
