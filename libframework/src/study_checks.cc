#include "study_checks.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "framework/attribution.h"
#include "framework/chart.h"
#include "framework/disclosure.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "warning_cap.h"

namespace framework {

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// Where a cell's refs stand against its segments now (the cell's text unchanged): refs that
// point to lines that moved since it was charted (`at`), and refs on none of its segments.
// Refs beyond the transcript's end are left to the error that reports them.
template <typename At>
void CheckCellLines(const ChartCell& cell, const Transcript& tr, ColumnRef column,
                    const std::string& theme, Position p, const At& at) {
  std::vector<LineRef> now_lines;
  if (const ColumnIndex* c = tr.Column(column)) {
    const auto lines = tr.Lines(*c);
    now_lines.assign(lines.begin(), lines.end());
  }
  const std::vector<LineRef>* now = &now_lines;
  const std::string name = cell.participant + ":" + cell.subtheme;
  std::optional<CellRebase> rebase;
  if (!cell.source.empty() && !cell.at.empty() && cell.at != LineRanges(*now))
    rebase = RebaseCell(cell, *now);
  if (rebase && rebase->mapped && !rebase->shifted.empty()) {
    std::vector<LineRef> was;
    for (const std::string& a : cell.at) was.push_back(*ParseLineRef(a));
    at(Severity::kWarning, "moved-refs", p,
       "refs point to lines that moved: the coded text of " + name + " moved " +
           DescribeMove(was, *now) + " (" + DescribeShifts(rebase->shifted) + ")",
       "run 'framework chart " + theme + " --rebase " + name + "' to shift them with the text");
  }
  // Refs on no segment: of the cell as charted when it moved (such refs are not shifted, so
  // they are told apart where the researcher wrote them), else of the cell now.
  const bool moved = rebase && rebase->mapped;
  auto joined = [](const std::vector<std::string>& ranges) {
    std::string out;
    for (const std::string& r : ranges) out += (out.empty() ? "" : ", ") + r;
    return out;
  };
  for (const LineRef& ref : moved ? rebase->stray : RefsOutside(cell, *now)) {
    if (ref.last > tr.line_count) continue;
    const std::string where = moved ? " when it was charted (" + joined(cell.at) + ")"
                                    : " (" + joined(LineRanges(*now)) + ")";
    at(Severity::kWarning, "ref-outside-cell", p,
       "cell " + name + " refers to " + ref.ToString() +
           (now->empty() && !moved ? ", but the cell has no coded segments"
                                   : ", outside every segment of the cell" + where),
       "cite a line of the cell's coded text, or code the passage the ref cites");
  }
}

}  // namespace

ChartChecker::ChartChecker(const Study& study, const Chart& header, std::string_view text,
                           const TranscriptIndex& transcript_of, Diagnostics& out)
    : study_(study),
      transcript_of_(transcript_of),
      out_(out),
      source_(header.path, text),
      cap_(out),
      path_(header.path),
      theme_id_(header.theme),
      theme_at_{header.theme_line, header.theme_column} {
  const Framework& f = study.framework;
  // Without a readable framework.yaml every theme would look unknown: its error is enough.
  if (theme_id_.empty() || !f.parsed) return;
  theme_ = f.FindTheme(theme_id_);
  if (theme_ < 0) return;  // reported by Finish, which knows how many cells the chart has
  const std::string stem = Stem(path_);
  if (stem != theme_id_)
    At(Severity::kWarning, "chart-name", theme_at_,
       "chart file " + Quote(path_) + " charts theme " + Quote(theme_id_),
       "name it charts/" + theme_id_ + ".yaml, as commands write it");
  check_.duplicate_at = out.size();
  check_.duplicate = source_.AtPosition(
      Severity::kError, "duplicate-chart", theme_at_.line ? theme_at_ : Position{1, 1}, "",
      "merge the two files' cells into charts/" + theme_id_ + ".yaml");
  for (const auto& s : f.themes[static_cast<std::size_t>(theme_)].subthemes)
    sub_ids_.push_back(s.id);
}

void ChartChecker::At(Severity severity, const char* rule, Position p, std::string message,
                      std::string hint) {
  if (severity == Severity::kWarning && !cap_.Take(source_, p.line ? p : Position{1, 1})) return;
  out_.push_back(source_.AtPosition(severity, rule, p.line ? p : Position{1, 1}, std::move(message),
                                    std::move(hint)));
}

void ChartChecker::Cell(const ChartCell& cell) {
  ++cells_;
  if (theme_ < 0) return;
  auto at = [&](Severity severity, const char* rule, Position p, std::string message,
                std::string hint) { At(severity, rule, p, std::move(message), std::move(hint)); };
  auto cell_name = [&] { return cell.participant + ":" + cell.subtheme; };
  Position p{cell.line, cell.column};
  int sub = -1;
  for (std::size_t i = 0; i < sub_ids_.size(); ++i)
    if (sub_ids_[i] == cell.subtheme) sub = static_cast<int>(i);
  const auto owner = transcript_of_.find(cell.participant);
  const int transcript = owner == transcript_of_.end() ? -1 : owner->second;
  const bool declared = study_.participants.Find(cell.participant) >= 0;
  if (sub < 0) {
    auto guess = Suggest(cell.subtheme, sub_ids_);
    at(Severity::kWarning, "orphan-cell", p,
       "cell " + cell_name() + " is an orphan: theme " + Quote(theme_id_) + " has no sub-theme " +
           Quote(cell.subtheme) + "; the summary is kept",
       guess ? "did you mean '" + *guess + "'? rename the cell's sub-theme to move it"
             : "restore the sub-theme, or move the summary to another cell");
    return;
  }
  if (!declared && transcript < 0) {
    at(Severity::kWarning, "orphan-cell", p,
       "cell " + cell_name() + " is an orphan: there is no participant " + Quote(cell.participant) +
           "; the summary is kept",
       "restore the participant, or move the summary to another row");
    return;
  }
  if (transcript < 0) return;
  const Transcript& tr = study_.transcripts[static_cast<std::size_t>(transcript)];
  const ColumnIndex* column = tr.Column({theme_, sub});
  const std::string now = column ? column->Source() : std::string();
  const bool stale = !cell.source.empty() && cell.source != now;
  if (stale)
    at(Severity::kWarning, "stale-cell", p,
       "cell " + cell_name() + " is stale: its coded text changed since it was charted",
       "review it with 'framework chart " + theme_id_ + " --edit " + cell_name() + "'");
  if (!stale) CheckCellLines(cell, tr, {theme_, sub}, theme_id_, p, at);
  std::vector<LineRef> refs;
  for (const auto& r : cell.refs)
    if (auto ref = ParseLineRef(r)) refs.push_back(*ref);
  for (const auto& found : FindLineRefs(cell.summary)) refs.push_back(found.ref);
  std::vector<LineRef> reported;
  for (const LineRef& ref : refs) {
    if (ref.last <= tr.line_count) continue;
    auto same = [&](const LineRef& r) { return r.first == ref.first && r.last == ref.last; };
    if (std::any_of(reported.begin(), reported.end(), same)) continue;
    reported.push_back(ref);
    at(Severity::kError, "ref-out-of-range", p,
       "cell " + cell_name() + " refers to " + ref.ToString() + ", beyond the end of " + tr.path +
           " (" + std::to_string(tr.line_count) + " lines)",
       "correct the line reference");
  }
}

ChartCheck ChartChecker::Finish() {
  if (theme_ < 0 && !theme_id_.empty() && study_.framework.parsed) {
    std::vector<std::string> ids;
    for (const auto& t : study_.framework.themes) ids.push_back(t.id);
    auto guess = Suggest(theme_id_, ids);
    At(Severity::kWarning, "unknown-chart-theme", theme_at_,
       "chart for unknown theme " + Quote(theme_id_) + "; its " + std::to_string(cells_) +
           " cells are kept",
       guess ? "did you mean '" + *guess + "'?"
             : "restore the theme in framework.yaml, or fix 'theme:'");
  }
  return check_;
}

ChartCheck CheckChart(const Study& study, const Chart& chart, std::string_view text,
                      const TranscriptIndex& transcript_of, Diagnostics& out) {
  ChartChecker checker(study, chart, text, transcript_of, out);
  for (const ChartCell& cell : chart.cells) checker.Cell(cell);
  return checker.Finish();
}

void AddDuplicateChartErrors(const Chart& chart, const ChartCheck& check,
                             const std::vector<Chart>& charts, Diagnostics& out) {
  if (check.duplicate_at == std::string::npos) return;
  std::size_t at = std::min(check.duplicate_at, out.size());
  for (const Chart& other : charts) {
    if (&other == &chart || other.theme != chart.theme || !(other.path < chart.path)) continue;
    Diagnostic d = check.duplicate;
    d.message =
        "a second chart for theme " + Quote(chart.theme) + " (the first is " + other.path + ")";
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(at++), std::move(d));
  }
}

void CheckTranscriptParticipants(const FileSystem& fs, const Study& study,
                                 std::map<std::string, std::size_t>& owner, Diagnostics& out) {
  const std::vector<std::string> ids = study.participants.Ids();
  for (std::size_t i = 0; i < study.transcripts.size(); ++i) {
    const Transcript& t = study.transcripts[i];
    Diagnostic d;
    d.file = t.path;
    if (t.participant_from_front_matter) {
      d.line = t.participant_line;
      d.column = t.participant_column;
      d.length = static_cast<int>(CountCodePoints(t.participant));
    }
    auto located = [&](Diagnostic diag) {
      if (diag.line > 0) {
        ReadResult file = ReadTextFile(fs, t.path);
        if (file.ok) {
          SourceText source(t.path, file.contents);
          SetSourceLine(diag, source.Line(diag.line));
        }
      }
      return diag;
    };
    if (study.participants.complete && study.participants.Find(t.participant) < 0) {
      Diagnostic e = d;
      e.rule = "undeclared-participant";
      e.message =
          "participant " + Quote(t.participant) + " is not declared in " + study.participants_path;
      auto guess = Suggest(t.participant, ids);
      e.hint = guess ? "did you mean '" + *guess + "'?"
                     : (t.participant_from_front_matter
                            ? "add it to " + study.participants_path
                            : "add it to " + study.participants_path +
                                  ", or name the participant with 'participant:' front matter");
      out.push_back(located(std::move(e)));
    }
    auto [it, inserted] = owner.emplace(t.participant, i);
    if (!inserted) {
      Diagnostic e = d;
      e.rule = "duplicate-participant";
      e.message = "participant " + Quote(t.participant) + " already has a transcript, " +
                  study.transcripts[it->second].path;
      e.hint = "each participant has one transcript: merge the two, or correct the participant id";
      out.push_back(located(std::move(e)));
    }
  }
}

void CheckParticipantsHaveTranscripts(const Study& study, std::string_view participants_text,
                                      const std::map<std::string, std::size_t>& owner,
                                      const std::set<std::string>& unread_stems, Diagnostics& out) {
  const Framework& f = study.framework;
  SourceText source(f.participants, participants_text);
  WarningCap cap(out);
  for (const Participant& p : study.participants.participants) {
    if (owner.count(p.id) || unread_stems.count(p.id)) continue;
    if (!cap.Take(source, {p.line, p.column})) continue;
    Diagnostic w = source.AtPosition(
        Severity::kWarning, "participant-without-transcript", {p.line, p.column},
        "participant " + Quote(p.id) + " has no transcript",
        "add a transcript for it under " + Quote(f.transcripts) + ", or remove the entry");
    w.length = static_cast<int>(CountCodePoints(p.id));
    out.push_back(std::move(w));
  }
}

void CheckAttributionPlaceholders(const SourceText& framework_source, const Study& study,
                                  Diagnostics& out) {
  const Framework& f = study.framework;
  if (f.attribution_line <= 0) return;
  const std::vector<std::string> unknown = UnknownPlaceholders(f.attribution, study, true);
  if (unknown.empty()) return;
  std::vector<std::string> names;
  for (const AttributeDef& a : study.participants.attributes) names.push_back(a.name);
  // The value's line, from its column on: where each placeholder is written as it is named.
  const std::string_view line = framework_source.Line(f.attribution_line);
  const std::size_t line_start =
      line.empty() ? 0 : static_cast<std::size_t>(line.data() - framework_source.text().data());
  std::size_t from = 0;
  for (int column = 1; from < line.size() && column < f.attribution_column; ++column) {
    ++from;
    while (from < line.size() && (static_cast<unsigned char>(line[from]) & 0xC0) == 0x80) ++from;
  }
  for (const std::string& name : unknown) {
    const std::string written = "{" + name + "}";
    const std::size_t at = line.find(written, from);
    const auto guess = Suggest(name, names);
    std::string message = "the attribution template uses " + written +
                          ", which is not a participant attribute; it is left out";
    std::string hint = guess ? "did you mean '{" + *guess + "}'?"
                             : "attributes are declared in " + study.participants_path;
    if (at == std::string_view::npos)
      out.push_back(framework_source.AtPosition(Severity::kWarning, "unknown-placeholder",
                                                {f.attribution_line, f.attribution_column},
                                                std::move(message), std::move(hint)));
    else
      out.push_back(framework_source.At(Severity::kWarning, "unknown-placeholder", line_start + at,
                                        std::move(message), std::move(hint),
                                        static_cast<int>(CountCodePoints(written))));
  }
}

}  // namespace framework
