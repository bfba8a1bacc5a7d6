// framework check: validate the whole study.
#include <cstdio>

#include "commands.h"

namespace framework::cli {
namespace {

struct CheckOptions {
  CommonOptions common;
  std::string format = "text";
  bool strict = false;
};

int RunCheck(const CheckOptions& options) {
  int exit_code = kExitOk;
  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  LoadOptions load;  // diagnostics and counts only: no text, no segments, no chart cells kept
  load.index = IndexRequest{};
  load.index->charts = false;
  Study study = LoadStudyAt(*where, options.common, std::move(load));
  if (options.strict) {
    for (auto& d : study.diagnostics)
      if (d.severity == Severity::kWarning) d.severity = Severity::kError;
  }
  DiagnosticCounts counts = CountDiagnostics(study.diagnostics);

  if (options.format == "json") {
    CheckTotals totals;
    totals.study = options.common.directory.empty() ? std::string(".") : options.common.directory;
    totals.transcripts = study.transcripts.size();
    totals.participants = study.participants.participants.size();
    totals.segments = study.SegmentCount();
    WriteDiagnosticsJson(study.diagnostics, totals, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
    });
  } else {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    if (!options.common.quiet) {
      std::string summary =
          "check: " + Plural(study.transcripts.size(), "transcript", "transcripts") + ", " +
          Plural(study.participants.participants.size(), "participant", "participants") + ", " +
          Plural(study.SegmentCount(), "segment", "segments") + ": ";
      if (counts.errors == 0 && counts.warnings == 0)
        summary += "no problems found";
      else
        summary +=
            Plural(counts.errors, "error", "errors") +
            (counts.unlisted_errors ? " (" + std::to_string(counts.unlisted_errors) + " not shown)"
                                    : std::string()) +
            ", " + Plural(counts.warnings, "warning", "warnings");
      std::fprintf(stderr, "%s\n", summary.c_str());
    }
  }
  if (study.io_error) return FinishOutput(kExitIo);
  return FinishOutput(counts.errors > 0 ? kExitStudyErrors : kExitOk);
}

}  // namespace

Runner SetupCheck(CLI::App& app) {
  auto options = std::make_shared<CheckOptions>();
  AddCommonOptions(app, options->common);
  app.add_option("-f,--format", options->format,
                 "Output format: text (to stderr) or json (to stdout)")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_flag("--strict", options->strict, "Treat warnings as errors");
  app.footer(
      "Checks framework.yaml, the participants file and every transcript: codes known to the\n"
      "framework, participants declared and unique, attributes valid. Diagnostics go to stderr\n"
      "as 'path:line:col: error: message'; with --format json the report goes to stdout.\n\n"
      "Examples:\n"
      "  framework check\n"
      "  framework check -C studies/ipv --strict\n"
      "  framework check --format json | jq '.diagnostics[] | select(.severity==\"error\")'\n\n"
      "Exit codes: 0 clean, 1 errors (or warnings with --strict), 2 usage, 3 input/output.");
  return [options] { return RunCheck(*options); };
}

}  // namespace framework::cli
