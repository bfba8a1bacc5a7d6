// The summary as one self-contained HTML page (html.h's frame and table writer), the coverage
// heatmap as a CSS grid.
#include <string>
#include <string_view>
#include <vector>

#include "framework/attribution.h"
#include "framework/html.h"
#include "framework/summarise.h"
#include "summarise_render.h"

namespace framework {
namespace {

using summarise_render::GroupHeading;
using summarise_render::JoinRefs;
using summarise_render::Plural;
using summarise_render::ShadeRange;
using summarise_render::ShareText;
using summarise_render::SpokeText;
using summarise_render::WithinText;

constexpr std::string_view kSummaryCss = R"css(
.heatmap { display: grid; gap: 2px; margin: .5rem 0; width: max-content; max-width: 100%;
  overflow-x: auto; }
.heatmap > div { padding: .2rem .45rem; font-size: .85em; white-space: nowrap; }
.heatmap .head { font-weight: 600; white-space: normal; max-width: 10rem; align-self: end; }
.heatmap .who { font-weight: 600; }
.heatmap .cell { text-align: right; border-radius: 2px; min-width: 3.2rem; }
.l0 { background: #f4f5f7; color: #9aa0aa; }
.l1 { background: #dbe8f6; }
.l2 { background: #a9c8ea; }
.l3 { background: #5f97d3; color: #fff; }
.l4 { background: #23589a; color: #fff; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .3rem;
  border-radius: 2px; font-size: .85em; }
.little { color: #9a3b00; font-weight: 600; }
ul.summaries li { margin: .35rem 0; }
.by { color: var(--muted); font-size: .9em; }
.mark { color: #9a3b00; font-size: .85em; }
td.num { text-align: right; min-width: 0; }
table.cooc td { min-width: 2.2rem; text-align: right; }
.note { border-left: 3px solid #c8a200; padding: .3rem .7rem; background: #fffbea; }
section .scroll { display: inline-block; max-width: 100%; vertical-align: top; }
@media print { .heatmap { overflow: visible; } }
)css";

std::string H(std::string_view text) { return HtmlEscape(text); }

// A table of cells given as HTML already, in html.h's scrolling box, the first column the row
// headers.
void AppendTable(const std::vector<std::string>& header,
                 const std::vector<std::vector<HtmlCell>>& rows, std::string& out,
                 const std::string& cls = {}) {
  HtmlTableStyle style;
  style.table_class = cls;
  AppendHtmlTable(header, rows, style, out);
}

void AppendCase(const CaseView& v, std::string& out) {
  out += "<section class=\"case\"><h2>Case: " + H(v.participant) + " <span class=\"muted\">(" +
         H(v.attribution) + ")</span></h2>\n";
  if (!v.has_transcript) out += "<p class=\"muted\">No transcript.</p>\n";
  for (const CaseTheme& t : v.themes) {
    out += "<h3>" + H(t.label) + " <span class=\"muted\">(" + H(t.theme) + ")</span></h3>\n<dl>\n";
    for (const CaseCell& c : t.cells) {
      out += "<dt>" + H(c.label) + "</dt><dd>";
      if (c.chart) {
        out += HtmlEscapeMultiline(c.chart->summary) + " <span class=\"status\">[" +
               std::string(ChartStatusName(c.chart->status)) + "]</span>";
        if (c.stale) out += " <span class=\"mark\">[stale]</span>";
        if (!c.chart->refs.empty())
          out += " <span class=\"refs\">(" + H(JoinRefs(c.chart->refs)) + ")</span>";
      } else if (c.segments > 0) {
        out +=
            "<span class=\"muted\">not charted: " + H(Plural(c.segments, "segment", "segments")) +
            ", " + H(Plural(c.words, "word", "words")) + " (" + H(JoinRefs(c.excerpt_refs)) +
            ")</span>";
      } else {
        out += "<span class=\"muted\">no data</span>";
      }
      out += "</dd>\n";
    }
    out += "</dl>\n";
  }
  out += "</section>\n";
}

// The heatmap: a CSS grid with a row per participant.
void AppendHeatmap(const Coverage& c, summarise_render::Output& o) {
  std::string& out = o.text;
  out += "<div class=\"heatmap\" style=\"grid-template-columns: auto repeat(" +
         std::to_string(c.columns.size()) + ", minmax(3.2rem, auto))\">\n<div></div>";
  for (const CoverageColumn& col : c.columns)
    out += "<div class=\"head\">" + H(col.label) + "</div>";
  out += "\n";
  for (std::size_t row = 0; row < c.participants.size(); ++row) {
    out += "<div class=\"who\">" + H(c.participants[row]) + "</div>";
    for (std::size_t col = 0; col < c.columns.size(); ++col) {
      const std::size_t w = c.words[row][col];
      const int level = ShadeLevel(w, c.max_words);
      out += "<div class=\"cell l" + std::to_string(level) + "\" title=\"" +
             H(c.participants[row]) + ", " + H(c.columns[col].label) + ": " + std::to_string(w) +
             " words\">" + (w ? std::to_string(w) : "\u00B7") + "</div>";
    }
    out += "\n";
    o.Spill();
  }
  out += "</div>\n";
}

void AppendCoverage(const Coverage& c, const SummaryReport& r, summarise_render::Output& o) {
  std::string& out = o.text;
  out += "<section class=\"coverage\"><h2>Coverage: " + H(c.label) + " <span class=\"muted\">(" +
         H(c.theme) + ")</span></h2>\n";
  AppendHeatmap(c, o);
  out += "<p class=\"legend\"><span class=\"l0\">no data</span>";
  for (int level = 1; level <= 4; ++level)
    if (std::string range = ShadeRange(level, c.max_words); !range.empty())
      out += "<span class=\"l" + std::to_string(level) + "\">" + H(range) + "</span>";
  out += "coded words</p>\n";
  std::vector<std::vector<HtmlCell>> rows;
  for (const CoverageColumn& col : c.columns) {
    std::string silent;
    for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + H(id);
    rows.push_back(
        {{H(col.label) + (col.little_data ? " <span class=\"little\">little data</span>" : "")},
         {H(SpokeText(col, c.participants.size(), r))},
         {std::to_string(col.words)},
         {silent.empty() ? "<span class=\"muted\">none</span>" : silent}});
  }
  AppendTable({"Sub-theme", "Spoke to it", "Words", "Silent"}, rows, out);
  out += "</section>\n";
}

void AppendRange(const RangeTheme& t, const SummaryReport& r, summarise_render::Output& o) {
  std::string& out = o.text;
  out += "<section class=\"range\"><h2>Range of views: " + H(t.label) + " <span class=\"muted\">(" +
         H(t.theme) + ")</span></h2>\n";
  for (const RangeColumn& col : t.columns) {
    out += "<h3>" + H(col.label) + " <span class=\"muted\">(" + H(t.theme + "." + col.id) +
           ")</span></h3>\n<p class=\"meta\">" + H(Plural(col.charted, "summary", "summaries"));
    if (col.uncharted) out += ", " + std::to_string(col.uncharted) + " not yet charted";
    out += "</p>\n";
    for (const RangeGroup& g : col.groups) {
      if (g.group >= 0 && r.plan)
        out += "<h4>" + H(r.plan->attribute) + ": " + H(g.label) + "</h4>\n";
      out += "<ul class=\"summaries\">\n";
      for (const RangeEntry& e : g.entries) {
        out += "<li>" + HtmlEscapeMultiline(e.summary);
        if (e.status == ChartStatus::kDraft) out += " <span class=\"mark\">[draft]</span>";
        if (e.stale) out += " <span class=\"mark\">[stale]</span>";
        out += "<br><span class=\"by\">\u2014 " + H(e.attribution);
        if (!e.refs.empty()) out += " (" + H(JoinRefs(e.refs)) + ")";
        out += "</span></li>\n";
        o.Spill();
      }
      out += "</ul>\n";
    }
    if (col.withheld)
      out += "<p class=\"muted\">" + H(Plural(col.withheld, "summary", "summaries")) +
             " from groups too small to show are left out.</p>\n";
  }
  out += "</section>\n";
}

void AppendComparison(const Comparison& cmp, const GroupPlan& plan, const SummaryReport& r,
                      std::string& out) {
  out += "<section class=\"compare\"><h2>Group comparison by " + H(plan.attribute) +
         "</h2>\n<p class=\"meta\">The share of each group that spoke to each sub-theme.</p>\n";
  const bool spread = !r.options.words && plan.groups.size() >= 2;
  for (const CompareTheme& t : cmp.themes) {
    if (plan.groups.empty()) break;
    out += "<h3>" + H(t.label) + " <span class=\"muted\">(" + H(t.theme) + ")</span></h3>\n";
    std::vector<std::string> header{"Sub-theme"};
    for (const SummaryGroup& g : plan.groups) header.push_back(H(GroupHeading(g, r)));
    if (spread) header.push_back("Spread");
    std::vector<std::vector<HtmlCell>> rows;
    for (const CompareColumn& c : t.columns) {
      std::vector<HtmlCell> row{{H(c.label)}};
      for (const Share& s : c.shares) row.push_back({H(ShareText(s, r))});
      if (spread) row.push_back({std::to_string(c.spread) + " points"});
      rows.push_back(std::move(row));
    }
    AppendTable(header, rows, out);
  }
  out += "<h3>Where the groups differ most</h3>\n<ol>\n";
  for (const DifferMost& d : cmp.differ_most) {
    const CompareTheme& t = cmp.themes[std::size_t(d.theme)];
    const CompareColumn& c = t.columns[std::size_t(d.column)];
    out += "<li>" + H(c.label) + " <span class=\"muted\">(" + H(t.theme + "." + c.id) +
           ")</span>: " + H(plan.groups[std::size_t(c.highest)].label) + " " +
           H(ShareText(c.shares[std::size_t(c.highest)], r)) + ", " +
           H(plan.groups[std::size_t(c.lowest)].label) + " " +
           H(ShareText(c.shares[std::size_t(c.lowest)], r));
    if (!r.options.words) out += "; " + std::to_string(c.spread) + " points apart";
    out += "</li>\n";
  }
  out += "</ol>\n";
  if (cmp.differ_most.empty())
    out += "<p class=\"muted\">Nowhere: every group shown spoke alike.</p>\n";
  out += "</section>\n";
}

void AppendCooccurrence(const Cooccurrence& co, std::string& out) {
  out += "<section class=\"cooccurrence\"><h2>Co-occurrence <span class=\"muted\">(" +
         std::string(WithinName(co.within)) + ")</span></h2>\n<p class=\"meta\">" +
         H(CapitaliseFirst(WithinText(co.within))) + ".</p>\n";
  std::vector<std::string> header{"Code"};
  for (std::size_t i = 0; i < co.codes.size(); ++i)
    header.push_back("<span title=\"" + H(co.codes[i]) + "\">" + std::to_string(i + 1) + "</span>");
  std::vector<std::vector<HtmlCell>> rows;
  for (std::size_t a = 0; a < co.codes.size(); ++a) {
    std::vector<HtmlCell> row{{std::to_string(a + 1) + " " + H(co.codes[a])}};
    for (std::size_t b = 0; b < co.codes.size(); ++b)
      row.push_back({a == b                 ? "\u2014"
                     : co.counts[a][b] == 0 ? "<span class=\"muted\">\u00B7</span>"
                                            : std::to_string(co.counts[a][b])});
    rows.push_back(std::move(row));
  }
  AppendTable(header, rows, out, "cooc");
  out += "<h3>Strongest pairs</h3>\n<ol>\n";
  for (const CooccurrencePair& p : co.pairs)
    out += "<li><code>" + H(co.codes[std::size_t(p.a)]) + "</code> + <code>" +
           H(co.codes[std::size_t(p.b)]) + "</code>: " + Plural(p.count, "time", "times") + ", " +
           Plural(p.participants, "participant", "participants") + "</li>\n";
  out += "</ol>\n";
  if (co.pairs.empty()) out += "<p class=\"muted\">None: no two codes occur together.</p>\n";
  out += "</section>\n";
}

std::string HtmlReport(const SummaryReport& r, const SummarySink* sink) {
  const std::string title = r.title.empty() ? std::string("Summary") : r.title;
  summarise_render::Output o(sink);
  std::string& out = o.text;
  out = HtmlPageBegin(title + " \u2014 summary", kSummaryCss);
  out += "<h1>" + H(title) + "</h1>\n";
  if (r.case_view) {
    AppendCase(*r.case_view, out);
    out += HtmlPageEnd();
    return o.Finish();
  }
  for (const std::string& note : r.notes) out += "<p class=\"note\">Note: " + H(note) + "</p>\n";
  for (const Coverage& c : r.coverage) AppendCoverage(c, r, o);
  for (const RangeTheme& t : r.range) AppendRange(t, r, o);
  if (r.comparison && r.plan) AppendComparison(*r.comparison, *r.plan, r, out);
  if (r.cooccurrence) AppendCooccurrence(*r.cooccurrence, out);
  out += HtmlPageEnd();
  return o.Finish();
}

}  // namespace

std::string RenderSummaryHtml(const SummaryReport& report) { return HtmlReport(report, nullptr); }

void RenderSummaryHtml(const SummaryReport& report, const SummarySink& sink) {
  HtmlReport(report, &sink);
}

}  // namespace framework
