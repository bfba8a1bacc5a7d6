// framework quotes: one matrix column's verbatim quotes, anonymously attributed, for a report.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "commands.h"
#include "framework/attribution.h"
#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/markdown.h"
#include "framework/matrix.h"
#include "framework/quotes.h"
#include "framework/table.h"
#include "framework/text.h"

namespace framework::cli {
namespace {

struct QuotesOptions {
  CommonOptions common;
  std::string code;
  std::string by;
  std::size_t max_words = 0;
  bool ids = false;
  bool allow_identifying = false;
  int min_group = 0;  // 0: framework.yaml's min_group
  std::string format = "text";
  std::string output;
  std::size_t width = 0;
};

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

void PrintWarning(const std::string& message, const std::string& hint = {}) {
  std::fprintf(stderr, "framework: warning: %s\n", message.c_str());
  if (!hint.empty()) std::fprintf(stderr, "  = hint: %s\n", hint.c_str());
}

// The column CODE names (theme.subtheme or an alias). Prints the error for anything else.
ColumnRef ResolveColumn(const Framework& f, const std::string& raw) {
  const std::string code = ToNfc(Trim(raw));
  if (ColumnRef column = f.Resolve(code); column.valid() && column.subtheme >= 0) return column;
  if (int theme = f.FindTheme(code); theme >= 0) {
    const Theme& th = f.themes[static_cast<std::size_t>(theme)];
    std::string columns;
    for (const Subtheme& s : th.subthemes)
      columns += (columns.empty() ? "" : ", ") + th.id + "." + s.id;
    PrintError(Quoted(code) + " is a theme; quotes come from one of its columns",
               "give one of " + columns);
    return {};
  }
  auto guess = Suggest(code, f.codes.codes());
  PrintError("unknown code " + Quoted(code),
             guess ? "did you mean '" + *guess + "'?"
                   : "give a code as theme.subtheme or an alias from framework.yaml; 'framework "
                     "codes' lists them");
  return {};
}

// The theme of the column CODE names, read from framework.yaml before the study is loaded, so
// that the load keeps the coded text of that theme only: nothing when the file cannot be read
// as the load reads it, or CODE names no column there (the load then keeps every
// theme's, and ResolveColumn reports CODE as before).
std::vector<std::string> ThemeOfCode(const StudyLocation& where, const std::string& raw) {
  const ReadResult read = ReadTextFile(StudyDisk(where.root), "framework.yaml");
  if (!read.ok) return {};
  Diagnostics ignored;
  const Framework f = LoadFramework("framework.yaml", read.contents, ignored);
  const ColumnRef column = f.Resolve(ToNfc(Trim(raw)));
  if (!f.parsed || !column.valid() || column.subtheme < 0) return {};
  return {f.themes[static_cast<std::size_t>(column.theme)].id};
}

// Warns once about each placeholder of the template that no participant can fill.
void WarnAboutTemplate(const Study& study, bool ids) {
  const std::string& pattern = study.framework.attribution;
  std::vector<std::string> names;
  for (const AttributeDef& a : study.participants.attributes) names.push_back(a.name);
  for (const std::string& name : UnknownPlaceholders(pattern, study, ids)) {
    if (name == "id") {
      PrintWarning("the attribution template " + Quoted(pattern) +
                       " uses {id}, which identifies participants; it is left out",
                   "pass --ids for quotes with participant ids (never in a report)");
      continue;
    }
    auto guess = Suggest(name, names);
    PrintWarning("the attribution template " + Quoted(pattern) + " uses {" + name +
                     "}, which is not a participant attribute; it is left out",
                 guess ? "did you mean '{" + *guess + "}'?"
                       : "attributes are declared in " + study.participants_path);
  }
}

std::string Ref(const Quotation& q) { return LineRef{q.line_start, q.line_end}.ToString(); }

std::string Styled(const std::string& text, const char* sgr, bool color) {
  return color ? "\x1b[" + std::string(sgr) + "m" + text + "\x1b[0m" : text;
}

// Each quote in curly quotes, wrapped to `width` with continuation lines under its first
// letter, then "    — Attribution (L12-14)"; a blank line between quotes, a heading per group.
std::string RenderText(const QuoteSet& set, std::size_t width, bool color) {
  std::vector<std::string> blocks;
  const std::size_t quote_width = std::max<std::size_t>(width, 12) - 1;
  const std::string indent = "    ";
  const std::size_t by_width =
      std::max<std::size_t>(width, 12 + indent.size() + 2) - indent.size() - 2;
  for (const QuoteGroup& g : set.groups) {
    if (g.quotes.empty()) continue;
    if (!set.by.empty()) {
      std::string heading;
      for (const std::string& line : WrapText(
               set.by + ": " + g.label + " (" + Plural(g.quotes.size(), "quote", "quotes") + ")",
               width))
        heading += Styled(line, "1", color) + "\n";
      blocks.push_back(heading);
    }
    for (const Quotation& q : g.quotes) {
      std::string block;
      const auto lines = WrapText("\u201C" + q.text + "\u201D", quote_width);
      for (std::size_t k = 0; k < lines.size(); ++k) block += (k ? " " : "") + lines[k] + "\n";
      const auto by = WrapText("\u2014 " + q.label + " (" + Ref(q) + ")", by_width);
      for (std::size_t k = 0; k < by.size(); ++k)
        block += indent + (k ? "  " : "") + Styled(by[k], "2", color) + "\n";
      blocks.push_back(block);
    }
  }
  std::string out;
  for (std::size_t b = 0; b < blocks.size(); ++b) out += (b ? "\n" : "") + blocks[b];
  return out;
}

int RunQuotes(const QuotesOptions& options) {
  int exit_code = kExitOk;
  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  LoadOptions load;  // the coded text, not the transcripts' whole text
  load.keep_text = false;
  load.keep_cells = true;
  load.cell_themes = ThemeOfCode(*where, options.code);
  Study study = LoadStudyAt(*where, options.common, std::move(load));
  const Framework& f = study.framework;
  if (!study.framework_loaded || !f.parsed || f.themes.empty()) {
    PrintDiagnostics(study.diagnostics, *where, UseColor(stderr, options.common.color));
    return study.io_error ? kExitIo : kExitStudyErrors;
  }

  const ColumnRef column = ResolveColumn(f, options.code);
  if (!column.valid()) return kExitUsage;
  int attribute = -1;
  if (!options.by.empty()) {
    attribute = ResolveAttribute(study, ToNfc(Trim(options.by)), &exit_code);
    if (attribute < 0) return exit_code;
  }
  WarnAboutTemplate(study, options.ids);
  const int min_group = options.min_group > 0 ? options.min_group : f.min_group;
  WarnAboutMinGroup(min_group, f.min_group);
  QuoteRequest request;
  request.column = column;
  request.by = attribute;
  request.max_words = options.max_words;
  request.ids = options.ids;
  request.allow_identifying = options.allow_identifying;
  request.min_group = min_group;
  // The column's theme's segments taken from the study, not copied: a long passage is held once.
  const Matrix matrix = TakeTheme(study, column.theme);
  const QuoteSet set = CollectQuotes(study, request, matrix);
  if (set.refused) {
    PrintRefusedBreakdown(set.by, min_group);
    return kExitStudyErrors;
  }

  const bool to_stdout = options.output.empty() || options.output == "-";
  if (!to_stdout && !CheckOutputTarget(options.output, where->root, f, {}, &exit_code))
    return exit_code;
  std::string out;
  if (options.format == "json") {
    out = QuotesJson(set);
  } else if (options.format == "csv") {
    out = QuotesCsv(set);
  } else if (options.format == "md") {
    out = QuotesMarkdown(set);
  } else {
    const bool color = to_stdout && UseColor(stdout, options.common.color);
    out = RenderText(set, TerminalWidth(options.width), color);
  }

  if (to_stdout) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (std::string error = WriteFileAtomically(options.output, out); !error.empty()) {
    PrintError("cannot write " + options.output + ": " + error);
    return kExitIo;
  }

  if (!options.common.quiet) {
    std::string summary = set.code + " (" + set.subtheme_label +
                          "): " + Plural(set.count, "quote", "quotes") + " from " +
                          Plural(set.participants, "participant", "participants");
    if (set.left_out > 0)
      summary += "; " + Plural(set.left_out, "segment", "segments") +
                 " not spoken by participants " + "left out";
    if (!to_stdout) summary += "; written to " + options.output;
    std::fprintf(stderr, "%s\n", summary.c_str());
    NoteStudyErrors(study.diagnostics, "some quotes may be missing");
  }
  return FinishOutput(OutputExitCode(study));
}

}  // namespace

Runner SetupQuotes(CLI::App& app) {
  auto options = std::make_shared<QuotesOptions>();
  app.add_option("CODE", options->code,
                 "The matrix column to quote: theme.subtheme, or an alias from framework.yaml")
      ->required();
  app.add_option("--by", options->by,
                 "Group the quotes by this participant attribute (e.g. sector)")
      ->type_name("ATTR");
  app.add_option("--max-words", options->max_words,
                 "Cut each quote after N words (ICU word boundaries), marked with '…'")
      ->check(CLI::Range(1, 1000000))
      ->type_name("N");
  app.add_flag("--ids", options->ids,
               "Show participant ids (for the research team; never in a report); implies "
               "--allow-identifying");
  app.add_flag("--allow-identifying", options->allow_identifying,
               "Attribute every quote in full, even where the attribution fits fewer than "
               "--min-group participants (never in a report)");
  app.add_option("--min-group", options->min_group,
                 "Smallest group shown on its own with --by, and that an attribution must fit "
                 "(default: framework.yaml min_group, else 3)")
      ->check(CLI::Range(1, 1000000))
      ->type_name("N");
  app.add_option("-f,--format", options->format, "Output format: text, md, csv or json")
      ->transform(CLI::IsMember({"text", "md", "csv", "json"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_option("-o,--output", options->output, "Write to FILE (atomically) instead of stdout")
      ->type_name("FILE");
  app.add_option("-w,--width", options->width,
                 "Wrap text output to N columns (default: $COLUMNS, else the terminal, else 80)")
      ->check(CLI::Range(std::size_t{1}, kMaxWidth))
      ->type_name("N");
  AddCommonOptions(app, options->common);
  app.footer(
      "Prints every passage coded into one matrix column, verbatim (white space collapsed), as a\n"
      "quote with its anonymous attribution: framework.yaml's 'attribution' template (e.g.\n"
      "\"{role}, {sector}\") filled with the participant's attributes, a missing value left out\n"
      "with its separator, the first letter capitalised. Only what participants said is quoted:\n"
      "passages in interviewer (or other) turns are left out, and where a coded passage runs\n"
      "through another speaker's turn, that turn is cut and the participant's parts are joined\n"
      "by \" \u2026 \" (one quote, the passage's line ref). Quotes follow participant order\n"
      "(P2 before P10), then line order; each has its line ref (L12-14), which names no one.\n\n"
      "Participant ids never appear unless --ids is given: then text and md put the id first\n"
      "(\"P07, practitioner, children's services\", unless the template places {id} itself), and\n"
      "csv and json add a 'participant' field.\n\n"
      "--by ATTR groups the quotes under a heading per value: categories in declared order,\n"
      "numbers by value, others in natural order, then '(not recorded)' and '(other)'.\n\n"
      "Disclosure (docs/disclosure.md): a group with fewer than --min-group participants is\n"
      "merged into '(other)'; when '(other)' would still be too small, --by is refused (exit 1).\n"
      "An attribution that fits fewer than --min-group participants is shortened (fields\n"
      "dropped from the right, down to 'Participant'), and with --by a quote stands under\n"
      "'(other)' where its attribution is too rare within its group; --allow-identifying (or\n"
      "--ids) gives attributions in full.\n\n"
      "Formats: text (wrapped to --width), md (a blockquote per quote), csv (RFC 4180, CRLF:\n"
      "group, attribution, text, lines[, participant]; cells that a spreadsheet would read as a\n"
      "formula get a leading '), json ({\"format\":\"framework-quotes\",\"version\":1,\"column\",\n"
      "\"by\",\"groups\":[{\"value\",\"quotes\":[{\"text\",\"attribution\",\"line_start\",\"line_"
      "end\"}]}]}).\n"
      "A summary goes to stderr (not with -q).\n\n"
      "Examples:\n"
      "  framework quotes training.prequal\n"
      "  framework quotes cpd --by sector --max-words 40 --format md -o postqual-quotes.md\n"
      "  framework quotes training.gaps --format csv -o gaps.csv\n"
      "  framework quotes training.gaps --ids --by role\n\n"
      "Exit codes: 0 ok, 1 framework.yaml is unusable or --by refused, 2 usage (unknown code or\n"
      "attribute),\n"
      "3 input/output.");
  return [options] { return RunQuotes(*options); };
}

}  // namespace framework::cli
