#include "framework/study.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "framework/chart_buffer.h"
#include "framework/disclosure.h"
#include "framework/matrix.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "warning_cap.h"

namespace framework {

int Study::FindTranscript(std::string_view participant) const {
  for (std::size_t i = 0; i < transcripts.size(); ++i)
    if (transcripts[i].participant == participant) return static_cast<int>(i);
  return -1;
}

std::size_t Study::SegmentCount() const {
  std::size_t n = 0;
  for (const auto& t : transcripts) n += std::max(t.segments.size(), t.segment_count);
  return n;
}

std::optional<std::string> FindStudyRoot(const std::string& start) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::absolute(start.empty() ? "." : start, ec);
  if (ec) return std::nullopt;
  dir = dir.lexically_normal();
  for (;;) {
    if (fs::is_regular_file(dir / "framework.yaml", ec)) return dir.string();
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) return std::nullopt;
    dir = parent;
  }
}

namespace {

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Stem(const std::string& path) {
  std::filesystem::path p(path);
  return p.stem().string();
}

bool HasGlob(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

// True when `path` or its stem matches one of `patterns` (see LoadOptions::only).
bool Selected(const std::string& path, const std::vector<std::string>& patterns) {
  const std::string stem = Stem(path);
  for (const std::string& p : patterns)
    if (::fnmatch(p.c_str(), path.c_str(), FNM_PATHNAME) == 0 ||
        ::fnmatch(p.c_str(), stem.c_str(), 0) == 0)
      return true;
  return false;
}

// A diagnostic located at a framework.yaml key (or at its first line when the key is absent).
// The underline covers `value`, the key's value as written.
Diagnostic AtKey(const SourceText& source, int line, int column, const std::string& value,
                 std::string rule, std::string message, std::string hint) {
  Position p{line, column};
  int length = static_cast<int>(CountCodePoints(value));
  if (p.line == 0) {
    p = {1, 1};
    length = 1;
  }
  return source.AtPosition(Severity::kError, std::move(rule), p, std::move(message),
                           std::move(hint), std::max(length, 1));
}

// Runs `work(i)` for every i in [0, n) on up to `jobs` threads (0: every core), each taking the
// next index as it finishes one.
template <typename Work>
void ParallelFor(std::size_t n, unsigned jobs, const Work& work) {
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  auto run = [&] {
    for (std::size_t i = next++; i < n; i = next++) work(i);
  };
  if (jobs <= 1) {
    run();
    return;
  }
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(run);
  for (auto& t : threads) t.join();
}

// "cannot read <what>: <error>" at `path`; for a UTF-16 or UTF-32 file, that it is not UTF-8
// (a study error, not an input/output failure: see ReadTextFile).
Diagnostic ReadError(const std::string& path, const char* what, const ReadResult& file) {
  Diagnostic d;
  d.file = path;
  d.rule = file.encoding.empty() ? "io-error" : "wrong-encoding";
  d.message =
      file.encoding.empty() ? std::string("cannot read ") + what + ": " + file.error : file.error;
  d.hint = file.hint;
  d.line = file.line;  // a NUL byte (ReadTextFile)
  d.column = file.column;
  return d;
}

// A folder a listing could not read: an input/output error.
void ReportListProblems(const std::vector<ListProblem>& problems, Diagnostics& out) {
  for (const ListProblem& p : problems) {
    Diagnostic d;
    d.file = p.path;
    d.rule = "io-error";
    d.message = "cannot read folder: " + p.error;
    d.hint = p.error.find(" is outside ") != std::string::npos
                 ? "files outside the study folder are not read; pass --follow-symlinks to read "
                   "them anyway"
                 : "the files in it are not loaded; check its permissions";
    out.push_back(std::move(d));
  }
}

// A chart file as the loader holds it until it is checked.
struct ChartSlot {
  std::string text;  // kept until the chart is checked, for the diagnostics' source lines
  Chart chart;
  Diagnostics diagnostics;  // loading, then checking
  bool read = false;
  bool io_error = false;  // it could not be read (not merely not UTF-8)
};

// Where a cell's refs stand against its segments now (the cell's text unchanged): refs that
// point to lines that moved since it was charted (`at`), and refs on none of its segments.
// Refs beyond the transcript's end are left to the error that reports them.
template <typename At>
void CheckCellLines(const ChartCell& cell, const Transcript& tr, ColumnRef column,
                    const std::string& theme, Position p, const At& at) {
  static const std::vector<LineRef> kNone;
  const std::vector<LineRef>* now = &kNone;
  for (const auto& [c, lines] : tr.lines)
    if (c == column) now = &lines;
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

// What `framework check` says about a chart: unknown theme, orphan and stale cells, refs beyond
// the transcript. Every cell is kept whatever is found.
// `transcript_of`: each participant's first transcript (as Study::FindTranscript finds it), so
// that checking a chart costs the same per cell whatever the study's size.
// Reads only `study` (so charts are checked in parallel); what it finds goes to `out`.
void CheckChart(const Study& study, const Chart& chart, std::string_view text,
                const std::map<std::string, int, std::less<>>& transcript_of, Diagnostics& out) {
  const Framework& f = study.framework;
  SourceText source(chart.path, text);
  // Without a readable framework.yaml every theme would look unknown: its error is enough.
  if (chart.theme.empty() || !f.parsed) return;
  const int theme = f.FindTheme(chart.theme);
  WarningCap cap(out);
  auto at = [&](Severity severity, const char* rule, Position p, std::string message,
                std::string hint) {
    if (severity == Severity::kWarning && !cap.Take(source, p.line ? p : Position{1, 1})) return;
    out.push_back(source.AtPosition(severity, rule, p.line ? p : Position{1, 1}, std::move(message),
                                    std::move(hint)));
  };
  if (theme < 0) {
    std::vector<std::string> ids;
    for (const auto& t : f.themes) ids.push_back(t.id);
    auto guess = Suggest(chart.theme, ids);
    at(Severity::kWarning, "unknown-chart-theme", {chart.theme_line, chart.theme_column},
       "chart for unknown theme " + Quote(chart.theme) + "; its " +
           std::to_string(chart.cells.size()) + " cells are kept",
       guess ? "did you mean '" + *guess + "'?"
             : "restore the theme in framework.yaml, or fix 'theme:'");
    return;
  }
  const std::string stem = Stem(chart.path);
  if (stem != chart.theme)
    at(Severity::kWarning, "chart-name", {chart.theme_line, chart.theme_column},
       "chart file " + Quote(chart.path) + " charts theme " + Quote(chart.theme),
       "name it charts/" + chart.theme + ".yaml, as commands write it");
  for (const Chart& other : study.charts) {
    if (&other == &chart || other.theme != chart.theme) continue;
    if (other.path < chart.path)
      at(Severity::kError, "duplicate-chart", {chart.theme_line, chart.theme_column},
         "a second chart for theme " + Quote(chart.theme) + " (the first is " + other.path + ")",
         "merge the two files' cells into charts/" + chart.theme + ".yaml");
  }
  const Theme& t = f.themes[static_cast<std::size_t>(theme)];
  std::vector<std::string> sub_ids;
  for (const auto& s : t.subthemes) sub_ids.push_back(s.id);
  for (const ChartCell& cell : chart.cells) {
    auto cell_name = [&] { return cell.participant + ":" + cell.subtheme; };
    Position p{cell.line, cell.column};
    int sub = -1;
    for (std::size_t i = 0; i < sub_ids.size(); ++i)
      if (sub_ids[i] == cell.subtheme) sub = static_cast<int>(i);
    const auto owner = transcript_of.find(cell.participant);
    const int transcript = owner == transcript_of.end() ? -1 : owner->second;
    const bool declared = study.participants.Find(cell.participant) >= 0;
    if (sub < 0) {
      auto guess = Suggest(cell.subtheme, sub_ids);
      at(Severity::kWarning, "orphan-cell", p,
         "cell " + cell_name() + " is an orphan: theme " + Quote(chart.theme) +
             " has no sub-theme " + Quote(cell.subtheme) + "; the summary is kept",
         guess ? "did you mean '" + *guess + "'? rename the cell's sub-theme to move it"
               : "restore the sub-theme, or move the summary to another cell");
      continue;
    }
    if (!declared && transcript < 0) {
      at(Severity::kWarning, "orphan-cell", p,
         "cell " + cell_name() + " is an orphan: there is no participant " +
             Quote(cell.participant) + "; the summary is kept",
         "restore the participant, or move the summary to another row");
      continue;
    }
    if (transcript >= 0) {
      const Transcript& tr = study.transcripts[static_cast<std::size_t>(transcript)];
      std::string_view now;
      for (const auto& [column, hash] : tr.sources)
        if (column.theme == theme && column.subtheme == sub) now = hash;
      const bool stale = !cell.source.empty() && cell.source != now;
      if (stale)
        at(Severity::kWarning, "stale-cell", p,
           "cell " + cell_name() + " is stale: its coded text changed since it was charted",
           "review it with 'framework chart " + chart.theme + " --edit " + cell_name() + "'");
      if (!stale) CheckCellLines(cell, tr, {theme, sub}, chart.theme, p, at);
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
           "cell " + cell_name() + " refers to " + ref.ToString() + ", beyond the end of " +
               tr.path + " (" + std::to_string(tr.line_count) + " lines)",
           "correct the line reference");
      }
    }
  }
}

}  // namespace

std::optional<StudyInput> StudyInputAt(const std::string& root, const Framework& framework,
                                       const std::string& output) {
  namespace fs = std::filesystem;
  const OutputTarget target = ResolveOutput(output);
  if (target.kind != OutputTarget::Kind::kFile) return std::nullopt;  // never an input
  // The inputs LoadStudy reads, found as it finds them.
  DiskFileSystem disk(root);
  std::vector<std::string> inputs{"framework.yaml", framework.participants};
  const std::size_t first_transcript = inputs.size();
  const bool glob = HasGlob(framework.transcripts);
  std::vector<std::string> transcripts =
      glob ? disk.Glob(framework.transcripts) : disk.ListFiles(framework.transcripts, ".txt");
  inputs.insert(inputs.end(), transcripts.begin(), transcripts.end());
  const std::size_t first_chart = inputs.size();
  std::vector<std::string> charts = disk.ListFiles("charts", ".yaml");
  inputs.insert(inputs.end(), charts.begin(), charts.end());
  auto kind_of = [&](std::size_t i) -> std::string {
    return i == 0                 ? "framework.yaml"
           : i < first_transcript ? "the participants file"
           : i < first_chart      ? "a transcript"
                                  : "a chart file";
  };
  std::error_code ec;
  if (fs::exists(target.path, ec)) {
    std::vector<std::string> absolute;
    for (const std::string& p : inputs)
      absolute.push_back(fs::path(p).is_absolute() ? p : root + "/" + p);
    const std::string same = SameFileAs(target.path, absolute);
    for (std::size_t i = 0; i < inputs.size() && !same.empty(); ++i)
      if (absolute[i] == same) return StudyInput{inputs[i], kind_of(i)};
    return std::nullopt;
  }
  // Not there yet: an input if it would be read where it goes.
  const fs::path canonical_root = fs::weakly_canonical(root, ec);
  const fs::path file = fs::weakly_canonical(fs::absolute(target.path, ec), ec);
  if (ec) return std::nullopt;
  const std::string relative = file.lexically_relative(canonical_root).generic_string();
  if (relative.empty() || relative == "." || relative.starts_with("../")) return std::nullopt;
  const auto normal = [](const std::string& p) {
    std::string n = fs::path(p).lexically_normal().generic_string();
    while (n.size() > 1 && n.back() == '/') n.pop_back();
    return n;
  };
  if (relative == "framework.yaml") return StudyInput{relative, kind_of(0)};
  if (relative == normal(framework.participants)) return StudyInput{relative, kind_of(1)};
  // Under `folder`, with `suffix`, in no hidden folder: what ListFiles lists.
  const auto listed = [&](const std::string& folder, const std::string& suffix) {
    const std::string prefix = normal(folder) + "/";
    return relative.starts_with(prefix) && relative.ends_with(suffix) &&
           relative.find("/.", prefix.size() - 1) == std::string::npos;
  };
  if (glob ? ::fnmatch(normal(framework.transcripts).c_str(), relative.c_str(), FNM_PATHNAME) == 0
           : listed(framework.transcripts, ".txt"))
    return StudyInput{relative, kind_of(first_transcript)};
  if (listed("charts", ".yaml")) return StudyInput{relative, kind_of(first_chart)};
  return std::nullopt;
}

Study LoadStudy(const FileSystem& fs, const LoadOptions& options) {
  Study study;
  const std::string framework_path = "framework.yaml";
  std::vector<std::string> file_order{framework_path};

  ReadResult framework_file = ReadTextFile(fs, framework_path);
  if (!framework_file.ok) {
    Diagnostic d = ReadError(framework_path, "framework.yaml", framework_file);
    if (framework_file.not_found) {
      d.rule = "missing-file";
      d.hint = "run 'framework init' to start a study here";
    }
    study.io_error = !framework_file.not_found && framework_file.encoding.empty();
    study.diagnostics.push_back(std::move(d));
    return study;
  }
  study.framework_loaded = true;
  study.framework = LoadFramework(framework_path, framework_file.contents, study.diagnostics);
  const Framework& f = study.framework;
  SourceText framework_source(framework_path, framework_file.contents);

  // Participants.
  study.participants_path = f.participants;
  file_order.push_back(f.participants);
  // Loaded on its own thread while the transcripts parse: a large participants.yaml costs
  // yaml-cpp as much as many transcripts.
  ReadResult participants_file;
  Diagnostics participant_diagnostics;
  bool participants_io_error = false;
  std::thread participants_thread([&] {
    participants_file = ReadTextFile(fs, f.participants);
    if (!participants_file.ok && !participants_file.encoding.empty()) {
      participant_diagnostics.push_back(ReadError(f.participants, "", participants_file));
      return;
    }
    if (!participants_file.ok) {
      participants_io_error = !participants_file.not_found;
      participant_diagnostics.push_back(
          AtKey(framework_source, f.participants_line, f.participants_column, f.participants,
                participants_file.not_found ? "missing-file" : "io-error",
                "cannot read the participants file " + Quote(f.participants) + ": " +
                    participants_file.error,
                participants_file.not_found
                    ? "create it, or point 'participants:' in framework.yaml at the right file"
                    : participants_file.hint));
      return;
    }
    std::string lower = f.participants;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool csv = lower.size() >= 4 && lower.compare(lower.size() - 4, 4, ".csv") == 0;
    study.participants = csv ? LoadParticipantsCsv(f.participants, participants_file.contents,
                                                   f.attributes, participant_diagnostics)
                             : LoadParticipantsYaml(f.participants, participants_file.contents,
                                                    participant_diagnostics);
    study.participants_loaded = true;
  });

  // Transcripts: a folder of .txt files, or a glob.
  std::vector<std::string> paths;
  bool transcripts_found = true;  // else "no transcript" warnings would only repeat the error
  // Folders that could not be read.
  std::vector<ListProblem> unlisted;
  if (HasGlob(f.transcripts)) {
    paths = fs.GlobChecked(f.transcripts, &unlisted);
    transcripts_found = !paths.empty();
    if (paths.empty() && unlisted.empty())  // else the unreadable folder says why
      study.diagnostics.push_back(AtKey(
          framework_source, f.transcripts_line, f.transcripts_column, f.transcripts, "missing-file",
          "no transcript matches " + Quote(f.transcripts), "check the pattern in 'transcripts:'"));
  } else if (!fs.IsDirectory(f.transcripts)) {
    transcripts_found = false;
    study.diagnostics.push_back(AtKey(
        framework_source, f.transcripts_line, f.transcripts_column, f.transcripts, "missing-file",
        "the transcripts folder " + Quote(f.transcripts) + " does not exist",
        "create it and put the .txt transcripts in it, or fix 'transcripts:' in framework.yaml"));
  } else {
    paths = fs.ListFilesChecked(f.transcripts, ".txt", &unlisted);
  }
  if (!unlisted.empty()) {
    transcripts_found = false;
    study.io_error = true;
    ReportListProblems(unlisted, study.diagnostics);
  }
  if (!options.only.empty()) {
    study.partial = true;
    std::erase_if(paths, [&](const std::string& p) { return !Selected(p, options.only); });
  }
  file_order.insert(file_order.end(), paths.begin(), paths.end());

  // Charts: when there are any, each transcript records the hash of each cell's coded text, so
  // stale cells are found without keeping the text.
  std::vector<std::string> chart_paths;
  if (fs.IsDirectory("charts")) {
    std::vector<ListProblem> charts_unlisted;
    chart_paths = fs.ListFilesChecked("charts", ".yaml", &charts_unlisted);
    study.io_error |= !charts_unlisted.empty();
    ReportListProblems(charts_unlisted, study.diagnostics);
  }
  const bool need_sources = !chart_paths.empty();

  // Charts and transcripts are read and parsed on the same threads, charts first (they are the
  // larger files); each file's diagnostics stay with it so the output order is fixed.
  study.transcripts.resize(paths.size());
  std::vector<Diagnostics> per_file(paths.size());
  std::vector<char> unreadable(paths.size(), 0);
  std::vector<ChartSlot> chart_slots(chart_paths.size());
  ParseOptions base;
  base.speakers = f.speakers;
  base.codes = f.parsed ? &f.codes : nullptr;
  base.max_span_turns = f.max_span_turns;
  const bool keep_cells = options.keep_cells && !options.keep_text;
  base.keep_text = options.keep_text || need_sources || keep_cells || options.count_words;
  std::vector<int> cell_themes;  // indexes of LoadOptions::cell_themes
  for (const std::string& id : options.cell_themes)
    if (const int theme = f.FindTheme(id); theme >= 0) cell_themes.push_back(theme);
  auto load_chart = [&](std::size_t c) {
    ChartSlot& slot = chart_slots[c];
    ReadResult file = ReadTextFile(fs, chart_paths[c]);
    if (!file.ok) {
      slot.diagnostics.push_back(ReadError(chart_paths[c], "chart", file));
      slot.io_error = file.encoding.empty();
      return;
    }
    slot.read = true;
    slot.text = std::move(file.contents);
    slot.chart = LoadChart(chart_paths[c], slot.text, slot.diagnostics);
  };
  auto load_transcript = [&](std::size_t i) {
    ReadResult file = ReadTextFile(fs, paths[i]);
    if (!file.ok) {
      per_file[i].push_back(ReadError(paths[i], "transcript", file));
      unreadable[i] = file.encoding.empty() ? 1 : 2;  // 2: read, but not UTF-8
      return;
    }
    ParseOptions po = base;
    po.stem = Stem(paths[i]);
    Transcript& t = study.transcripts[i];
    t = ParseTranscript(paths[i], file.contents, po, per_file[i]);
    // Without a framework.yaml that parses, the study's speaker labels are unknown: one cause,
    // one diagnostic, so no "undeclared speaker" warnings.
    if (!f.parsed)
      std::erase_if(per_file[i],
                    [](const Diagnostic& d) { return d.rule == "undeclared-speaker"; });
    if (need_sources) {
      t.sources = CellSources(t);
      t.lines = CellLines(t);
    }
    if (options.count_words) t.words = CellWords(t);
    if (keep_cells) {
      t.cells = SegmentsByColumn(t, options.cell_themes.empty() ? nullptr : &cell_themes);
      t.cells_kept = true;
    }
    if (!options.keep_text) std::string().swap(t.text);
    if (!options.keep_text && (!options.keep_segments || keep_cells)) {
      std::vector<Segment>().swap(t.segments);
      std::vector<Turn>().swap(t.turns);
    }
  };
  ParallelFor(chart_paths.size() + paths.size(), options.jobs, [&](std::size_t i) {
    if (i < chart_paths.size())
      load_chart(i);
    else
      load_transcript(i - chart_paths.size());
  });
  participants_thread.join();
  study.io_error |= participants_io_error;
  SortDiagnostics(participant_diagnostics);
  CapWarnings(participant_diagnostics);
  for (auto& d : participant_diagnostics) study.diagnostics.push_back(std::move(d));

  std::vector<Transcript> kept;
  kept.reserve(paths.size());
  std::set<std::string> unread_stems;  // their participants are not also "without transcript"
  for (std::size_t i = 0; i < paths.size(); ++i) {
    for (auto& d : per_file[i]) study.diagnostics.push_back(std::move(d));
    if (unreadable[i]) {
      unread_stems.insert(Stem(paths[i]));
      study.io_error |= unreadable[i] == 1;
      continue;
    }
    kept.push_back(std::move(study.transcripts[i]));
  }
  study.transcripts = std::move(kept);

  // Across files: each transcript's participant declared and unique; each participant with one.
  std::map<std::string, std::size_t> owner;
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
      study.diagnostics.push_back(located(std::move(e)));
    }
    auto [it, inserted] = owner.emplace(t.participant, i);
    if (!inserted) {
      Diagnostic e = d;
      e.rule = "duplicate-participant";
      e.message = "participant " + Quote(t.participant) + " already has a transcript, " +
                  study.transcripts[it->second].path;
      e.hint = "each participant has one transcript: merge the two, or correct the participant id";
      study.diagnostics.push_back(located(std::move(e)));
    }
  }
  if (study.participants.complete && transcripts_found && !study.partial) {
    SourceText source(f.participants, participants_file.contents);
    WarningCap cap(study.diagnostics);
    for (const Participant& p : study.participants.participants) {
      if (owner.count(p.id) || unread_stems.count(p.id)) continue;
      if (!cap.Take(source, {p.line, p.column})) continue;
      Diagnostic w = source.AtPosition(
          Severity::kWarning, "participant-without-transcript", {p.line, p.column},
          "participant " + Quote(p.id) + " has no transcript",
          "add a transcript for it under " + Quote(f.transcripts) + ", or remove the entry");
      w.length = static_cast<int>(CountCodePoints(p.id));
      study.diagnostics.push_back(std::move(w));
    }
  }
  // Attributions that single out fewer than min_group participants (disclosure.h).
  if (study.participants.complete && !study.partial && study.framework.parsed)
    AttributionWarnings(study, f.participants, participants_file.contents, study.diagnostics);

  file_order.insert(file_order.end(), chart_paths.begin(), chart_paths.end());
  std::map<std::string, int, std::less<>> transcript_of;
  for (std::size_t i = 0; i < study.transcripts.size(); ++i)
    transcript_of.emplace(study.transcripts[i].participant, static_cast<int>(i));
  for (ChartSlot& slot : chart_slots)
    if (slot.read) study.charts.push_back(std::move(slot.chart));
  std::vector<ChartSlot*> read;
  for (ChartSlot& slot : chart_slots)
    if (slot.read) read.push_back(&slot);
  ParallelFor(read.size(), options.jobs, [&](std::size_t c) {
    CheckChart(study, study.charts[c], read[c]->text, transcript_of, read[c]->diagnostics);
    std::string().swap(read[c]->text);
  });
  for (ChartSlot& slot : chart_slots) {
    study.io_error |= slot.io_error;
    // The loader's warnings (a cell without 'status', say) and the check's, capped together.
    if (slot.read) {
      SortDiagnostics(slot.diagnostics);
      CapWarnings(slot.diagnostics);
    }
    for (auto& d : slot.diagnostics) study.diagnostics.push_back(std::move(d));
  }

  SortDiagnostics(study.diagnostics, file_order);
  // Edit buffers never saved (chart_buffer.h): listed last, as notes of their own.
  for (Diagnostic& d : UnsavedBufferNotes(fs)) study.diagnostics.push_back(std::move(d));
  return study;
}

}  // namespace framework
