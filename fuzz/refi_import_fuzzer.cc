// The REFI-QDA importer, every entry point, chosen by what the input looks like: a zip ("PK") is
// a .qdpx project read from memory (with its limits on entries, sizes and names); XML holding a
// <CodeBook> is a .qdc codebook (alone, and merged into a framework.yaml); other XML is a bare
// project.qde whose sources are missing; anything else is a codings table applied to one plain
// transcript. Every import either fails with diagnostics or gives a study whose files load.
// fuzz-seeds: tests/refi-seeds/*
// fuzz-dict: refi.dict
#include "framework/file_system.h"
#include "framework/refi_import.h"
#include "framework/study.h"
#include "fuzz_target.h"

namespace {

// The imported files load as a study without throwing, and the import's own counts hold.
void CheckResult(const framework::ImportResult& result, framework::Diagnostics& diagnostics) {
  diagnostics.insert(diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
  if (!result.ok) return;
  framework::MemoryFileSystem files;
  for (const framework::ImportedFile& file : result.files) {
    FRAMEWORK_FUZZ_CHECK(!file.path.empty() && file.path.front() != '/' &&
                         file.path.find("..") == std::string::npos);
    files.Add(file.path, file.contents);
  }
  framework::LoadOptions options;
  options.jobs = 1;
  framework::Study study = framework::LoadStudy(files, options);
  FRAMEWORK_FUZZ_CHECK(study.framework_loaded);
}

}  // namespace

FRAMEWORK_FUZZ_TARGET(refi_import) {
  framework::ImportOptions options;
  options.limits.max_entries = 200;
  options.limits.read.max_file_size = 8u << 20;
  options.limits.max_total_bytes = 32u << 20;
  if (data.starts_with("PK")) {
    CheckResult(framework::ImportQdpx("fuzz.qdpx", data, options), diagnostics);
  } else if (data.find("<CodeBook") != std::string_view::npos) {
    CheckResult(framework::ImportCodebook("fuzz.qdc", data, nullptr, options), diagnostics);
    static const std::string existing =
        "framework: 1\ntitle: Existing\nthemes:\n  - id: role\n    label: Role\n"
        "    subthemes:\n      - id: background\n        label: Background\n";
    framework::Diagnostics merged;
    framework::ImportResult merge = framework::ImportCodebook("fuzz.qdc", data, &existing, options);
    merged.insert(merged.end(), merge.diagnostics.begin(), merge.diagnostics.end());
  } else if (data.starts_with("<") || data.starts_with("\xEF\xBB\xBF<")) {
    framework::MemoryFileSystem sources;
    CheckResult(framework::ImportQde("project.qde", data, sources, options), diagnostics);
  } else {
    framework::MemoryFileSystem transcripts;
    transcripts.Add("interview-1.txt",
                    "INT: How did you start?\nP1: I began in children's services, then moved.\n"
                    "It was hard, but the team helped.\n");
    CheckResult(framework::ImportCodingsCsv("codings.csv", data, transcripts, ".", options),
                diagnostics);
  }
}
