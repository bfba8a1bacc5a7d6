// Joining the parts of a split JSON export (`export --format json --only ...`) into the export
// one run over the whole study gives, byte for byte (`framework merge`).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/file_system.h"
#include "framework/status.h"

namespace framework {

/// One part of a split export: a name for messages (its path) and its text.
struct ExportPart {
  std::string name;
  std::string text;
};

/// Receives the merged export a piece at a time, in order; returns false when it could not
/// take them (the merge then stops with kIoError).
using MergeSink = std::function<bool(std::string_view)>;

/// The most JSON values one part may hold (docs/limits.md, "Merge").
inline constexpr std::size_t kMaxMergePartValues = 20'000'000;

/// The deepest nesting of arrays and objects in a part (docs/limits.md, "Merge").
inline constexpr std::size_t kMaxMergeDepth = 1000;

/// Merges `parts` (at least one) into `*merged`: the JSON of one `export --format json` over the
/// whole study (dump(2) layout and a final newline). Everything that depends on the whole study
/// (participant rows, each matrix's rows, which chart entry lands in which cell, stale cells,
/// orphans) is recomputed as `export` computes it; each cell's coded data comes from the part
/// holding its transcript. kStudyErrors, naming the part and where in it ("PATH:LINE:COL: ..."
/// when a place can be named), when a part is not JSON, has one member name twice in an object,
/// holds more than kMaxMergePartValues values or nests deeper than kMaxMergeDepth, is not a
/// framework export part, is malformed (a member missing or of the wrong kind), is from another
/// framework or version of the study than the first, or shares a participant with another part.
/// `*merged` is set only on success.
Status MergeExportTexts(const std::vector<ExportPart>& parts, std::string* merged);

/// MergeExportTexts over the files `paths`, each read with ReadInputFile under `policy` (only
/// the parts' texts and an index of 16 bytes a value are held), written to `write` as it is
/// built: nothing is written unless every part was read and checked. kIoError when one cannot
/// be read ("cannot read PATH: why", with ReadInputFile's hint) or `write` returns false.
Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        const MergeSink& write);

/// MergeExportFiles into `*merged` (set only on success).
Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        std::string* merged);

}  // namespace framework
