#include "framework/study.h"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "framework/chart_buffer.h"
#include "framework/disclosure.h"
#include "framework/matrix.h"
#include "framework/source_text.h"
#include "framework/text.h"
#include "parallel.h"
#include "study_checks.h"
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

IndexRequest LoadOptions::Request() const {
  if (index) return *index;
  IndexRequest r;
  r.text = keep_text;
  r.segments = keep_text || (keep_segments && !keep_cells);
  r.cell_texts = !keep_text && keep_cells;
  if (r.cell_texts) r.themes = cell_themes;
  r.cell_shapes = !keep_text && count_words;
  r.words = !keep_text && count_words;
  r.chart_themes = cell_themes;
  return r;
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

// The globs of LoadOptions::only, by their literal prefix: the text before the first `*`, `?`,
// `[` or `\` (an escape), which a name must begin with to match. A name is tried only against
// the patterns whose prefix it begins with, looked up once per prefix length in use, so 20,000
// globs (or ids) against 40,000 transcripts cost about one lookup a name, not 20,000 fnmatch
// calls. The answer is the same as trying every pattern (the C locale compares bytes).
class Selection {
 public:
  explicit Selection(const std::vector<std::string>& patterns) {
    for (const std::string& p : patterns) {
      const std::size_t n = std::min(p.find_first_of("*?[\\"), p.size());
      auto [it, added] = by_prefix_.try_emplace(p.substr(0, n));
      it->second.push_back(&p);
      if (added) lengths_.insert(n);
    }
  }

  // True when `path` or its stem matches one of the patterns.
  bool Selected(const std::string& path) const {
    return Matches(path, FNM_PATHNAME) || Matches(Stem(path), 0);
  }

 private:
  bool Matches(const std::string& name, int flags) const {
    for (const std::size_t n : lengths_) {
      if (n > name.size()) break;
      auto it = by_prefix_.find(std::string_view(name).substr(0, n));
      if (it == by_prefix_.end()) continue;
      for (const std::string* p : it->second)
        if (::fnmatch(p->c_str(), name.c_str(), flags) == 0) return true;
    }
    return false;
  }

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<const std::string*>, Hash, std::equal_to<>>
      by_prefix_;
  std::set<std::size_t> lengths_;  // of the prefixes, shortest first
};

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
             : p.err == ENAMETOOLONG
                 ? "its path is longer than the system can open (" + std::to_string(PATH_MAX) +
                       " bytes); the files in it are not loaded: move them to a folder nearer "
                       "the study's"
                 : "the files in it are not loaded; check its permissions";
    out.push_back(std::move(d));
  }
}

// A chart file as the loader holds it while it is read and checked.
struct ChartSlot {
  Chart chart;
  Diagnostics diagnostics;  // loading, then checking
  ChartCheck check;
  bool read = false;
  bool io_error = false;  // it could not be read (not merely not UTF-8)
};

// What the sink folds for `request` (themes resolved against `f`), when the study has charts
// (`charts`) or not.
FoldSpec SpecFor(const IndexRequest& request, const Framework& f, bool charts) {
  FoldSpec spec;
  spec.sources = charts;
  spec.lines = charts;
  spec.cell_texts = request.cell_texts && !request.text;
  spec.cell_shapes = request.cell_shapes && !request.text;
  spec.words = request.words && !request.text;
  for (const std::string& id : request.themes)
    if (const int theme = f.FindTheme(id); theme >= 0) spec.themes.push_back(theme);
  // Themes asked for that the framework lacks: none of their texts (not every theme's).
  if (!request.themes.empty() && spec.themes.empty()) spec.cell_texts = false;
  return spec;
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

namespace {

// A load in progress: what the steps of LoadStudy's one pass share, each step a stage of it.
// Read framework.yaml; start the participants file on its own thread; list the transcripts
// and charts; read, parse, fold and strip the transcripts in parallel; join the participants;
// drop unreadable transcripts; check across files; read and check the charts.
struct Loader {
  Loader(const FileSystem& file_system, const LoadOptions& load)
      : fs(file_system), options(load), request(load.Request()) {}

  // false: there is no framework.yaml to go on (its error is in the study).
  bool ReadFramework() {
    const std::string framework_path = "framework.yaml";
    framework_file = ReadTextFile(fs, framework_path);
    if (!framework_file.ok) {
      Diagnostic d = ReadError(framework_path, "framework.yaml", framework_file);
      if (framework_file.not_found) {
        d.rule = "missing-file";
        d.hint = "run 'framework init' to start a study here";
      }
      study.io_error = !framework_file.not_found && framework_file.encoding.empty();
      study.diagnostics.push_back(std::move(d));
      return false;
    }
    study.framework_loaded = true;
    study.framework = LoadFramework(framework_path, framework_file.contents, study.diagnostics);
    framework_source = SourceText(framework_path, framework_file.contents);
    return true;
  }

  // Loaded on its own thread while the transcripts parse: a large participants.yaml costs
  // yaml-cpp as much as many transcripts.
  void StartParticipants() {
    study.participants_path = f.participants;
    file_order.push_back(f.participants);
    participants_thread = std::thread([&] {
      participants_file = ReadTextFile(fs, f.participants);
      if (!participants_file.ok && !participants_file.encoding.empty()) {
        participant_diagnostics.push_back(ReadError(f.participants, "", participants_file));
        study.participants_unread = true;
        return;
      }
      if (!participants_file.ok) {
        participants_io_error = !participants_file.not_found;
        study.participants_unread = participants_io_error;
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
      study.participants_unread =
          !study.participants.complete && study.participants.participants.empty();
    });
  }

  // Transcripts: a folder of .txt files, or a glob.
  void ListTranscripts() {
    // Folders that could not be read.
    std::vector<ListProblem> unlisted;
    if (HasGlob(f.transcripts)) {
      paths = fs.GlobChecked(f.transcripts, &unlisted);
      transcripts_found = !paths.empty();
      if (paths.empty() && unlisted.empty())  // else the unreadable folder says why
        study.diagnostics.push_back(AtKey(framework_source, f.transcripts_line,
                                          f.transcripts_column, f.transcripts, "missing-file",
                                          "no transcript matches " + Quote(f.transcripts),
                                          "check the pattern in 'transcripts:'"));
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
      const Selection selection(options.only);
      std::erase_if(paths, [&](const std::string& p) { return !selection.Selected(p); });
    }
    file_order.insert(file_order.end(), paths.begin(), paths.end());
  }

  void ListCharts() {
    // Charts: when there are any, the sink folds the hash of each cell's coded text (and its
    // lines), so stale cells are found without keeping the text.
    if (fs.IsDirectory("charts")) {
      std::vector<ListProblem> charts_unlisted;
      chart_paths = fs.ListFilesChecked("charts", ".yaml", &charts_unlisted);
      study.io_error |= !charts_unlisted.empty();
      ReportListProblems(charts_unlisted, study.diagnostics);
    }
    spec = SpecFor(request, f, !chart_paths.empty());
  }

  void LoadTranscripts() {
    // Transcripts, in parallel: each parsed, handed to the sink while its text is alive, then
    // stripped to what the request keeps. Each file's diagnostics stay with it so the output
    // order is fixed.
    study.transcripts.resize(paths.size());
    per_file.resize(paths.size());
    unreadable.assign(paths.size(), 0);
    ParseOptions base;
    base.speakers = f.speakers;
    base.codes = f.parsed ? &f.codes : nullptr;
    base.max_span_turns = f.max_span_turns;
    base.keep_text = true;  // the sink needs it; dropped below unless asked for
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
      std::string().swap(file.contents);
      // Without a framework.yaml that parses, the study's speaker labels are unknown: one cause,
      // one diagnostic, so no "undeclared speaker" warnings.
      if (!f.parsed)
        std::erase_if(per_file[i],
                      [](const Diagnostic& d) { return d.rule == "undeclared-speaker"; });
      FoldTranscript(t, spec);
      t.indexed = !request.text;
      if (!request.text) std::string().swap(t.text);
      if (!request.text && !request.segments && !spec.cell_shapes) {
        std::vector<Segment>().swap(t.segments);
        std::vector<Turn>().swap(t.turns);
      }
    };
    ParallelFor(paths.size(), options.jobs, load_transcript);
  }

  void JoinParticipants() {
    participants_thread.join();
    study.io_error |= participants_io_error;
    SortDiagnostics(participant_diagnostics);
    CapWarnings(participant_diagnostics);
    for (auto& d : participant_diagnostics) study.diagnostics.push_back(std::move(d));
  }

  // The transcripts that could be read, in order; each file's diagnostics in the study.
  void KeepReadTranscripts() {
    std::vector<Transcript> kept;
    kept.reserve(paths.size());
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
    std::vector<Diagnostics>().swap(per_file);
  }

  void CheckAcrossFiles() {
    // Across files (study_checks.cc): each transcript's participant declared and unique; each
    // participant with one; attributions that single out fewer than min_group (disclosure.h).
    std::map<std::string, std::size_t> owner;
    CheckTranscriptParticipants(fs, study, owner, study.diagnostics);
    if (study.participants.complete && transcripts_found && !study.partial)
      CheckParticipantsHaveTranscripts(study, participants_file.contents, owner, unread_stems,
                                       study.diagnostics);
    if (study.participants.complete && study.framework.parsed)
      CheckAttributionPlaceholders(framework_source, study, study.diagnostics);
    if (study.participants.complete && !study.partial && study.framework.parsed)
      AttributionWarnings(study, f.participants, participants_file.contents, study.diagnostics);
  }

  void LoadCharts() {
    // Charts, in parallel, each checked against the folded transcripts as soon as it is read and
    // its text dropped then; without IndexRequest::charts its cells go too, so only the charts
    // in flight cost memory.
    file_order.insert(file_order.end(), chart_paths.begin(), chart_paths.end());
    TranscriptIndex transcript_of;
    for (std::size_t i = 0; i < study.transcripts.size(); ++i)
      transcript_of.emplace(study.transcripts[i].participant, static_cast<int>(i));
    std::set<std::string, std::less<>> chart_themes;  // NFC, as chart files' themes are read
    for (const std::string& id : request.chart_themes) chart_themes.insert(ToNfc(id));
    std::vector<ChartSlot> chart_slots(chart_paths.size());
    ParallelFor(chart_paths.size(), options.jobs, [&](std::size_t c) {
      ChartSlot& slot = chart_slots[c];
      ReadResult file = ReadTextFile(fs, chart_paths[c]);
      if (!file.ok) {
        slot.diagnostics.push_back(ReadError(chart_paths[c], "chart", file));
        slot.io_error = file.encoding.empty();
        return;
      }
      slot.read = true;
      auto keep = [&](const std::string& theme) {
        return request.charts && (chart_themes.empty() || chart_themes.count(theme));
      };
      // Charts whose cells are not all kept are checked a cell at a time as they are read.
      if (!request.charts || !chart_themes.empty()) {
        Diagnostics streamed;
        std::optional<ChartChecker> checker;
        std::vector<ChartCell> kept_cells;
        bool keep_theme = false;  // the chart's theme is known at its first cell
        auto sink = [&](const Chart& header, ChartCell&& cell) {
          if (!checker) {
            checker.emplace(study, header, file.contents, transcript_of, streamed);
            keep_theme = keep(header.theme);
          }
          checker->Cell(cell);
          if (keep_theme) kept_cells.push_back(std::move(cell));
        };
        std::optional<Chart> chart = StreamChart(chart_paths[c], file.contents, sink);
        if (chart) {
          if (!checker) checker.emplace(study, *chart, file.contents, transcript_of, streamed);
          slot.check = checker->Finish();
        }
        checker.reset();  // completes its warning cap's note
        if (chart) {
          slot.chart = std::move(*chart);
          slot.chart.cells = std::move(kept_cells);
          slot.diagnostics = std::move(streamed);
          return;
        }
      }
      slot.chart = LoadChart(chart_paths[c], file.contents, slot.diagnostics);
      slot.check = CheckChart(study, slot.chart, file.contents, transcript_of, slot.diagnostics);
      if (!keep(slot.chart.theme)) std::vector<ChartCell>().swap(slot.chart.cells);
    });
    for (ChartSlot& slot : chart_slots)
      if (slot.read) study.charts.push_back(std::move(slot.chart));
    std::size_t next_chart = 0;
    for (ChartSlot& slot : chart_slots) {
      study.io_error |= slot.io_error;
      // The loader's warnings (a cell without 'status', say) and the check's, capped together.
      if (slot.read) {
        AddDuplicateChartErrors(study.charts[next_chart++], slot.check, study.charts,
                                slot.diagnostics);
        SortDiagnostics(slot.diagnostics);
        CapWarnings(slot.diagnostics);
      }
      for (auto& d : slot.diagnostics) study.diagnostics.push_back(std::move(d));
    }
    // The lines served the chart checks only.
    for (Transcript& t : study.transcripts)
      if (!t.column_lines.empty()) std::vector<LineRef>().swap(t.column_lines);
  }

  Study Finish() {
    SortDiagnostics(study.diagnostics, file_order);
    // Edit buffers never saved (chart_buffer.h): listed last, as notes of their own.
    for (Diagnostic& d : UnsavedBufferNotes(fs)) study.diagnostics.push_back(std::move(d));
    return std::move(study);
  }

  const FileSystem& fs;
  const LoadOptions& options;
  const IndexRequest request;
  Study study;
  const Framework& f = study.framework;
  std::vector<std::string> file_order{"framework.yaml"};
  ReadResult framework_file;
  SourceText framework_source{"framework.yaml", {}};
  ReadResult participants_file;
  Diagnostics participant_diagnostics;
  bool participants_io_error = false;
  std::thread participants_thread;
  std::vector<std::string> paths;  // the transcripts
  bool transcripts_found = true;   // else "no transcript" warnings would only repeat the error
  std::vector<std::string> chart_paths;
  FoldSpec spec;
  std::vector<Diagnostics> per_file;   // each transcript's, so the output order is fixed
  std::vector<char> unreadable;        // 1: could not be read; 2: read, but not UTF-8
  std::set<std::string> unread_stems;  // their participants are not also "without transcript"
};

}  // namespace

Study LoadStudy(const FileSystem& fs, const LoadOptions& options) {
  Loader load(fs, options);
  if (!load.ReadFramework()) return std::move(load.study);
  load.StartParticipants();
  load.ListTranscripts();
  load.ListCharts();
  load.LoadTranscripts();
  load.JoinParticipants();
  load.KeepReadTranscripts();
  load.CheckAcrossFiles();
  load.LoadCharts();
  return load.Finish();
}

}  // namespace framework
