// framework codes: the codebook with its use.
#include "commands.h"
#include "framework/code_stats.h"
#include "framework/text.h"

namespace framework::cli {
namespace {

struct CodesOptions {
  CommonOptions common;
  std::string format = "text";
};

std::string Pad(const std::string& s, std::size_t width) {
  std::size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string PadLeft(const std::string& s, std::size_t width) {
  std::size_t w = DisplayWidth(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

// Renders rows as columns separated by two spaces; `numeric` columns are right-aligned.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& numeric) {
  std::vector<std::size_t> widths(numeric.size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) line += "  ";
      bool last = c + 1 == row.size();
      line += numeric[c] ? PadLeft(row[c], widths[c]) : (last ? row[c] : Pad(row[c], widths[c]));
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

int RunCodes(const CodesOptions& options) {
  int exit_code = kExitOk;
  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  Study study = LoadStudyAt(*where, options.common, /*keep_text=*/true);
  const Framework& f = study.framework;
  if (!study.framework_loaded || f.themes.empty()) {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    return study.io_error ? kExitIo : kExitStudyErrors;
  }

  const CodeStats stats = ComputeCodeStats(study);
  const auto& columns = stats.columns;

  if (options.format == "json") {
    WriteCodeStatsJson(f, stats, [](std::string_view piece) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
    });
  } else {
    std::vector<std::vector<std::string>> rows{
        {"THEME", "SUB-THEME", "CODES", "SEGMENTS", "PARTICIPANTS", "WORDS"}};
    for (std::size_t t = 0; t < f.themes.size(); ++t) {
      const Theme& theme = f.themes[t];
      for (std::size_t s = 0; s < theme.subthemes.size(); ++s) {
        const ColumnStats& use = columns[t][s];
        std::string codes;
        for (const CodeCount& c : use.codes) codes += (codes.empty() ? "" : ", ") + c.code;
        rows.push_back({s == 0 ? theme.id : "", theme.subthemes[s].id, codes,
                        std::to_string(use.segments), std::to_string(use.participants),
                        std::to_string(use.words)});
      }
    }
    std::string out = Table(rows, {false, false, false, true, true, true});
    if (!stats.unknown.empty()) {
      out += "\nCodes in transcripts that the framework lacks:\n";
      std::vector<std::vector<std::string>> missing{
          {"CODE", "SEGMENTS", "PARTICIPANTS", "WORDS", "FIRST USE"}};
      for (const UnknownCode& use : stats.unknown)
        missing.push_back({use.code, std::to_string(use.segments), std::to_string(use.participants),
                           std::to_string(use.words),
                           where->path_prefix + use.places.front().file + ":" +
                               std::to_string(use.places.front().line)});
      out += Table(missing, {false, true, true, true, false});
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  DiagnosticCounts counts = CountDiagnostics(study.diagnostics);
  if (!options.common.quiet && counts.errors > 0)
    std::fprintf(stderr, "note: the study has %zu error%s; run 'framework check' to see %s\n",
                 counts.errors, counts.errors == 1 ? "" : "s", counts.errors == 1 ? "it" : "them");
  return FinishOutput(OutputExitCode(study));
}

}  // namespace

Runner SetupCodes(CLI::App& app) {
  auto options = std::make_shared<CodesOptions>();
  AddCommonOptions(app, options->common);
  app.add_option("-f,--format", options->format, "Output format: text or json")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.footer(
      "Lists every theme and sub-theme with the codes that index into it (theme.subtheme and\n"
      "aliases) and their use: coded segments, participants with data, and words (ICU word\n"
      "boundaries; the participants' own words, not an interviewer's inside a segment). Codes\n"
      "used in transcripts that the framework lacks are listed after.\n\n"
      "Examples:\n"
      "  framework codes\n"
      "  framework codes --format json | jq '.unknown_codes'");
  return [options] { return RunCodes(*options); };
}

}  // namespace framework::cli
