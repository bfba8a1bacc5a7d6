// Importing coded work from other tools: REFI-QDA projects (.qdpx), REFI-QDA codebooks (.qdc)
// and long tables of codings (CSV), each turned into a study (or merged into a framework.yaml).
//
// Every importer reads bytes it is given (nothing is written), returns the study as files in
// memory plus diagnostics and an import report, and never throws. `WriteImportedStudy` puts the
// files on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framework/diagnostic.h"
#include "framework/file_system.h"

namespace framework {

/// Bounds on what an input may make the importer read (zip bombs, hostile archives, deep or
/// huge files). Every limit is enforced on what is actually read or inflated, and exceeding one
/// imports nothing. See docs/limits.md.
struct ImportLimits {
  std::size_t max_entries = 20000;  ///< entries in the archive
  /// One file (an archive entry, a source beside a bare .qde): `read.max_file_size` bytes at
  /// most (64 MB by default, as every input); `read.follow_symlinks`: a bare .qde's sources
  /// may be symbolic links that resolve outside its folder. The command line sets it whole
  /// from --max-file-size and --follow-symlinks.
  ReadPolicy read;
  std::uint64_t max_total_bytes = 512ull << 20;  ///< uncompressed bytes read from an archive
  /// Uncompressed / compressed, per entry and for the archive as a whole (against its real
  /// size); 0: no ratio rule (the byte limits above still hold)...
  std::uint64_t max_ratio = 200;
  std::uint64_t ratio_floor_bytes = 1ull << 20;  ///< ...checked once past this many bytes
  int max_depth = 100;                           ///< nesting of codes (XML, `::` or CSV paths)
  /// Elements and attributes of one XML file ('<' and '=' counted before parsing): the parsed
  /// tree takes up to 64 bytes for each, whatever the file's size.
  std::uint64_t max_xml_markup = 3000000;
  /// Codes in one codebook (`<Code>` of a .qde/.qdc): real ones have hundreds to tens of
  /// thousands.
  std::size_t max_codes = 50000;
  /// Codings (rows below the header) in one codings table.
  std::size_t max_codings = 200000;
};

/// How to import.
struct ImportOptions {
  /// What may be read, and how files are read (`limits.read`). Files that are not regular are
  /// always refused.
  ImportLimits limits;
  std::string title;  ///< the study's title; default: the project's name or the file's stem
};

/// One file of the imported study: a path relative to the study root, and its bytes.
struct ImportedFile {
  std::string path;
  std::string contents;
};

/// What an import produced.
struct ImportResult {
  /// False when nothing could be imported (a malformed or unsafe archive, XML that does not
  /// parse, no project file): `files` is empty and `diagnostics` says why.
  bool ok = false;
  /// The study: framework.yaml, participants.yaml, transcripts/*.txt, notes/*.md and
  /// IMPORT-REPORT.md, sorted by path.
  std::vector<ImportedFile> files;
  /// Problems, located as `archive.qdpx/project.qde:LINE:COL` (file = "archive/entry") or
  /// `codings.csv:LINE:COL`. Errors: input that is wrong (a dangling reference, an offset out
  /// of range, a missing source); warnings: things that could not be mapped (a PDF source, a
  /// set, a link); notes: what was done (the offset rule chosen).
  Diagnostics diagnostics;
  /// How selection offsets were read, e.g. "UTF-16 code units, CRLF counted as 2 (origin
  /// 'NVivo 14')"; empty when the input had no offsets.
  std::string offset_rule;
  std::size_t sources = 0;       ///< text sources (or transcripts) imported
  std::size_t participants = 0;  ///< participants written
  std::size_t segments = 0;      ///< coded segments written (after merging overlaps)
  std::size_t codes = 0;         ///< codes mapped to columns or aliases

  /// The file at `path`, or nullptr.
  const ImportedFile* Find(std::string_view path) const;
};

/// Imports a REFI-QDA project archive held in memory. `name` is the archive's display name,
/// used in diagnostics. Text sources become transcripts with inline codes; the code tree
/// becomes themes and sub-themes (deeper codes are aliases of their sub-theme); cases and
/// variables become participants and attributes; notes go to notes/*.md; what cannot be mapped
/// is listed in IMPORT-REPORT.md and the diagnostics.
ImportResult ImportQdpx(std::string_view name, std::string_view bytes,
                        const ImportOptions& options = {});

/// The same, reading the archive from a file (entries are read one at a time, bounded by
/// `options.limits`, so a large archive of media is never loaded whole).
ImportResult ImportQdpxFile(const std::string& path, const ImportOptions& options = {});

/// Imports a REFI-QDA project file (.qde XML) on its own, with source texts given by
/// `sources` (file names as the .qde refers to them, looked up under "sources/" too). Used by
/// ImportQdpx and by tests and fuzzing.
ImportResult ImportQde(std::string_view name, std::string_view xml, const FileSystem& sources,
                       const ImportOptions& options = {});

/// The source files of a bare .qde on disk, for ImportQde: files under the folder `root` (the
/// .qde's folder). Only regular files are read, each at most
/// `options.limits.read.max_file_size` (the read stops there); unless
/// `options.limits.read.follow_symlinks`, a file that resolves through
/// symbolic links to outside `root` is refused. A refusal is a read error naming the reason.
class SourceFolder : public FileSystem {
 public:
  SourceFolder(std::string root, const ImportOptions& options);
  ReadResult Read(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  bool Exists(const std::string& path) const override;
  /// Not used by the importer: empty.
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::string& suffix) const override;
  /// Not used by the importer: empty.
  std::vector<std::string> Glob(const std::string& pattern) const override;

 private:
  std::string root_;
  std::uint64_t max_bytes_;
  bool follow_symlinks_;
};

/// Imports a REFI-QDA codebook (.qdc). With `existing_framework` null, the result is a new study
/// (framework.yaml, an empty participants.yaml, IMPORT-REPORT.md). Otherwise the result holds
/// framework.yaml as `existing_framework` with the new themes and sub-themes added: nothing in
/// it is changed or removed; a theme or sub-theme already there (same id or label) is kept as it
/// is and differences are reported as warnings.
ImportResult ImportCodebook(std::string_view name, std::string_view xml,
                            const std::string* existing_framework,
                            const ImportOptions& options = {});

/// Imports a long table of codings (one row per coded passage: document, code, and start/end
/// offsets in characters or the coded text) applied to plain transcripts. `transcripts` holds the
/// plain .txt files, listed under `dir`. Header aliases: see the README ("framework import").
ImportResult ImportCodingsCsv(std::string_view name, std::string_view csv,
                              const FileSystem& transcripts, const std::string& dir,
                              const ImportOptions& options = {});

/// Writes an imported study at `dir`, atomically as a whole: the study is built in a hidden
/// staging folder beside it (".DIR.import-XXXXXX", locked while in use), the report last, and
/// renamed into place as the last step, so `dir` holds no study or the complete one (a symlink
/// `dir` is followed). Refuses (returns an error, writes nothing) when `dir` holds anything,
/// unless `force`; with `force` the old folder stays until the new one is complete and then
/// swaps with it, the old files the import does not write carried over unchanged (hard links)
/// and those it writes replaced. Staging folders of killed imports into `dir` are removed first.
/// Returns an empty string on success; `notes` (when given) gets lines worth telling the user.
std::string WriteImportedStudy(const std::string& dir, const ImportResult& result, bool force,
                               std::vector<std::string>* notes = nullptr);

/// Writes only `framework.yaml` (a merged codebook) and IMPORT-REPORT.md into study `dir`.
/// Returns an empty string on success.
std::string WriteMergedFramework(const std::string& dir, const ImportResult& result);

/// An id made from `name`: transliterated to ASCII (ICU "Any-Latin; Latin-ASCII; Lower"), runs
/// of other characters turned into '-', trimmed, at most 40 characters; `fallback` when nothing
/// is left. Satisfies IsValidId(…, false).
std::string SlugId(std::string_view name, std::string_view fallback = "item");

}  // namespace framework
