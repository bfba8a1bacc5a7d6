// The summary as Markdown: headings, pipe tables and lists, study text through the one escaper
// (markdown.h).
#include <string>
#include <string_view>
#include <vector>

#include "framework/attribution.h"
#include "framework/markdown.h"
#include "framework/summarise.h"
#include "summarise_render.h"

namespace framework {
namespace {

using summarise_render::GroupHeading;
using summarise_render::JoinRefs;
using summarise_render::kShades;
using summarise_render::Marks;
using summarise_render::Plural;
using summarise_render::ShadeRange;
using summarise_render::ShareText;
using summarise_render::SpokeText;
using summarise_render::WithinText;

// Markdown text (the one escaper, framework/markdown.h); line breaks become spaces.
std::string Md(std::string_view text) { return MarkdownEscape(text); }

// A pipe-table row of cells given as Markdown already.
void AppendMdRow(const std::vector<std::string>& cells, std::string& out) {
  out += '|';
  for (const std::string& c : cells) {
    out += ' ';
    out += c;
    out += " |";
  }
  out += '\n';
}

// The header row and the rule under it; the rows follow by AppendMdRow.
void AppendMdHeader(const std::vector<std::string>& header, std::string& out) {
  AppendMdRow(header, out);
  out += '|';
  for (std::size_t i = 0; i < header.size(); ++i) out += " --- |";
  out += '\n';
}

void AppendMdTable(const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows, std::string& out) {
  AppendMdHeader(header, out);
  for (const auto& row : rows) AppendMdRow(row, out);
}

void AppendCase(const CaseView& v, std::string& out) {
  out += "\n## Case: " + Md(v.participant) + " (" + Md(v.attribution) + ")\n";
  if (!v.has_transcript) out += "\n_No transcript._\n";
  for (const CaseTheme& t : v.themes) {
    out += "\n### " + Md(t.label) + " (`" + t.theme + "`)\n\n";
    for (const CaseCell& c : t.cells) {
      if (c.chart) {
        out += "- **" + Md(c.label) + "** [" + std::string(ChartStatusName(c.chart->status)) + "]" +
               (c.stale ? " [stale]" : "") + ": " + Md(c.chart->summary);
        if (!c.chart->refs.empty()) out += " (" + JoinRefs(c.chart->refs) + ")";
        out += "\n";
      } else if (c.segments > 0) {
        out += "- **" + Md(c.label) + "**: not charted; " +
               Plural(c.segments, "segment", "segments") + ", " + Plural(c.words, "word", "words") +
               " (" + JoinRefs(c.excerpt_refs) + ")\n";
      } else {
        out += "- **" + Md(c.label) + "**: no data\n";
      }
    }
  }
}

void AppendCoverage(const Coverage& c, const SummaryReport& r, summarise_render::Output& o) {
  std::string& out = o.text;
  out += "\n## Coverage: " + Md(c.label) + " (`" + c.theme + "`)\n\n";
  std::vector<std::string> header{"Participant"};
  for (const CoverageColumn& col : c.columns) header.push_back(Md(col.label));
  AppendMdHeader(header, out);
  std::vector<std::string> cells;  // one row at a time: the grid has a row per participant
  for (std::size_t row = 0; row < c.participants.size(); ++row) {
    cells.assign(1, Md(c.participants[row]));
    for (std::size_t col = 0; col < c.columns.size(); ++col) {
      const std::size_t w = c.words[row][col];
      const char* shade = kShades[ShadeLevel(w, c.max_words)];
      cells.push_back(w ? std::string(shade) + " " + std::to_string(w) : shade);
    }
    AppendMdRow(cells, out);
    o.Spill();
  }
  out += "\nLegend: " + std::string(kShades[0]) + " no data";
  for (int level = 1; level <= 4; ++level)
    if (std::string range = ShadeRange(level, c.max_words); !range.empty())
      out += ", " + std::string(kShades[level]) + " " + range;
  out += " coded words.\n\n";
  std::vector<std::vector<std::string>> rows2;
  for (const CoverageColumn& col : c.columns) {
    std::string silent;
    for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + Md(id);
    rows2.push_back({Md(col.label) + (col.little_data ? " **(little data)**" : ""),
                     SpokeText(col, c.participants.size(), r), std::to_string(col.words),
                     silent.empty() ? "none" : silent});
  }
  AppendMdTable({"Sub-theme", "Spoke to it", "Words", "Silent"}, rows2, out);
}

void AppendRange(const RangeTheme& t, const SummaryReport& r, summarise_render::Output& o) {
  std::string& out = o.text;
  out += "\n## Range of views: " + Md(t.label) + " (`" + t.theme + "`)\n";
  for (const RangeColumn& col : t.columns) {
    out += "\n### " + Md(col.label) + " (`" + t.theme + "." + col.id + "`)\n\n";
    out += Plural(col.charted, "summary", "summaries");
    if (col.uncharted) out += ", " + std::to_string(col.uncharted) + " not yet charted";
    out += ".\n";
    for (const RangeGroup& g : col.groups) {
      if (g.group >= 0 && r.plan)
        out += "\n#### " + Md(r.plan->attribute) + ": " + Md(g.label) + "\n";
      out += "\n";
      for (const RangeEntry& e : g.entries) {
        out +=
            "- " + Md(e.summary) + Marks(e.status, e.stale) + " \u2014 *" + Md(e.attribution) + "*";
        if (!e.refs.empty()) out += " (" + JoinRefs(e.refs) + ")";
        out += "\n";
        o.Spill();
      }
    }
    if (col.withheld)
      out += "\n_" + Plural(col.withheld, "summary", "summaries") +
             " from groups too small to show are left out._\n";
  }
}

void AppendComparison(const Comparison& cmp, const GroupPlan& plan, const SummaryReport& r,
                      std::string& out) {
  out += "\n## Group comparison by " + Md(plan.attribute) + "\n\n";
  out += "The share of each group that spoke to each sub-theme.\n";
  for (const CompareTheme& t : cmp.themes) {
    if (plan.groups.empty()) break;
    out += "\n### " + Md(t.label) + " (`" + t.theme + "`)\n\n";
    std::vector<std::string> header{"Sub-theme"};
    for (const SummaryGroup& g : plan.groups) header.push_back(Md(GroupHeading(g, r)));
    const bool spread = !r.options.words && plan.groups.size() >= 2;
    if (spread) header.push_back("Spread");
    std::vector<std::vector<std::string>> rows;
    for (const CompareColumn& c : t.columns) {
      std::vector<std::string> row{Md(c.label)};
      for (const Share& s : c.shares) row.push_back(ShareText(s, r));
      if (spread) row.push_back(std::to_string(c.spread) + " points");
      rows.push_back(std::move(row));
    }
    AppendMdTable(header, rows, out);
  }
  out += "\n### Where the groups differ most\n\n";
  if (cmp.differ_most.empty()) out += "Nowhere: every group shown spoke alike.\n";
  std::size_t rank = 0;
  for (const DifferMost& d : cmp.differ_most) {
    const CompareTheme& t = cmp.themes[std::size_t(d.theme)];
    const CompareColumn& c = t.columns[std::size_t(d.column)];
    out += std::to_string(++rank) + ". " + Md(c.label) + " (`" + t.theme + "." + c.id +
           "`): " + Md(plan.groups[std::size_t(c.highest)].label) + " " +
           ShareText(c.shares[std::size_t(c.highest)], r) + ", " +
           Md(plan.groups[std::size_t(c.lowest)].label) + " " +
           ShareText(c.shares[std::size_t(c.lowest)], r);
    if (!r.options.words) out += "; " + std::to_string(c.spread) + " points apart";
    out += "\n";
  }
}

void AppendCooccurrence(const Cooccurrence& co, std::string& out) {
  out += "\n## Co-occurrence (" + std::string(WithinName(co.within)) + ")\n\n" +
         CapitaliseFirst(WithinText(co.within)) + ".\n\n";
  std::vector<std::string> header{"Code"};
  for (const std::string& code : co.codes) header.push_back("`" + code + "`");
  std::vector<std::vector<std::string>> rows;
  for (std::size_t a = 0; a < co.codes.size(); ++a) {
    std::vector<std::string> row{"`" + co.codes[a] + "`"};
    for (std::size_t b = 0; b < co.codes.size(); ++b)
      row.push_back(a == b ? "\u2014" : std::to_string(co.counts[a][b]));
    rows.push_back(std::move(row));
  }
  AppendMdTable(header, rows, out);
  out += "\n### Strongest pairs\n\n";
  if (co.pairs.empty()) out += "None: no two codes occur together.\n";
  for (const CooccurrencePair& p : co.pairs)
    out += "- `" + co.codes[std::size_t(p.a)] + "` + `" + co.codes[std::size_t(p.b)] +
           "`: " + Plural(p.count, "time", "times") + ", " +
           Plural(p.participants, "participant", "participants") + "\n";
}

std::string MarkdownReport(const SummaryReport& r, const SummarySink* sink) {
  summarise_render::Output o(sink);
  std::string& out = o.text;
  out = "# " + Md(r.title.empty() ? "Summary" : r.title) + "\n";
  if (r.case_view) {
    AppendCase(*r.case_view, out);
    return o.Finish();
  }
  for (const Coverage& c : r.coverage) AppendCoverage(c, r, o);
  for (const RangeTheme& t : r.range) AppendRange(t, r, o);
  if (r.comparison && r.plan) AppendComparison(*r.comparison, *r.plan, r, out);
  if (r.cooccurrence) AppendCooccurrence(*r.cooccurrence, out);
  if (!r.notes.empty()) {
    out += "\n";
    for (const std::string& note : r.notes) out += "> **Note:** " + Md(note) + "\n>\n";
    out.resize(out.size() - 2);
  }
  return o.Finish();
}

}  // namespace

std::string RenderSummaryMarkdown(const SummaryReport& report) {
  return MarkdownReport(report, nullptr);
}

void RenderSummaryMarkdown(const SummaryReport& report, const SummarySink& sink) {
  MarkdownReport(report, &sink);
}

}  // namespace framework
