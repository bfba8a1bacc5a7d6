// The codings-table importer (ImportCodingsCsv) on its own: the input is the table, optionally
// followed by a line "@@@" and the text of the one transcript it codes (else a fixed interview).
// Rows are placed by offsets (four readings) or by finding their coded text; every segment must
// lie inside its transcript, and a successful import must give files that load as a study with
// as many segments as the import wrote.
// fuzz-seeds: tests/refi-seeds/*.csv
// fuzz-dict: csv.dict
#include "framework/file_system.h"
#include "framework/refi_import.h"
#include "framework/study.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(codings_csv) {
  std::string_view csv = data;
  std::string transcript =
      "INT: How did you start?\nP1: I began in children's services, then moved.\n"
      "It was hard, but the team helped.\nP1: The team helped, then it was hard again.\n";
  const std::size_t cut = data.find("\n@@@\n");
  if (cut != std::string_view::npos) {
    csv = data.substr(0, cut + 1);
    transcript = std::string(data.substr(cut + 5));
  }
  framework::MemoryFileSystem transcripts;
  transcripts.Add("plain/interview-1.txt", transcript);
  transcripts.Add("plain/interview-2.txt", "P2: Short.\r\nINT: Thanks.\r\n");
  framework::ImportOptions options;
  options.limits.max_depth = 20;
  framework::ImportResult result =
      framework::ImportCodingsCsv("codings.csv", csv, transcripts, "plain", options);
  diagnostics.insert(diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
  if (!result.ok) return;
  framework::MemoryFileSystem files;
  for (const framework::ImportedFile& file : result.files) files.Add(file.path, file.contents);
  framework::LoadOptions load;
  load.jobs = 1;
  framework::Study study = framework::LoadStudy(files, load);
  FRAMEWORK_FUZZ_CHECK(study.framework_loaded);
  std::size_t segments = 0;
  for (const framework::Transcript& t : study.transcripts) {
    segments += t.segments.size();
    for (const framework::Segment& s : t.segments)
      FRAMEWORK_FUZZ_CHECK(s.text_begin <= s.text_end && s.text_end <= t.text.size());
  }
  // Every segment the import wrote is read back as one.
  FRAMEWORK_FUZZ_CHECK(segments == result.segments);
}
