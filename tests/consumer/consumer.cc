// Loads a study with the installed libframework and prints what it holds, one fact a line.
#include <cstdio>

#include <framework/diagnostic.h>
#include <framework/file_system.h>
#include <framework/study.h>
#include <framework/version.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer STUDY_DIR\n");
    return 2;
  }
  framework::DiskFileSystem fs(argv[1]);
  framework::Study study = framework::LoadStudy(fs);
  framework::DiagnosticCounts counts = framework::CountDiagnostics(study.diagnostics);
  std::printf("version %s\n", framework::kVersion);
  std::printf("themes %zu\n", study.framework.themes.size());
  std::printf("transcripts %zu\n", study.transcripts.size());
  std::printf("segments %zu\n", study.SegmentCount());
  std::printf("errors %zu\n", counts.errors);
  return counts.errors == 0 ? 0 : 1;
}
