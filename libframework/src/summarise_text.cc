// The summary for a terminal: headings and wrapped lines, tables by RenderTable, the coverage
// heatmap in shaded blocks.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/summarise.h"
#include "framework/table.h"
#include "parallel.h"
#include "summarise_render.h"

namespace framework {
namespace {

using summarise_render::GroupHeading;
using summarise_render::JoinRefs;
using summarise_render::kAsciiShades;
using summarise_render::kShades;
using summarise_render::Marks;
using summarise_render::Plural;
using summarise_render::ShadeRange;
using summarise_render::ShareText;
using summarise_render::SpokeText;
using summarise_render::WithinText;

class TextWriter {
 public:
  TextWriter(const SummaryReport& report, const SummaryTextOptions& options,
             const SummarySink* sink)
      : r_(report), o_(options), out_(sink) {}

  std::string Run();

 private:
  // A section of the output (a theme's coverage or range of views), and about how many bytes
  // of text it makes.
  struct Section {
    std::function<void(TextWriter&)> render;
    std::size_t bytes = 0;
  };
  // A section bigger than this is rendered in place, streamed to the sink, never held whole.
  static constexpr std::size_t kMaxPartBytes = std::size_t{16} << 20;

  // A writer for one section on its own, as if after text ending in `before`.
  TextWriter(const SummaryReport& report, const SummaryTextOptions& options,
             std::string_view before)
      : r_(report), o_(options), out_(nullptr, before), part_(true) {}

  void Sections(const std::vector<Section>& sections);
  void Wave(const std::vector<const Section*>& wave);
  void Heading(const std::string& text) {
    Gap();
    Styled(text, 0, 0, o_.width, "\x1b[1m");
  }
  void Line(const std::string& text, std::size_t indent = 0, std::size_t hang = 0) {
    const std::size_t width = o_.width > indent + hang + 12 ? o_.width - indent - hang : 12;
    Styled(text, indent, hang, width, {});
  }
  void Dim(const std::string& text, std::size_t indent, std::size_t hang = 0) {
    const std::size_t width = o_.width > indent + hang + 12 ? o_.width - indent - hang : 12;
    Styled(text, indent, hang, width, "\x1b[2m");
  }
  // `text` wrapped to `width`, each line after `indent` spaces (and `hang` more after the
  // first), in `style` and a reset when there is colour and a style.
  void Styled(const std::string& text, std::size_t indent, std::size_t hang, std::size_t width,
              std::string_view style) {
    const bool styled = o_.color && !style.empty();
    bool first = true;
    WrapText(text, width, [&](std::string_view line) {
      out_.text.append(indent + (first ? 0 : hang), ' ');
      first = false;
      if (styled) out_.text += style;
      out_.text += line;
      if (styled) out_.text += "\x1b[0m";
      out_.text += '\n';
    });
  }
  void Gap() {
    if (!out_.empty() && !out_.EndsWithBlankLine()) out_.text += "\n";
  }
  TableOptions Table(std::vector<bool> fixed = {}) const {
    TableOptions t;
    t.width = o_.width;
    t.color = o_.color;
    t.unicode = o_.unicode;
    t.fixed = std::move(fixed);
    t.jobs = part_ ? 1 : o_.jobs;  // a section on a thread of its own draws its tables alone
    return t;
  }
  void Coverage(const framework::Coverage& c);
  void Range(const RangeTheme& t);
  void Compare(const Comparison& cmp);
  void Cooccur(const Cooccurrence& co);
  void Case(const CaseView& v);
  void Notes();

  const SummaryReport& r_;
  const SummaryTextOptions& o_;
  summarise_render::Output out_;
  bool part_ = false;  // a section rendered on its own (see Sections)
};

// Renders `sections` in order. With more than one job, consecutive sections of at most
// kMaxPartBytes go a wave at a time (as many as the jobs, see Wave); a bigger one is rendered in
// place, so what is held beside the sink's pieces stays bounded.
void TextWriter::Sections(const std::vector<Section>& sections) {
  const unsigned jobs = ResolveJobs(o_.jobs);
  std::vector<const Section*> wave;
  auto flush = [&] {
    Wave(wave);
    wave.clear();
  };
  for (const Section& section : sections) {
    if (jobs <= 1 || section.bytes > kMaxPartBytes) {
      flush();
      section.render(*this);
      continue;
    }
    wave.push_back(&section);
    if (wave.size() == jobs) flush();
  }
  flush();
}

// Renders a wave of sections, each on a thread into a text of its own, as if it followed text
// ending in a line break that is not a blank line ("x\n"), or what is written so far, the first
// of the wave. Each text is joined where what comes before it does end so, and its section
// rendered again here where not: a section's text depends on what comes before it only through
// Gap (empty, or ending in a blank line: the last two characters), so the output is the same as
// one section after another.
void TextWriter::Wave(const std::vector<const Section*>& wave) {
  if (wave.size() <= 1) {
    for (const Section* section : wave) section->render(*this);
    return;
  }
  constexpr std::string_view kAfterLine = "x\n";
  const std::string first = out_.Tail();
  std::vector<std::string> parts(wave.size());
  ParallelFor(parts.size(), static_cast<unsigned>(wave.size()), [&](std::size_t i) {
    TextWriter part(r_, o_, i == 0 ? std::string_view(first) : kAfterLine);
    wave[i]->render(part);
    parts[i] = part.out_.Finish();
  });
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string tail = out_.Tail();
    if (i == 0 || (tail.size() == 2 && tail[0] != '\n' && tail[1] == '\n')) {
      out_.text += parts[i];
      parts[i] = std::string();
      out_.Spill();
    } else {
      wave[i]->render(*this);
    }
  }
}

void TextWriter::Coverage(const framework::Coverage& c) {
  const auto& shades = o_.unicode ? kShades : kAsciiShades;
  Heading("Coverage: " + c.label + " (" + c.theme + "), coded words per participant");
  std::vector<TableCell> header{{"Participant", CellStyle::kHeader}};
  for (const CoverageColumn& col : c.columns) header.push_back({col.label, CellStyle::kHeader});
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t row = 0; row < c.participants.size(); ++row) {
    std::vector<TableCell> cells{{c.participants[row]}};
    for (std::size_t col = 0; col < c.columns.size(); ++col) {
      const std::size_t w = c.words[row][col];
      const int level = ShadeLevel(w, c.max_words);
      std::string shade;
      for (int k = 0; k < 3; ++k) shade += shades[level];
      cells.push_back(
          {w ? shade + " " + std::to_string(w) : shade, w ? CellStyle::kNormal : CellStyle::kDim});
    }
    rows.push_back(std::move(cells));
  }
  AppendTable(header, rows, Table({true}), out_.text, [&](std::string&) { out_.Spill(); });
  std::string legend = "Legend: " + std::string(shades[0]) + " no data";
  for (int level = 1; level <= 4; ++level)
    if (std::string range = ShadeRange(level, c.max_words); !range.empty())
      legend += "  " + std::string(shades[level]) + " " + range;
  Line(legend + " coded words");
  Gap();
  std::vector<TableCell> h2{{"Sub-theme", CellStyle::kHeader},
                            {"Spoke to it", CellStyle::kHeader},
                            {"Words", CellStyle::kHeader},
                            {"Silent", CellStyle::kHeader}};
  std::vector<std::vector<TableCell>> rows2;
  for (const CoverageColumn& col : c.columns) {
    std::string silent;
    for (const std::string& id : col.silent) silent += (silent.empty() ? "" : ", ") + id;
    rows2.push_back({{col.label + (col.little_data ? " [little data]" : ""),
                      col.little_data ? CellStyle::kWarning : CellStyle::kNormal},
                     {SpokeText(col, c.participants.size(), r_)},
                     {std::to_string(col.words)},
                     {silent.empty() ? "none" : silent,
                      silent.empty() ? CellStyle::kDim : CellStyle::kNormal}});
  }
  AppendTable(h2, rows2, Table({false, true, true, false}), out_.text);
  std::string little;
  for (const CoverageColumn& col : c.columns)
    if (col.little_data) little += (little.empty() ? "" : "; ") + col.label;
  Line("Little data: " + (little.empty() ? std::string("none") : little));
}

void TextWriter::Range(const RangeTheme& t) {
  Heading("Range of views: " + t.label + " (" + t.theme + ")");
  for (const RangeColumn& col : t.columns) {
    Gap();
    std::string head = col.label + " (" + t.theme + "." + col.id +
                       "): " + Plural(col.charted, "summary", "summaries");
    if (col.uncharted) head += ", " + std::to_string(col.uncharted) + " not yet charted";
    Heading(head);
    if (col.groups.empty()) Dim("no summaries to show", 2);
    for (const RangeGroup& g : col.groups) {
      std::size_t indent = 2;
      if (g.group >= 0 && r_.plan) {
        Line(r_.plan->attribute + ": " + g.label, 2);
        indent = 4;
      }
      for (const RangeEntry& e : g.entries) {
        Line("\u2022 " + e.summary + Marks(e.status, e.stale), indent, 2);
        std::string by = "\u2014 " + e.attribution;
        if (!e.refs.empty()) by += " (" + JoinRefs(e.refs) + ")";
        Dim(by, indent + 2, 2);
        out_.Spill();
      }
    }
    if (col.withheld)
      Dim(Plural(col.withheld, "summary", "summaries") +
              " from groups too small to show are left out (run without --by to read them)",
          2);
  }
}

void TextWriter::Compare(const Comparison& cmp) {
  const GroupPlan& plan = *r_.plan;
  Heading("Group comparison by " + plan.attribute +
          ": the share of each group that spoke to each sub-theme");
  if (plan.groups.empty()) {
    Line("No group has " + std::to_string(plan.min_group) + " or more participants to show.");
    return;
  }
  for (const CompareTheme& t : cmp.themes) {
    Gap();
    Heading(t.label + " (" + t.theme + ")");
    std::vector<TableCell> header{{"Sub-theme", CellStyle::kHeader}};
    for (const SummaryGroup& g : plan.groups)
      header.push_back({GroupHeading(g, r_), CellStyle::kHeader});
    if (!r_.options.words && plan.groups.size() >= 2)
      header.push_back({"Spread", CellStyle::kHeader});
    std::vector<std::vector<TableCell>> rows;
    for (const CompareColumn& c : t.columns) {
      std::vector<TableCell> row{{c.label}};
      for (const Share& s : c.shares) row.push_back({ShareText(s, r_)});
      if (!r_.options.words && plan.groups.size() >= 2)
        row.push_back({std::to_string(c.spread) + " points"});
      rows.push_back(std::move(row));
    }
    AppendTable(header, rows, Table(), out_.text);
  }
  Gap();
  Heading("Where the groups differ most");
  if (cmp.differ_most.empty()) Line("nowhere: every group shown spoke to each sub-theme alike", 2);
  std::size_t rank = 0;
  for (const DifferMost& d : cmp.differ_most) {
    const CompareTheme& t = cmp.themes[std::size_t(d.theme)];
    const CompareColumn& c = t.columns[std::size_t(d.column)];
    const Share& hi = c.shares[std::size_t(c.highest)];
    const Share& lo = c.shares[std::size_t(c.lowest)];
    std::string line = std::to_string(++rank) + ". " + c.label + " (" + t.theme + "." + c.id +
                       "): " + plan.groups[std::size_t(c.highest)].label + " " + ShareText(hi, r_) +
                       ", " + plan.groups[std::size_t(c.lowest)].label + " " + ShareText(lo, r_);
    if (!r_.options.words) line += "; " + std::to_string(c.spread) + " points apart";
    Line(line, 2, 3);
  }
}

void TextWriter::Cooccur(const Cooccurrence& co) {
  Heading("Co-occurrence (--within " + std::string(WithinName(co.within)) +
          "): " + WithinText(co.within));
  std::vector<TableCell> header{{"#", CellStyle::kHeader}, {"Code", CellStyle::kHeader}};
  for (std::size_t i = 0; i < co.codes.size(); ++i)
    header.push_back({std::to_string(i + 1), CellStyle::kHeader});
  std::vector<std::vector<TableCell>> rows;
  for (std::size_t a = 0; a < co.codes.size(); ++a) {
    std::vector<TableCell> row{{std::to_string(a + 1)}, {co.codes[a]}};
    for (std::size_t b = 0; b < co.codes.size(); ++b) {
      if (a == b)
        row.push_back({o_.unicode ? "\u2014" : "-", CellStyle::kDim});
      else if (co.counts[a][b] == 0)
        row.push_back({o_.unicode ? "\u00B7" : ".", CellStyle::kDim});
      else
        row.push_back({std::to_string(co.counts[a][b])});
    }
    rows.push_back(std::move(row));
  }
  AppendTable(header, rows, Table(std::vector<bool>(co.codes.size() + 2, true)), out_.text);
  Heading("Strongest pairs");
  if (co.pairs.empty()) Line("none: no two codes occur together", 2);
  for (const CooccurrencePair& p : co.pairs)
    Line(co.codes[std::size_t(p.a)] + " + " + co.codes[std::size_t(p.b)] + ": " +
             Plural(p.count, "time", "times") + ", " +
             Plural(p.participants, "participant", "participants"),
         2, 2);
}

void TextWriter::Case(const CaseView& v) {
  Heading("Case: " + v.participant + " (" + v.attribution + ")");
  if (!v.has_transcript) Dim("no transcript", 2);
  for (const CaseTheme& t : v.themes) {
    Gap();
    Heading(t.label + " (" + t.theme + ")");
    for (const CaseCell& c : t.cells) {
      if (c.chart) {
        Line(c.label + " [" + std::string(ChartStatusName(c.chart->status)) + "]" +
                 (c.stale ? " [stale]" : ""),
             2);
        Line(c.chart->summary, 4);
        if (!c.chart->refs.empty()) Dim("refs: " + JoinRefs(c.chart->refs), 4);
      } else if (c.segments > 0) {
        Line(c.label + ": not charted", 2);
        Dim(Plural(c.segments, "segment", "segments") + ", " + Plural(c.words, "word", "words") +
                " (" + JoinRefs(c.excerpt_refs) + ")",
            4);
      } else {
        Dim(c.label + ": no data", 2);
      }
    }
  }
}

void TextWriter::Notes() {
  if (r_.notes.empty()) return;
  Gap();
  for (const std::string& note : r_.notes) Line("Note: " + note, 0, 6);
}

std::string TextWriter::Run() {
  if (r_.case_view) {
    Case(*r_.case_view);
    return out_.Finish();
  }
  std::vector<Section> sections;
  for (const framework::Coverage& c : r_.coverage)
    sections.push_back({[&c](TextWriter& w) { w.Coverage(c); },
                        (c.participants.size() + 4) * (c.columns.size() + 1) * 48});
  for (const RangeTheme& t : r_.range) {
    std::size_t bytes = 256;
    for (const RangeColumn& col : t.columns)
      for (const RangeGroup& g : col.groups)
        for (const RangeEntry& e : g.entries)
          bytes += e.summary.size() + e.attribution.size() + 16 * e.refs.size() + 64;
    sections.push_back({[&t](TextWriter& w) { w.Range(t); }, bytes});
  }
  Sections(sections);
  if (r_.comparison) Compare(*r_.comparison);
  if (r_.cooccurrence) Cooccur(*r_.cooccurrence);
  Notes();
  return out_.Finish();
}

}  // namespace

std::string RenderSummaryText(const SummaryReport& report, const SummaryTextOptions& options) {
  return TextWriter(report, options, nullptr).Run();
}

void RenderSummaryText(const SummaryReport& report, const SummaryTextOptions& options,
                       const SummarySink& sink) {
  TextWriter(report, options, &sink).Run();
}

}  // namespace framework
