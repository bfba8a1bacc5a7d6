// Quotes of one matrix column: collected, attributed, grouped, and written as Markdown, CSV and
// JSON (the terminal text, wrapped and coloured, is the CLI's).
#include "framework/quotes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "framework/attribution.h"
#include "framework/disclosure.h"
#include "framework/export.h"
#include "framework/markdown.h"
#include "framework/matrix.h"
#include "framework/summarise.h"
#include "framework/text.h"

namespace framework {
namespace {

// Every segment in the column with participant speech, as its participant speech, participants
// in natural order, then by line. A passage coded twice into the column (by two of its codes)
// is one quote. `matrix` is the column's theme's.
std::vector<Quotation> Passages(const Study& study, const Matrix& matrix,
                                const QuoteRequest& request, const AttributionPlan& plan,
                                std::size_t* left_out) {
  const std::string& pattern = study.framework.attribution;
  const bool template_has_id = [&] {
    const auto names = Placeholders(pattern);
    return std::find(names.begin(), names.end(), "id") != names.end();
  }();
  std::vector<Quotation> quotes;
  for (std::size_t row = 0; row < matrix.participants.size(); ++row) {
    const std::string& id = matrix.participants[row];
    const MatrixCell& cell = matrix.cells[row][static_cast<std::size_t>(request.column.subtheme)];
    if (!cell.has_data()) continue;
    const std::string attribution = plan.Label(study, id, request.ids);
    const std::string label = request.ids && !template_has_id
                                  ? Attribute("{id}, " + pattern, study, id, /*allow_id=*/true)
                                  : attribution;
    // The speech of the quotes so far, as views of the segments' texts (or of `joined`, for
    // the speech joined from pieces), so that no long passage is copied to be compared.
    std::set<std::tuple<int, int, std::string_view>> seen;
    std::deque<std::string> joined;
    std::string buffer;
    for (const CellSegment& s : cell.segments) {
      // Only the participant's own words: an interviewer's question inside the segment is
      // left out, the parts around it joined by " … ".
      std::string_view text = s.ParticipantText(buffer);
      if (text.empty()) {
        ++*left_out;
        continue;
      }
      if (seen.count({s.line_start, s.line_end, text})) continue;
      if (!s.pieces.empty()) text = joined.emplace_back(std::move(buffer));
      seen.emplace(s.line_start, s.line_end, text);
      quotes.push_back(
          {id, CutToWords(text, request.max_words), s.line_start, s.line_end, attribution, label});
    }
  }
  return quotes;
}

// The quotes grouped as GroupTexts groups texts (the one group order: the plan's groups, then
// the "(other)" it adds for texts moved out of their group), each quote under its participant's
// heading; a participant `grouping` does not know stands under the last heading. Headings
// without quotes are left out. Without a grouping, one group of every quote.
std::vector<QuoteGroup> Group(std::vector<Quotation> quotes, const TextGrouping* grouping) {
  if (!grouping) {
    QuoteGroup all;
    all.quotes = std::move(quotes);
    return {std::move(all)};
  }
  std::vector<QuoteGroup> groups(grouping->headings.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const SummaryGroup& heading = grouping->headings[g];
    groups[g].label = heading.label;
    groups[g].kind = heading.kind == SummaryGroup::Kind::kValue         ? "value"
                     : heading.kind == SummaryGroup::Kind::kNotRecorded ? "not-recorded"
                                                                        : "other";
    if (heading.kind == SummaryGroup::Kind::kValue) groups[g].value = heading.value;
  }
  for (Quotation& q : quotes) {
    auto it = grouping->heading_of.find(q.participant);
    const std::size_t g =
        it == grouping->heading_of.end() ? groups.size() - 1 : std::size_t(it->second);
    groups[g].quotes.push_back(std::move(q));
  }
  std::vector<QuoteGroup> shown;
  for (QuoteGroup& g : groups)
    if (!g.quotes.empty()) shown.push_back(std::move(g));
  return shown;
}

std::string Ref(const Quotation& q) { return LineRef{q.line_start, q.line_end}.ToString(); }

}  // namespace

QuoteSet CollectQuotes(const Study& study, const QuoteRequest& request) {
  return CollectQuotes(study, request, IndexTheme(study, request.column.theme));
}

QuoteSet CollectQuotes(const Study& study, const QuoteRequest& request, const Matrix& matrix) {
  const Theme& theme = study.framework.themes[static_cast<std::size_t>(request.column.theme)];
  const Subtheme& sub = theme.subthemes[static_cast<std::size_t>(request.column.subtheme)];
  QuoteSet set;
  set.theme = theme.id;
  set.theme_label = theme.label;
  set.subtheme = sub.id;
  set.subtheme_label = sub.label;
  set.code = theme.id + "." + sub.id;
  set.ids = request.ids;
  if (request.by >= 0)
    set.by = study.participants.attributes[static_cast<std::size_t>(request.by)].name;
  // The same groups and attributions as every other output (disclosure.h).
  const std::vector<std::string> population = Population(study);
  std::optional<GroupPlan> plan;
  if (request.by >= 0) {
    plan = PlanGroups(study, population, request.by, request.min_group);
    if (plan->refused) {
      set.refused = true;
      return set;
    }
  }
  // --ids is the research team's own view: the id names the participant anyway.
  const bool identifying = request.allow_identifying || request.ids;
  const AttributionPlan attribution =
      PlanAttribution(study, population, request.min_group, identifying);
  std::optional<TextGrouping> grouping;
  if (plan) {
    std::vector<std::string> labels;
    labels.reserve(population.size());
    for (const std::string& id : population) labels.push_back(attribution.Label(study, id, false));
    grouping = GroupTexts(*plan, population, labels, identifying);
  }
  std::vector<Quotation> quotes = Passages(study, matrix, request, attribution, &set.left_out);
  set.count = quotes.size();
  std::set<std::string> speakers;
  for (const Quotation& q : quotes) speakers.insert(q.participant);
  set.participants = speakers.size();
  set.groups = Group(std::move(quotes), grouping ? &*grouping : nullptr);
  return set;
}

std::string QuotesMarkdown(const QuoteSet& quotes) {
  std::string out = "# " + MarkdownEscape(quotes.subtheme_label) + "\n\n";
  const auto plural = [](std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  out += plural(quotes.count, "quote", "quotes") + " from " +
         plural(quotes.participants, "participant", "participants") + ", coded `" + quotes.code +
         "` (theme: " + MarkdownEscape(quotes.theme_label) + ").\n";
  for (const QuoteGroup& g : quotes.groups) {
    if (g.quotes.empty()) continue;
    if (!quotes.by.empty())
      out += "\n## " + MarkdownEscape(quotes.by) + ": " + MarkdownEscape(g.label) + "\n";
    for (const Quotation& q : g.quotes) {
      out += "\n> " + MarkdownEscape(q.text) + "\n>\n";
      out += "> \u2014 " + MarkdownEscape(q.label) + " (" + Ref(q) + ")\n";
    }
  }
  return out;
}

std::string QuotesCsv(const QuoteSet& quotes) {
  Sheet sheet;
  sheet.name = "quotes";
  sheet.header = {"group", "attribution", "text", "lines"};
  if (quotes.ids) sheet.header.push_back("participant");
  for (const QuoteGroup& g : quotes.groups) {
    for (const Quotation& q : g.quotes) {
      std::vector<std::string> row{quotes.by.empty() ? std::string() : g.label, q.attribution,
                                   q.text, Ref(q)};
      if (quotes.ids) row.push_back(q.participant);
      sheet.rows.push_back(std::move(row));
    }
  }
  return WriteCsv(sheet, CsvOptions{});
}

std::string QuotesJson(const QuoteSet& quotes) {
  using Json = nlohmann::ordered_json;
  Json out;
  out["format"] = "framework-quotes";
  out["version"] = 1;
  out["column"] = {
      {"theme", quotes.theme}, {"subtheme", quotes.subtheme}, {"label", quotes.subtheme_label}};
  out["by"] = quotes.by.empty() ? Json() : Json(quotes.by);
  auto list = Json::array();
  for (const QuoteGroup& g : quotes.groups) {
    auto items = Json::array();
    for (const Quotation& q : g.quotes) {
      Json item;
      item["text"] = q.text;
      item["attribution"] = q.attribution;
      item["line_start"] = q.line_start;
      item["line_end"] = q.line_end;
      if (quotes.ids) item["participant"] = q.participant;
      items.push_back(std::move(item));
    }
    list.push_back({{"value", g.value ? Json(*g.value) : nullptr},
                    {"kind", g.kind},
                    {"quotes", std::move(items)}});
  }
  out["groups"] = std::move(list);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace framework
