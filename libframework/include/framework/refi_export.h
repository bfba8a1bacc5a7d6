// REFI-QDA export: a study as a .qdpx project (REFI-QDA 1.5, namespace urn:QDA-XML:project:1.0)
// that other QDA packages (NVivo, ATLAS.ti, MAXQDA, QualCoder) open: the transcripts as plain text
// sources, the framework as a code tree, segments as coded PlainTextSelections, participants as
// cases with typed variables, and chart summaries and matrices as notes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "framework/study.h"

namespace framework {

/// A .qdpx whose entries (project.qde and the sources) come to more than this (64 MiB) together
/// is deflated at zlib's fastest level instead of its highest (docs/limits.md).
inline constexpr std::uint64_t kQdpxFastDeflateBytes = std::uint64_t{64} << 20;
/// Past this (256 MiB of entries together) they are stored, not deflated: deflating a study of
/// thousands of interviews would take longer than everything else the export does.
inline constexpr std::uint64_t kQdpxStoreBytes = std::uint64_t{256} << 20;

/// Options for the REFI-QDA export.
struct RefiExportOptions {
  /// The Project's `origin` (software and version). Importers key quirks off it; ours knows an
  /// origin starting with "framework " follows the conventions documented in docs/decisions.md.
  std::string origin = "framework";
  /// Seconds since the Unix epoch stamped on every zip entry. Fixed (never the clock), so the
  /// archive is byte-identical for the same study; the CLI passes SOURCE_DATE_EPOCH when set.
  /// Values before 1980 (the zip format's epoch) are stored as 1980-01-01.
  std::int64_t timestamp = 315532800;  // 1980-01-01T00:00:00Z
  /// Past this many bytes of entries in all, they are deflated at the fastest level, not the
  /// highest.
  std::uint64_t fast_deflate_bytes = kQdpxFastDeflateBytes;
  /// Past this many bytes of entries in all, they are stored uncompressed.
  std::uint64_t store_bytes = kQdpxStoreBytes;
};

/// A REFI-QDA project, built and ready to package.
struct RefiProject {
  /// The project.qde document (UTF-8, LF line ends).
  std::string project_xml;
  /// Archive entries besides project.qde: ("sources/<guid>.txt", plain text), in a fixed order
  /// (the study's transcript order).
  std::vector<std::pair<std::string, std::string>> sources;
  /// What the export left out, one line each ("transcripts/P03.txt: ..."), for the user: never
  /// silently dropped. Empty for a study without errors.
  std::vector<std::string> skipped;

  std::size_t source_count = 0;  ///< TextSources (one per exported transcript)
  std::size_t codes = 0;         ///< Code elements (themes, sub-themes, aliases)
  std::size_t selections = 0;    ///< PlainTextSelections (one per segment)
  std::size_t cases = 0;         ///< Cases (one per participant)
  std::size_t notes = 0;         ///< Notes (chart summaries and matrix records)
};

/// Builds the project from `study`, loaded with its text. Always the whole study: every theme,
/// sub-theme and alias; every transcript; every participant; every chart entry (orphans too).
///
/// Sources hold each transcript's text without front matter and code tags, escapes resolved,
/// with speaker labels ("P07:") kept where turns begin, LF line ends, no BOM. Positions count
/// Unicode code points from 0, end exclusive, as the standard says. GUIDs are derived from the
/// study's title and the ids of what they name, so the same study gives the same bytes.
RefiProject BuildRefiProject(const Study& study, const RefiExportOptions& options = {});

/// Packs the project into .qdpx bytes: a zip (deflate) of project.qde then sources/*.txt, in
/// that order, every entry dated `options.timestamp`. Returns an empty string on success (with
/// the archive in `*bytes`), else the error.
std::string PackQdpx(const RefiProject& project, const RefiExportOptions& options,
                     std::string* bytes);

/// Writes the study's .qdpx to `path` (atomically, as AtomicFile does: the target keeps its old
/// bytes on any error), the same bytes PackQdpx(BuildRefiProject(...)) makes, without holding
/// them: project.qde is written as it is made to an unnamed scratch file beside the output, and
/// each source text is made from its transcript only when the archive is written, so memory
/// stays near that of the largest transcript. `*report` (when given) gets what BuildRefiProject
/// says besides the texts: the counts and what was left out. Returns an empty string on success,
/// else the error.
std::string WriteQdpx(const Study& study, const RefiExportOptions& options, const std::string& path,
                      RefiProject* report = nullptr);

/// Code points in `text` before each byte offset of `offsets` (sorted ascending, each at most
/// `text.size()`), for REFI-QDA positions. `text` must be valid UTF-8.
std::vector<std::size_t> CodePointOffsets(const std::string& text,
                                          const std::vector<std::size_t>& offsets);

/// A GUID derived from `key` (FNV-1a of two salted copies), formatted 8-4-4-4-12 in lower case
/// with the version nibble 8 (RFC 9562 "custom") and the RFC 4122 variant bits set.
std::string DerivedGuid(const std::string& key);

}  // namespace framework
