// The edit buffer of `framework chart --edit`: one cell's summary, comment and status as a
// Markdown file the researcher's editor opens, and read back exactly. See docs/chart-store.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framework/chart.h"
#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"

namespace framework {

/// What the editor changes in a cell.
struct CellBufferFields {
  std::string summary;
  std::string comment;
  ChartStatus status = ChartStatus::kCharted;
};

/// The buffer: `header` (lines starting with '#', each ending in '\n': ignored when read back),
/// then a "## SUMMARY" line, the summary's text, a "## COMMENT" line, the comment's text and a
/// "## STATUS: <status>" line. The texts are written as they are, every byte; only a line of
/// them that starts with "## SUMMARY", "## COMMENT" or "## STATUS" (after any backslashes) is
/// written with one more backslash before it, so it cannot be read as a section line.
std::string WriteCellBuffer(std::string_view header, const CellBufferFields& fields);

/// A buffer read back.
struct ParsedCellBuffer {
  CellBufferFields fields;
  std::string error;  ///< why the buffer cannot be saved (lower-case); empty when it can
};

/// Reads a buffer WriteCellBuffer wrote, after the researcher edited it. A section's text is
/// every byte between its line and the next section line, less the one line break before the
/// next section line and with the escaping undone: a section left as it was gives back exactly
/// the text written (`original`'s). A section that was changed also loses the empty lines
/// before and after its text. A buffer whose every line was given a CR LF ending (an editor
/// set to Windows line endings) is read with LF endings. An error when the three section lines
/// are not there once each and in order, the status is not draft, charted or reviewed, or the
/// text is not valid UTF-8.
ParsedCellBuffer ParseCellBuffer(std::string_view buffer, const CellBufferFields& original);

/// The whole buffer for one matrix cell (`row`, `column` of `matrix`, the matrix of theme
/// `theme` of `study`): a header naming the theme, sub-theme (with its description) and
/// participant (with its attributes), the cell's coded excerpts with their line refs, and how
/// to write the summary; then the sections of WriteCellBuffer holding `fields`.
std::string CellEditBuffer(const Study& study, int theme, const Matrix& matrix, int row, int column,
                           const CellBufferFields& fields);

/// The fields an edit of `cell` starts from (nothing: a new cell): its summary and comment,
/// and its status, but a draft opens as charted (saving it is charting it).
CellBufferFields CellEditFields(const ChartCell* cell);

/// How much an edit may add to its buffer: `chart --edit` reads the buffer back only up to the
/// buffer it wrote plus this (16 MiB), and only as a regular file (an editor that leaves a FIFO,
/// a device or a vast file is refused, the buffer kept). A cell's summary is a few sentences.
inline constexpr std::uint64_t kMaxCellBufferGrowth = std::uint64_t{16} << 20;

/// Where edit buffers live inside a study until they are saved: ".framework/unsaved".
inline constexpr const char* kUnsavedFolder = ".framework/unsaved";

/// Creates a new file `<root>/.framework/unsaved/<theme>-<participant>-<subtheme>-<stamp>.md`
/// (with "-2", "-3", ... before ".md" when the name is taken; characters other than letters,
/// digits, '.', '_' and '-' in the ids become '_') holding `contents`, and returns its path
/// (`root` joined). On failure returns an empty string and sets `*error`.
std::string CreateUnsavedBuffer(const std::string& root, const std::string& theme,
                                const std::string& participant, const std::string& subtheme,
                                const std::string& stamp, std::string_view contents,
                                std::string* error);

/// One note per edit buffer kept in the study's .framework/unsaved folder (text typed in an
/// editor that was never saved into a chart), for `framework check`.
Diagnostics UnsavedBufferNotes(const FileSystem& fs);

}  // namespace framework
