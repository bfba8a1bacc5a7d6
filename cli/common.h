// What every command shares: exit codes, common options, finding the study, terminal decisions.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/diagnostic.h"
#include "framework/matrix.h"
#include "framework/study.h"

namespace framework::cli {

/// The exit-code contract (README "Exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitStudyErrors = 1,
  kExitUsage = 2,
  kExitIo = 3,
  kExitInterrupted = 130,
};

/// Options every study command accepts.
struct CommonOptions {
  std::string directory;       ///< -C DIR
  std::string color = "auto";  ///< --color auto|always|never
  bool quiet = false;          ///< -q
  unsigned jobs = 0;           ///< --jobs N (0: every core)
};

/// Adds -C, --color, -q and --jobs to `app`, and the input options (AddInputOptions).
void AddCommonOptions(CLI::App& app, CommonOptions& options);

/// How input files are read in this run (docs/limits.md, "Reading files"): `--max-file-size`
/// and `--follow-symlinks`, given before the command or after it.
ReadPolicy& InputPolicy();

/// Adds --max-file-size SIZE and --follow-symlinks to `app`; they set InputPolicy().
void AddInputOptions(CLI::App& app);

/// The study's files at `root`, read under InputPolicy(), confined to `root`.
DiskFileSystem StudyDisk(const std::string& root);

/// Reads a file named on the command line (an import's FILE, a merge part, --only-from) under
/// InputPolicy(): size-limited, regular files only, wherever it is.
ReadResult ReadNamedFile(const std::string& path);

/// A command's entry point, run after parsing.
using Runner = std::function<int()>;

/// True when colour should be used on `stream` (a terminal, NO_COLOR unset or empty, TERM not
/// dumb; `--color always` or FORCE_COLOR force it, `--color never` stops it).
bool UseColor(std::FILE* stream, const std::string& mode);

/// The widest output `--width` (every command's, checked with CLI::Range(1, kMaxWidth): exit 2
/// beyond) and $COLUMNS (ignored beyond) accept, so a typo cannot make a table allocate
/// without bound (docs/limits.md).
inline constexpr std::size_t kMaxWidth = 10000;

/// Output width: `flag_width` when non-zero, else $COLUMNS, else the terminal's width (stdout),
/// else 80; never more than kMaxWidth. Golden tests set --width or COLUMNS, so output is
/// deterministic.
std::size_t TerminalWidth(std::size_t flag_width = 0);

/// The terminal's width when stdout is a terminal, else 0.
std::size_t StdoutTerminalWidth();

/// The study a command works on: its root folder, and how paths are shown relative to the
/// current directory.
struct StudyLocation {
  std::string root;         ///< absolute path of the folder holding framework.yaml
  std::string path_prefix;  ///< prepended to study-relative paths in messages ("" or "dir/")
};

/// Finds the study from -C (or the current directory and its parents). On failure prints an
/// error and returns the exit code to use.
std::optional<StudyLocation> LocateStudy(const CommonOptions& options, int* exit_code);

/// SOURCE_DATE_EPOCH (reproducible builds): nothing when unset or empty, else its value, which
/// must be decimal digits from 0 to kMaxSourceDateEpoch (9999-12-31T23:59:59Z). An invalid value
/// prints an error saying what is accepted, sets `*exit_code` to kExitUsage and returns -1:
/// commands that write timestamps (chart, export) call this before any work.
std::optional<std::int64_t> SourceDateEpoch(int* exit_code);
inline constexpr std::int64_t kMaxSourceDateEpoch = 253402300799;

/// Writes `text` through the pager named by $FRAMEWORK_PAGER, else $PAGER, else `less`. Returns
/// false, having written nothing, when that pager cannot be run (no such command, not
/// executable, exits 126/127 at once), so the caller writes to stdout instead.
bool WriteThroughPager(const std::string& text);

/// A CLI11 transform that NFC-normalises an option's value: ids given on the command line (theme,
/// code, participant, cell, attribute names) match ids read from files, which are NFC.
CLI::Validator NfcId();

/// Refuses an empty value: `-o ""` is a usage error (exit 2), not standard output or a file
/// without a name. main() adds it to every command's -o/--output.
CLI::Validator NonEmptyPath();

/// Prints diagnostics to stderr in the compiler format.
void PrintDiagnostics(const Diagnostics& diagnostics, const StudyLocation& where, bool color);

/// Prints "framework: error: <message>" (and a hint line) to stderr.
void PrintError(const std::string& message, const std::string& hint = {});

/// The error for a breakdown by `attribute` that disclosure control refuses (its groups under
/// `min_group`, even merged, are fewer than `min_group`), with what to do instead.
void PrintRefusedBreakdown(const std::string& attribute, int min_group);

/// Warns on stderr when --min-group (`used`) is below framework.yaml's `study` minimum: outputs
/// made with different minimums can be set against each other.
void WarnAboutMinGroup(int used, int study);

/// Flushes stdout; on a write error (a full disk, a closed pipe) reports it and returns kExitIo,
/// else `code`.
int FinishOutput(int code);

/// Loads the study at `where` and applies --strict.
Study LoadStudyAt(const StudyLocation& where, const CommonOptions& options, bool keep_text);

/// Loads the study at `where` with `load`, its `jobs` taken from --jobs.
Study LoadStudyAt(const StudyLocation& where, const CommonOptions& options, LoadOptions load);

/// The items of a comma-separated list ("role, sector"), trimmed; empty items dropped.
std::vector<std::string> SplitList(const std::string& text);

/// The index of participant attribute `name`; when there is none, prints the error (with "did
/// you mean"), sets `*exit_code` to kExitUsage and returns -1.
int ResolveAttribute(const Study& study, const std::string& name, int* exit_code);

/// The index of theme `id`; when there is none, prints the error (with "did you mean", else the
/// list of themes), sets `*exit_code` to kExitUsage and returns -1.
int ResolveTheme(const Framework& framework, const std::string& id, int* exit_code);

/// "1 file", "2 files": the count and the word that goes with it.
std::string Plural(std::size_t n, const char* one, const char* many);

/// The exit code of a command that wrote its output from a study despite the study's errors:
/// 3 when a study file was refused or could not be read (docs/limits.md); 1, with an error on
/// stderr, when the participants file could not be read at all (the output then has no
/// participant attribute); else 0.
int OutputExitCode(const Study& study);

/// Unless there are none, a note on stderr that the study has errors, so `consequence` (e.g.
/// "some quotes may be missing"), pointing to `framework check`.
void NoteStudyErrors(const Diagnostics& diagnostics, const std::string& consequence);

/// Whether the output path `output` (-o, as typed) may be written: false, after printing why
/// (*exit_code = kExitUsage), when it is or would be one of the input files of the study at
/// `root` (StudyInputAt; `framework` is its framework.yaml, and no study is checked when `root`
/// is empty), or is the same file as one of `inputs` (the command's other inputs). Output never
/// replaces an input, whatever the format (docs/decisions.md "Output targets").
bool CheckOutputTarget(const std::string& output, const std::string& root,
                       const Framework& framework, const std::vector<std::string>& inputs,
                       int* exit_code);

}  // namespace framework::cli
