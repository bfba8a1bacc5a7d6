// framework merge: joins the parts of a split JSON export (`export --format json --only ...`)
// into the export one run over the whole study gives, byte for byte.
#include "commands.h"
#include "framework/chart.h"
#include "framework/file_system.h"
#include "framework/merge.h"

namespace framework::cli {
namespace {

struct MergeCliOptions {
  std::vector<std::string> parts;
  std::string output;
  bool quiet = false;
};

int RunMerge(const MergeCliOptions& options) {
  int exit_code = kExitOk;
  auto failed = [](const Status& status) {
    PrintError(status.message, status.hint);
    return status.code == StatusCode::kIoError ? kExitIo : kExitStudyErrors;
  };
  if (options.output.empty() || options.output == "-") {
    // Written as it is built: nothing reaches standard output unless every part was checked.
    const Status status = MergeExportFiles(options.parts, InputPolicy(), [](std::string_view b) {
      return std::fwrite(b.data(), 1, b.size(), stdout) == b.size();
    });
    if (!status.ok()) return failed(status);
    return FinishOutput(kExitOk);
  }
  // Output never replaces an input: the parts, nor the files of a study merge runs in.
  std::string root;
  Framework framework;
  if (auto found = FindStudyRoot(".")) {
    ReadResult file = DiskFileSystem(*found).Read("framework.yaml");
    Diagnostics ignored;
    if (file.ok) {
      root = *found;
      framework = LoadFramework("framework.yaml", file.contents, ignored);
    }
  }
  if (!CheckOutputTarget(options.output, root, framework, options.parts, &exit_code))
    return exit_code;
  AtomicFile file;
  if (std::string error = file.Open(options.output); !error.empty()) {
    PrintError(error);
    return kExitIo;
  }
  const Status status = MergeExportFiles(options.parts, InputPolicy(),
                                         [&](std::string_view b) { return file.Write(b); });
  if (!status.ok()) {
    file.Abandon();
    if (status.code == StatusCode::kIoError && !file.error().empty()) {
      PrintError(file.error());
      return kExitIo;
    }
    return failed(status);
  }
  if (std::string error = file.Commit(); !error.empty()) {
    PrintError(error);
    return kExitIo;
  }
  if (!options.quiet)
    std::fprintf(stderr, "merged %zu parts into %s\n", options.parts.size(),
                 options.output.c_str());
  return kExitOk;
}

}  // namespace

Runner SetupMerge(CLI::App& app) {
  auto options = std::make_shared<MergeCliOptions>();
  app.add_option("PART", options->parts,
                 "Parts written by 'framework export --format json --only ...'")
      ->required()
      ->type_name("PART.json");
  app.add_option("-o,--output", options->output,
                 "Write to FILE, atomically (default: standard output)")
      ->type_name("FILE");
  app.add_flag("-q,--quiet", options->quiet, "Print no summary");
  AddInputOptions(app);
  app.footer(
      "Joins the parts of an export split across machines (Slurm array jobs, GNU parallel):\n"
      "each part is 'framework export --format json --only GLOB' over some of the transcripts,\n"
      "and every transcript is in exactly one part. The result is byte-identical to one\n"
      "'framework export --format json' over the whole study. Parts from different frameworks,\n"
      "participants or charts, and parts sharing a participant, are refused.\n\n"
      "Examples:\n"
      "  framework export --format json --only 'P0[0-4]*' -o part1.json\n"
      "  framework export --format json --only 'P0[5-9]*' -o part2.json\n"
      "  framework merge part1.json part2.json -o all.json");
  return [options] { return RunMerge(*options); };
}

}  // namespace framework::cli
