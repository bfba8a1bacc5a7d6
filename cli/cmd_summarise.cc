// framework summarise: coverage, the range of views, group comparison and co-occurrence of the
// charted matrices, or one participant's case across every theme.
#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/matrix.h"
#include "framework/summarise.h"
#include "framework/text.h"

namespace framework::cli {
namespace {

struct SummariseCliOptions {
  CommonOptions common;
  std::string theme;
  std::string by;
  std::vector<std::string> views;
  std::string format = "text";
  std::string output;
  int min_group = 0;  // 0: framework.yaml's min_group
  bool words = false;
  bool allow_identifying = false;
  std::string within = "segment";
  std::string participant;
  std::size_t top = 10;
  std::size_t width = 0;
};

const std::vector<std::string> kViews = {"coverage", "views", "compare", "cooccurrence"};

// --view values (comma-separated or repeated), checked; prints the error and returns false on
// an unknown one.
bool ParseViews(const std::vector<std::string>& given, std::vector<std::string>* views) {
  for (const std::string& item : given) {
    for (std::string v : SplitList(item)) {
      std::transform(v.begin(), v.end(), v.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (v == "range") v = "views";
      if (std::find(kViews.begin(), kViews.end(), v) == kViews.end()) {
        auto guess = Suggest(v, kViews);
        PrintError("unknown view '" + v + "'",
                   guess ? "did you mean '" + *guess + "'?"
                         : "views are coverage, views, compare and cooccurrence");
        return false;
      }
      if (std::find(views->begin(), views->end(), v) == views->end()) views->push_back(v);
    }
  }
  return true;
}

bool Has(const std::vector<std::string>& views, const char* v) {
  return std::find(views.begin(), views.end(), v) != views.end();
}

int RunSummarise(const SummariseCliOptions& options) {
  int exit_code = kExitOk;
  std::vector<std::string> views;
  if (!ParseViews(options.views, &views)) return kExitUsage;
  if (!options.participant.empty() && !views.empty()) {
    PrintError("--participant shows the case view; it cannot be combined with --view",
               "leave out --view, or --participant");
    return kExitUsage;
  }
  if (Has(views, "compare") && options.by.empty()) {
    PrintError("the compare view needs groups to compare", "add --by ATTR, e.g. --by role");
    return kExitUsage;
  }

  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  Study study = LoadStudyAt(*where, options.common, SummariseLoadOptions());
  const Framework& f = study.framework;
  if (!study.framework_loaded || !f.parsed || f.themes.empty()) {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    return study.io_error ? kExitIo : kExitStudyErrors;
  }

  SummariseOptions so;
  if (!options.theme.empty()) {
    const int theme = ResolveTheme(f, ToNfc(Trim(options.theme)), &exit_code);
    if (theme < 0) return exit_code;
    so.themes.push_back(theme);
  } else {
    for (std::size_t t = 0; t < f.themes.size(); ++t) so.themes.push_back(static_cast<int>(t));
  }
  if (!options.by.empty()) {
    so.by = ResolveAttribute(study, ToNfc(Trim(options.by)), &exit_code);
    if (so.by < 0) return exit_code;
  }
  if (!options.participant.empty()) {
    const std::string id = ToNfc(Trim(options.participant));
    std::vector<std::string> ids = study.participants.Ids();
    std::unordered_set<std::string> known(ids.begin(), ids.end());
    for (const Transcript& t : study.transcripts)
      if (known.insert(t.participant).second) ids.push_back(t.participant);
    if (!known.count(id)) {
      auto guess = Suggest(id, ids);
      PrintError("no participant '" + id + "'",
                 guess ? "did you mean '" + *guess + "'?"
                       : "participants are declared in " + study.participants_path);
      return kExitUsage;
    }
    so.participant = id;
  }
  so.min_group = options.min_group > 0 ? options.min_group : f.min_group;
  so.allow_identifying = options.allow_identifying;
  WarnAboutMinGroup(so.min_group, f.min_group);
  if (so.by >= 0 && so.participant.empty()) {
    const GroupPlan plan = PlanGroups(study, Population(study), so.by, so.min_group);
    if (plan.refused) {
      PrintRefusedBreakdown(plan.attribute, so.min_group);
      return kExitStudyErrors;
    }
  }
  so.words = options.words;
  so.jobs = options.common.jobs;
  so.within = ParseWithin(options.within).value_or(Within::kSegment);  // checked by CLI11
  so.top = options.top;
  if (!views.empty()) {
    so.coverage = Has(views, "coverage");
    so.range = Has(views, "views");
    so.compare = Has(views, "compare");
    so.cooccurrence = Has(views, "cooccurrence");
  } else {
    so.compare = so.by >= 0;
  }

  const SummaryReport report = Summarise(study, so);
  const std::size_t themes = so.themes.size();

  const bool to_stdout = options.output.empty() || options.output == "-";
  if (!to_stdout && !CheckOutputTarget(options.output, where->root, f, {}, &exit_code))
    return exit_code;
  // Rendered a piece at a time straight to where it goes, so the output is never held whole.
  auto render = [&](const SummarySink& sink) {
    if (options.format == "json") {
      RenderSummaryJson(report, sink);
    } else if (options.format == "md") {
      RenderSummaryMarkdown(report, sink);
    } else if (options.format == "html") {
      RenderSummaryHtml(report, sink);
    } else {
      SummaryTextOptions text;
      text.width = TerminalWidth(options.width);
      text.color = to_stdout && UseColor(stdout, options.common.color);
      text.jobs = options.common.jobs;
      RenderSummaryText(report, text, sink);
    }
  };
  if (to_stdout) {
    render([](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
  } else {
    AtomicFile file;
    std::string error = file.Open(options.output);
    if (error.empty()) {
      render([&](std::string_view piece) { file.Write(piece); });
      error = file.Commit();
    }
    if (!error.empty()) {
      PrintError("cannot write " + options.output + ": " + error);
      return kExitIo;
    }
  }

  if (!options.common.quiet) {
    std::string summary = "summarise: ";
    if (report.case_view)
      summary += "case of " + report.case_view->participant + " across " + std::to_string(themes) +
                 (themes == 1 ? " theme" : " themes");
    else
      summary += std::to_string(themes) + (themes == 1 ? " theme, " : " themes, ") +
                 std::to_string(report.population) + " participants";
    if (report.plan)
      summary += ", " + std::to_string(report.plan->groups.size()) +
                 (report.plan->groups.size() == 1 ? " group" : " groups") + " by " +
                 report.plan->attribute + " shown";
    if (!to_stdout) summary += "; written to " + options.output;
    std::fprintf(stderr, "%s\n", summary.c_str());
    NoteStudyErrors(study.diagnostics, "some data may be missing");
  }
  return FinishOutput(OutputExitCode(study));
}

}  // namespace

Runner SetupSummarise(CLI::App& app) {
  auto options = std::make_shared<SummariseCliOptions>();
  app.add_option("THEME", options->theme, "Summarise this theme only (default: every theme)");
  app.add_option("--by", options->by,
                 "Group the range of views and compare groups by this participant attribute")
      ->type_name("ATTR");
  app.add_option("--view", options->views,
                 "Views to show, comma-separated or repeated: coverage, views, compare, "
                 "cooccurrence (default: all; compare only with --by)")
      ->type_name("LIST");
  app.add_option("--participant", options->participant,
                 "The case view: one participant across every theme (or THEME)")
      ->type_name("ID");
  app.add_option("--min-group", options->min_group,
                 "Smallest group shown on its own (default: framework.yaml min_group, else 3)")
      ->check(CLI::Range(1, 1000000))
      ->type_name("N");
  app.add_flag("--allow-identifying", options->allow_identifying,
               "Attribute summaries in full, even where the attribution fits fewer than "
               "--min-group participants (never in a report)");
  app.add_flag("--words", options->words,
               "Shares as words (none, a few, some, many, most, all) instead of numbers");
  app.add_option("--within", options->within,
                 "Co-occurrence: codes overlapping in a segment, or in the same speaker turn")
      ->transform(CLI::IsMember({"segment", "turn"}, CLI::ignore_case))
      ->type_name("segment|turn");
  app.add_option("--top", options->top,
                 "How many strongest pairs and most-differing sub-themes to list (default 10)")
      ->check(CLI::Range(1, 100000))
      ->type_name("N");
  app.add_option("-f,--format", options->format, "Output format: text, md, json or html")
      ->transform(CLI::IsMember({"text", "md", "json", "html"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_option("-o,--output", options->output, "Write to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  app.add_option("-w,--width", options->width,
                 "Text output width (default: $COLUMNS, else the terminal, else 80)")
      ->check(CLI::Range(std::size_t{1}, kMaxWidth))
      ->type_name("N");
  AddCommonOptions(app, options->common);
  app.footer(
      "Reads the charted matrices down each theme and across each case (the method's last\n"
      "stage). Views:\n"
      "  coverage      per theme, participants x sub-themes as a heatmap of coded words, the\n"
      "                sub-themes with little data and the participants silent on each\n"
      "  views         the range of views: per sub-theme every charted summary (drafts and\n"
      "                stale cells marked) with its anonymous attribution and refs, grouped\n"
      "                by --by\n"
      "  compare       with --by: per sub-theme the share of each group that spoke to it, and\n"
      "                the sub-themes where the groups differ most\n"
      "  cooccurrence  a code x code table of codes overlapping in the same text (--within\n"
      "                segment) or opening in the same speaker turn (--within turn), and the\n"
      "                strongest pairs\n"
      "--participant ID gives the case view instead: one participant across every theme.\n\n"
      "Anonymity (docs/disclosure.md): a group with fewer than --min-group participants\n"
      "(framework.yaml min_group, default 3) is never shown on its own: such groups are merged\n"
      "into '(other)'; when that is still too small, --by is refused (exit 1), since the total\n"
      "minus the groups shown would give the rest away. Attributions that fit fewer than\n"
      "--min-group participants are shortened (fields dropped from the right, down to\n"
      "'Participant'), and with --by a summary stands under '(other)' where its attribution is\n"
      "too rare within its group; --allow-identifying gives attributions in full.\n\n"
      "--words names shares instead of counting them: none, a few, some (from 25%), many\n"
      "(from 50%), most (from 75%), all; set the thresholds in framework.yaml as\n"
      "'share_words: {some: 25, many: 50, most: 75}'.\n\n"
      "Formats: text (shaded blocks with a legend), md, json (schemas/summarise-output.schema\n"
      ".json) and html (one self-contained page). A summary goes to stderr (not with -q).\n\n"
      "Examples:\n"
      "  framework summarise training\n"
      "  framework summarise training --by role --view compare --words\n"
      "  framework summarise --view cooccurrence --within turn\n"
      "  framework summarise --by sector --format html -o summary.html\n"
      "  framework summarise --participant P07\n\n"
      "Exit codes: 0 ok, 1 framework.yaml is unusable or --by refused, 2 usage (unknown theme,\n"
      "attribute, participant or view), 3 input/output.");
  return [options] { return RunSummarise(*options); };
}

}  // namespace framework::cli
