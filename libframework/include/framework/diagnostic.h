// Diagnostics: what loaders and checks report about a study, and how they are shown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace framework {

/// How serious a diagnostic is. Errors make `framework check` exit 1; warnings do so only
/// under `--strict`; notes add context to the diagnostic before them.
enum class Severity { kError, kWarning, kNote };

/// "error", "warning" or "note".
std::string_view SeverityName(Severity severity);

/// One located problem. Lines and columns are 1-based; columns count Unicode code points.
/// A line or column of 0 means "unknown" (a whole-file problem, say).
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string rule;         ///< stable kebab-case identifier, e.g. "unknown-code"
  std::string file;         ///< path relative to the study root (or the display name given)
  int line = 0;             ///< 1-based line, 0 when unknown
  int column = 0;           ///< 1-based column in code points, 0 when unknown
  int length = 1;           ///< code points to underline from `column`
  std::string message;      ///< lower-case, no final period, quotes the offending text
  std::string hint;         ///< what to do about it; may be empty
  std::string source_line;  ///< the text of `line` without its line ending, for the caret display
};

using Diagnostics = std::vector<Diagnostic>;

/// Counts of diagnostics by severity.
struct DiagnosticCounts {
  std::size_t errors = 0;
  std::size_t warnings = 0;
};
DiagnosticCounts CountDiagnostics(const Diagnostics& diagnostics);

/// Sorts diagnostics stably by (file rank, line, column). A file's rank is its position in
/// `file_order` (files not listed come after, by name). Notes stay directly after the diagnostic
/// they belong to.
void SortDiagnostics(Diagnostics& diagnostics, const std::vector<std::string>& file_order = {});

/// Options for rendering diagnostics as text.
struct RenderOptions {
  bool color = false;       ///< ANSI colours
  std::string path_prefix;  ///< prepended to `file` (e.g. the -C directory as typed)
};

/// Renders one diagnostic the way compilers do:
///   path:LINE:COL: error: message
///      12 | the source line
///         |      ^~~~
///         = hint: what to do
/// Lines without a location print `path: error: message`.
std::string RenderDiagnostic(const Diagnostic& diagnostic, const RenderOptions& options = {});

}  // namespace framework
