// Joining the parts of a split JSON export (`export --format json --only ...`) into the export
// one run over the whole study gives, byte for byte (`framework merge`).
#pragma once

#include <string>
#include <vector>

#include "framework/file_system.h"
#include "framework/status.h"

namespace framework {

/// One part of a split export: a name for messages (its path) and its text.
struct ExportPart {
  std::string name;
  std::string text;
};

/// Merges `parts` (at least one) into `*merged`: the JSON of one `export --format json` over the
/// whole study (dump(2) layout and a final newline). Everything that depends on the whole study
/// (participant rows, each matrix's rows, which chart entry lands in which cell, stale cells,
/// orphans) is recomputed as `export` computes it; each cell's coded data comes from the part
/// holding its transcript. kStudyErrors, naming the part, when a part is not JSON, not a
/// framework export part, malformed, from another framework or version of the study than the
/// first, or shares a participant with another part. `*merged` is set only on success.
Status MergeExportTexts(const std::vector<ExportPart>& parts, std::string* merged);

/// MergeExportTexts over the files `paths`, each read with ReadInputFile under `policy` and
/// parsed in turn (only the parsed parts are held): kIoError when one cannot be read ("cannot
/// read PATH: why", with ReadInputFile's hint).
Status MergeExportFiles(const std::vector<std::string>& paths, const ReadPolicy& policy,
                        std::string* merged);

}  // namespace framework
