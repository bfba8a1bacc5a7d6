// Diagnostics: what loaders and checks report about a study, and how they are shown.
#pragma once

#include <cstddef>
#include <functional>
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
  std::string rule;     ///< stable kebab-case identifier, e.g. "unknown-code"
  std::string file;     ///< path relative to the study root (or the display name given)
  int line = 0;         ///< 1-based line, 0 when unknown
  int column = 0;       ///< 1-based column in code points, 0 when unknown
  int length = 1;       ///< code points to underline from `column`
  std::string message;  ///< lower-case, no final period, quotes the offending text
  std::string hint;     ///< what to do about it; may be empty
  /// The text of `line` without its line ending, for the caret display; of a line longer than
  /// kSourceExcerptChars code points, only that many around `column` (see SetSourceLine).
  std::string source_line;
  int source_start = 1;     ///< 1-based column of the line at which `source_line` starts
  bool source_cut = false;  ///< `source_line` stops before the end of its line
  /// On a note that closes a capped list: how many further errors ("too-many-errors") or
  /// warnings ("too-many-warnings") were found but not listed. CountDiagnostics counts them as
  /// errors or warnings by the note's rule, so totals stay true.
  std::size_t unlisted = 0;
};

/// The most code points of a source line a diagnostic keeps (a bounded excerpt around its
/// column, so a diagnostic on a multi-megabyte line costs the same as on a short one), and how
/// many of them come before the column.
inline constexpr int kSourceExcerptChars = 240;
inline constexpr int kSourceExcerptBefore = 100;

/// Sets `d.source_line`, `d.source_start` and `d.source_cut` from `line` (the whole text of line
/// `d.line`): the line itself, or an excerpt of kSourceExcerptChars code points starting
/// kSourceExcerptBefore before `d.column`. Invalid UTF-8 is kept as U+FFFD, one per invalid
/// sequence, so columns still count as SourceText counts them.
void SetSourceLine(Diagnostic& d, std::string_view line);

/// `text` safe to print on a terminal and readable: C0 and C1 controls and DEL as `\x1b`-style
/// escapes, invisible and direction-changing characters (format characters such as U+200B ZERO
/// WIDTH SPACE and U+202E RIGHT-TO-LEFT OVERRIDE, spaces other than U+0020 and U+3000, line and
/// paragraph separators, other default-ignorable code points except variation selectors) as
/// `\u200b`-style escapes, tabs as one space, invalid UTF-8 as U+FFFD.
std::string VisibleText(std::string_view text);

using Diagnostics = std::vector<Diagnostic>;

/// Counts of diagnostics by severity.
struct DiagnosticCounts {
  std::size_t errors = 0;           ///< every error found, listed or not
  std::size_t warnings = 0;         ///< every warning
  std::size_t unlisted_errors = 0;  ///< of `errors`, those counted by a note but not listed
};
DiagnosticCounts CountDiagnostics(const Diagnostics& diagnostics);

/// Sorts diagnostics stably by (file rank, line, column). A file's rank is its position in
/// `file_order` (files not listed come after, by name). Notes stay directly after the diagnostic
/// they belong to.
void SortDiagnostics(Diagnostics& diagnostics, const std::vector<std::string>& file_order = {});

/// What the report of `framework check --format json` says about the study besides its
/// diagnostics.
struct CheckTotals {
  std::string study;             ///< the study as named (the -C directory as typed, or ".")
  std::size_t transcripts = 0;   ///< transcripts read
  std::size_t participants = 0;  ///< participants declared
  std::size_t segments = 0;      ///< coded segments
};

/// Writes the report of `framework check --format json` (schemas/check-output.schema.json) to
/// `sink`: `format` "framework-check", `version` 1, `study`, `summary` (the counts of
/// CountDiagnostics, then `totals`' transcripts, participants and segments) and `diagnostics`,
/// each with its severity, rule, file, line and column (when known), message, hint (when
/// given) and the number of unlisted diagnostics (on a note closing a capped list). Laid out as
/// nlohmann's dump(2) with a final line break, invalid UTF-8 replaced; written a diagnostic at
/// a time, in pieces of about 64 KiB, so the report is never held twice.
void WriteDiagnosticsJson(const Diagnostics& diagnostics, const CheckTotals& totals,
                          const std::function<void(std::string_view)>& sink);

/// Options for rendering diagnostics as text.
struct RenderOptions {
  bool color = false;       ///< ANSI colours
  std::string path_prefix;  ///< prepended to `file` (e.g. the -C directory as typed)
};

/// Renders one diagnostic the way compilers do:
///   path:LINE:COL: error: message
///      12 | the source line
///         |      ^~~~
///         = note: U+200B ZERO WIDTH SPACE at column 9, shown as \u200b
///         = hint: what to do
/// Lines without a location print `path: error: message`. Path, message, hint and source line
/// go through VisibleText, so no control character or bidi override reaches the terminal. A
/// source line wider than about 100 terminal columns is cut around the caret, with `…` where
/// text is left out; the caret stays under the character at `column`. The characters shown
/// as escapes are named in a note (at most three, then how many more).
std::string RenderDiagnostic(const Diagnostic& diagnostic, const RenderOptions& options = {});

}  // namespace framework
