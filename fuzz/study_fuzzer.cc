// A whole study in memory: LoadStudy over a MemoryFileSystem (every loader, then the checks
// across files), then each theme indexed into its matrix with its chart attached.
//
// The input is an archive of files, each introduced by a line "@@ <path>":
//   @@ framework.yaml
//   framework: 1
//   ...
//   @@ transcripts/P01.txt
//   ...
// fuzz-seeds-study: tests/studies/* tests/studies-chart/* examples/*
// fuzz-dict: yaml.dict transcript.dict
#include <string>

#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/study.h"
#include "fuzz_target.h"

FRAMEWORK_FUZZ_TARGET(study) {
  framework::MemoryFileSystem files;
  std::string path;
  std::string contents;
  bool any = false;
  std::size_t pos = 0;
  while (pos <= data.size()) {
    std::size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    const std::string_view line = data.substr(pos, end - pos);
    if (line.starts_with("@@ ")) {
      if (any) files.Add(path, contents);
      path = std::string(line.substr(3));
      contents.clear();
      any = true;
    } else if (any) {
      contents.append(line);
      if (end < data.size()) contents += '\n';
    }
    pos = end + 1;
  }
  if (any) files.Add(path, contents);

  framework::LoadOptions options;
  options.jobs = 1;
  framework::Study study = framework::LoadStudy(files, options);
  if (!study.framework.parsed) return;
  for (std::size_t theme = 0; theme < study.framework.themes.size(); ++theme) {
    framework::Matrix matrix = framework::IndexTheme(study, static_cast<int>(theme));
    for (const framework::Chart& chart : study.charts)
      if (chart.theme == matrix.theme) framework::AttachChart(matrix, chart);
  }
  diagnostics = std::move(study.diagnostics);
}
