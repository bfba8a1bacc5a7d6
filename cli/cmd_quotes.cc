// framework quotes: one matrix column's verbatim quotes, anonymously attributed, for a report.
#include <nlohmann/json.hpp>

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
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/file_system.h"
#include "framework/markdown.h"
#include "framework/matrix.h"
#include "framework/summarise.h"
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

struct Quote {
  std::string participant;
  std::string text;  // white space collapsed, cut to --max-words
  int line_start = 0;
  int line_end = 0;
  std::string attribution;  // by the template; the id only where the template puts {id}
  std::string label;        // as text and md show it: with --ids, the id first
};

struct Group {
  std::optional<std::string> value;  // the value (a group of one value only), else nothing
  std::string label;                 // the value, "(not recorded)" or "(other)"
  const char* kind = "all";          // all (no --by), value, not-recorded, other
  std::vector<Quote> quotes;
};

// What the quotes were selected from, for headings and the summary.
struct Selection {
  const Theme* theme = nullptr;
  const Subtheme* subtheme = nullptr;
  std::string code;  // theme.subtheme
  std::string by;    // the --by attribute, or ""
  bool ids = false;
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

// Every segment in `column` with participant speech, as its participant speech, participants in
// natural order, then by line. A passage coded twice into the column (by two of its codes) is
// one quote.
std::vector<Quote> CollectQuotes(const Study& study, ColumnRef column, const QuotesOptions& options,
                                 const AttributionPlan& plan, std::size_t* left_out) {
  const Matrix matrix = IndexTheme(study, column.theme);
  const std::string& pattern = study.framework.attribution;
  const bool template_has_id = [&] {
    const auto names = Placeholders(pattern);
    return std::find(names.begin(), names.end(), "id") != names.end();
  }();
  std::vector<Quote> quotes;
  for (std::size_t row = 0; row < matrix.participants.size(); ++row) {
    const std::string& id = matrix.participants[row];
    const MatrixCell& cell = matrix.cells[row][static_cast<std::size_t>(column.subtheme)];
    if (!cell.has_data()) continue;
    const std::string attribution = plan.Label(study, id, options.ids);
    const std::string label = options.ids && !template_has_id
                                  ? Attribute("{id}, " + pattern, study, id, /*allow_id=*/true)
                                  : attribution;
    std::set<std::tuple<int, int, std::string>> seen;
    for (const CellSegment& s : cell.segments) {
      // Only the participant's own words: an interviewer's question inside the segment is
      // left out, the parts around it joined by " … ".
      std::string text = s.ParticipantText();
      if (text.empty()) {
        ++*left_out;
        continue;
      }
      if (!seen.emplace(s.line_start, s.line_end, text).second) continue;
      quotes.push_back(
          {id, CutToWords(text, options.max_words), s.line_start, s.line_end, attribution, label});
    }
  }
  return quotes;
}

// Groups by `plan` (nothing: one group), in its order: category values in declared order,
// numbers by value, other values in natural order, "(not recorded)", then "(other)". Each
// quote stands under its participant's heading in `headings` (TextHeadings); an "(other)" the
// plan has not comes last. Groups without quotes are left out.
std::vector<Group> GroupQuotes(std::vector<Quote> quotes, const GroupPlan* plan,
                               const std::map<std::string, int>& headings) {
  if (!plan) {
    Group all;
    all.quotes = std::move(quotes);
    return {std::move(all)};
  }
  std::vector<Group> groups(plan->groups.size() + 1);
  for (std::size_t g = 0; g <= plan->groups.size(); ++g) {
    if (g == plan->groups.size()) {
      groups[g].label = "(other)";
      groups[g].kind = "other";
      continue;
    }
    const SummaryGroup& sg = plan->groups[g];
    groups[g].label = sg.label;
    groups[g].kind = sg.kind == SummaryGroup::Kind::kValue         ? "value"
                     : sg.kind == SummaryGroup::Kind::kNotRecorded ? "not-recorded"
                                                                   : "other";
    if (sg.kind == SummaryGroup::Kind::kValue) groups[g].value = sg.value;
  }
  for (Quote& q : quotes) {
    auto it = headings.find(q.participant);
    const std::size_t g = it == headings.end() ? plan->groups.size() : std::size_t(it->second);
    groups[g].quotes.push_back(std::move(q));
  }
  std::vector<Group> shown;
  for (Group& g : groups)
    if (!g.quotes.empty()) shown.push_back(std::move(g));
  return shown;
}

std::string GroupName(const Group& g) { return g.label; }

std::string Ref(const Quote& q) { return LineRef{q.line_start, q.line_end}.ToString(); }

std::string Styled(const std::string& text, const char* sgr, bool color) {
  return color ? "\x1b[" + std::string(sgr) + "m" + text + "\x1b[0m" : text;
}

// Each quote in curly quotes, wrapped to `width` with continuation lines under its first
// letter, then "    — Attribution (L12-14)"; a blank line between quotes, a heading per group.
std::string RenderText(const std::vector<Group>& groups, const Selection& sel, std::size_t width,
                       bool color) {
  std::vector<std::string> blocks;
  const std::size_t quote_width = std::max<std::size_t>(width, 12) - 1;
  const std::string indent = "    ";
  const std::size_t by_width =
      std::max<std::size_t>(width, 12 + indent.size() + 2) - indent.size() - 2;
  for (const Group& g : groups) {
    if (g.quotes.empty()) continue;
    if (!sel.by.empty()) {
      std::string heading;
      for (const std::string& line : WrapText(sel.by + ": " + GroupName(g) + " (" +
                                                  Plural(g.quotes.size(), "quote", "quotes") + ")",
                                              width))
        heading += Styled(line, "1", color) + "\n";
      blocks.push_back(heading);
    }
    for (const Quote& q : g.quotes) {
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

// Markdown text that shows as it was said (the one escaper, framework/markdown.h).
std::string EscapeMarkdown(std::string_view text) { return MarkdownEscape(text); }

// A title, a line on where the quotes come from, then a blockquote per quote whose last line is
// its attribution; a "##" heading per group.
std::string RenderMarkdown(const std::vector<Group>& groups, const Selection& sel,
                           std::size_t count, std::size_t participants) {
  std::string out = "# " + EscapeMarkdown(sel.subtheme->label) + "\n\n";
  out += Plural(count, "quote", "quotes") + " from " +
         Plural(participants, "participant", "participants") + ", coded `" + sel.code +
         "` (theme: " + EscapeMarkdown(sel.theme->label) + ").\n";
  for (const Group& g : groups) {
    if (g.quotes.empty()) continue;
    if (!sel.by.empty())
      out += "\n## " + EscapeMarkdown(sel.by) + ": " + EscapeMarkdown(GroupName(g)) + "\n";
    for (const Quote& q : g.quotes) {
      out += "\n> " + EscapeMarkdown(q.text) + "\n>\n";
      out += "> \u2014 " + EscapeMarkdown(q.label) + " (" + Ref(q) + ")\n";
    }
  }
  return out;
}

// RFC 4180 with CRLF, formula-like cells neutralised (export's writer).
std::string RenderCsv(const std::vector<Group>& groups, const Selection& sel) {
  Sheet sheet;
  sheet.name = "quotes";
  sheet.header = {"group", "attribution", "text", "lines"};
  if (sel.ids) sheet.header.push_back("participant");
  for (const Group& g : groups) {
    for (const Quote& q : g.quotes) {
      std::vector<std::string> row{sel.by.empty() ? std::string() : GroupName(g), q.attribution,
                                   q.text, Ref(q)};
      if (sel.ids) row.push_back(q.participant);
      sheet.rows.push_back(std::move(row));
    }
  }
  return WriteCsv(sheet, CsvOptions{});
}

std::string RenderJson(const std::vector<Group>& groups, const Selection& sel) {
  nlohmann::ordered_json out;
  out["format"] = "framework-quotes";
  out["version"] = 1;
  out["column"] = {
      {"theme", sel.theme->id}, {"subtheme", sel.subtheme->id}, {"label", sel.subtheme->label}};
  out["by"] = sel.by.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(sel.by);
  auto list = nlohmann::ordered_json::array();
  for (const Group& g : groups) {
    auto quotes = nlohmann::ordered_json::array();
    for (const Quote& q : g.quotes) {
      nlohmann::ordered_json item;
      item["text"] = q.text;
      item["attribution"] = q.attribution;
      item["line_start"] = q.line_start;
      item["line_end"] = q.line_end;
      if (sel.ids) item["participant"] = q.participant;
      quotes.push_back(std::move(item));
    }
    list.push_back({{"value", g.value ? nlohmann::ordered_json(*g.value) : nullptr},
                    {"kind", g.kind},
                    {"quotes", std::move(quotes)}});
  }
  out["groups"] = std::move(list);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

int RunQuotes(const QuotesOptions& options) {
  int exit_code = kExitOk;
  auto where = LocateStudy(options.common, &exit_code);
  if (!where) return exit_code;
  LoadOptions load;  // the coded text, not the transcripts' whole text
  load.keep_text = false;
  load.keep_cells = true;
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
  // The same groups and attributions as every other output (disclosure.h).
  const std::vector<std::string> population = Population(study);
  std::optional<GroupPlan> plan;
  if (attribute >= 0) {
    plan = PlanGroups(study, population, attribute, min_group);
    if (plan->refused) {
      PrintRefusedBreakdown(plan->attribute, min_group);
      return kExitStudyErrors;
    }
  }
  // --ids is the research team's own view: the id names the participant anyway.
  const bool identifying = options.allow_identifying || options.ids;
  const AttributionPlan attribution = PlanAttribution(study, population, min_group, identifying);
  std::map<std::string, int> headings;
  if (plan) {
    int other = static_cast<int>(plan->groups.size());
    for (std::size_t g = 0; g < plan->groups.size(); ++g)
      if (plan->groups[g].kind == SummaryGroup::Kind::kOther) other = static_cast<int>(g);
    std::vector<int> groups(population.size(), other);
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < population.size(); ++i) {
      if (const int g = plan->GroupOf(population[i]); g >= 0) groups[i] = g;
      labels.push_back(attribution.Label(study, population[i], false));
    }
    const std::vector<int> shown =
        identifying ? groups : TextHeadings(groups, labels, other, min_group);
    for (std::size_t i = 0; i < population.size(); ++i) headings[population[i]] = shown[i];
  }

  Selection sel;
  sel.theme = &f.themes[static_cast<std::size_t>(column.theme)];
  sel.subtheme = &sel.theme->subthemes[static_cast<std::size_t>(column.subtheme)];
  sel.code = sel.theme->id + "." + sel.subtheme->id;
  if (attribute >= 0)
    sel.by = study.participants.attributes[static_cast<std::size_t>(attribute)].name;
  sel.ids = options.ids;

  std::size_t left_out = 0;
  std::vector<Quote> quotes = CollectQuotes(study, column, options, attribution, &left_out);
  const std::size_t count = quotes.size();
  std::set<std::string> speakers;
  for (const Quote& q : quotes) speakers.insert(q.participant);
  const std::vector<Group> groups =
      GroupQuotes(std::move(quotes), plan ? &*plan : nullptr, headings);

  const bool to_stdout = options.output.empty() || options.output == "-";
  if (!to_stdout && !CheckOutputTarget(options.output, where->root, f, {}, &exit_code))
    return exit_code;
  std::string out;
  if (options.format == "json") {
    out = RenderJson(groups, sel);
  } else if (options.format == "csv") {
    out = RenderCsv(groups, sel);
  } else if (options.format == "md") {
    out = RenderMarkdown(groups, sel, count, speakers.size());
  } else {
    const bool color = to_stdout && UseColor(stdout, options.common.color);
    out = RenderText(groups, sel, TerminalWidth(options.width), color);
  }

  if (to_stdout) {
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else if (std::string error = WriteFileAtomically(options.output, out); !error.empty()) {
    PrintError("cannot write " + options.output + ": " + error);
    return kExitIo;
  }

  if (!options.common.quiet) {
    std::string summary = sel.code + " (" + sel.subtheme->label +
                          "): " + Plural(count, "quote", "quotes") + " from " +
                          Plural(speakers.size(), "participant", "participants");
    if (left_out > 0)
      summary += "; " + Plural(left_out, "segment", "segments") + " not spoken by participants " +
                 "left out";
    if (!to_stdout) summary += "; written to " + options.output;
    std::fprintf(stderr, "%s\n", summary.c_str());
    NoteStudyErrors(study.diagnostics, "some quotes may be missing");
  }
  return FinishOutput(study.io_error ? kExitIo : kExitOk);
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
