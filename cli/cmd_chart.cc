// framework chart: a theme's matrix in the terminal, and the editor loop that charts it.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "commands.h"
#include "framework/chart.h"
#include "framework/chart_buffer.h"
#include "framework/chart_json.h"
#include "framework/chart_ops.h"
#include "framework/chart_rebase.h"
#include "framework/chart_store.h"
#include "framework/matrix.h"
#include "framework/table.h"
#include "framework/text.h"

namespace framework::cli {
namespace {

namespace fs = std::filesystem;

struct ChartOptions {
  CommonOptions common;
  std::string theme;
  std::string format = "text";
  std::size_t width = 0;
  std::string sort;
  std::string attributes;
  std::vector<std::string> where;
  std::string edit;
  bool next = false;
  bool draft = false;
  bool all = false;
  std::vector<std::string> accept;
  std::vector<std::string> rebase;  // cells, or "all"
  bool rebase_given = false;
  std::string pager = "auto";
};

// Everything a chart run works with, loaded once.
struct Context {
  StudyLocation where;
  Study study;
  int theme = -1;
  Matrix matrix;
  std::string chart_path;                // relative to the study root
  std::vector<std::string> chart_files;  // every chart file of the theme (one, or an error)
  std::vector<int> rows;                 // matrix rows shown, in display order
  std::vector<int> attribute_columns;    // attribute indexes shown
};

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Current time as ISO 8601 UTC; SOURCE_DATE_EPOCH, when set, fixes it (reproducible tests).
std::string NowIso() {
  std::time_t now = std::time(nullptr);
  int ignored = 0;  // checked in RunChart
  if (auto epoch = SourceDateEpoch(&ignored); epoch && *epoch >= 0)
    now = static_cast<std::time_t>(*epoch);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// Selects and orders the rows: --where filters, --sort keys, then participant id.
bool ChooseRows(Context& ctx, const ChartOptions& options, int* exit_code) {
  const Study& study = ctx.study;
  std::vector<RowFilter> filters;
  for (const std::string& clause : options.where) {
    std::size_t eq = clause.find('=');
    if (eq == std::string::npos || eq == 0) {
      PrintError("--where " + Quote(clause) + " is not ATTR=VALUE",
                 "e.g. --where 'sector=adult social care' or --where role!=academic");
      *exit_code = kExitUsage;
      return false;
    }
    bool negate = clause[eq - 1] == '!';
    std::string name(Trim(clause.substr(0, negate ? eq - 1 : eq)));
    std::string value(Trim(clause.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    int attribute = ResolveAttribute(study, name, exit_code);
    if (attribute < 0) return false;
    filters.push_back({attribute, ToNfc(value), negate});
  }
  std::vector<int> sort_keys;
  for (const std::string& name : SplitList(options.sort)) {
    int attribute = ResolveAttribute(study, name, exit_code);
    if (attribute < 0) return false;
    sort_keys.push_back(attribute);
  }
  for (const std::string& name : SplitList(options.attributes)) {
    int attribute = ResolveAttribute(study, name, exit_code);
    if (attribute < 0) return false;
    ctx.attribute_columns.push_back(attribute);
  }
  ctx.rows = SelectRows(study, ctx.matrix, filters, sort_keys);
  return true;
}

std::optional<Context> Load(const ChartOptions& options, int* exit_code) {
  Context ctx;
  auto where = LocateStudy(options.common, exit_code);
  if (!where) return std::nullopt;
  ctx.where = *where;
  LoadOptions load;  // the theme's coded text, not the transcripts' whole text
  load.keep_text = false;
  load.keep_cells = true;
  load.cell_themes = {options.theme};
  ctx.study = LoadStudyAt(ctx.where, options.common, std::move(load));
  const Framework& f = ctx.study.framework;
  if (!ctx.study.framework_loaded || !f.parsed || f.themes.empty()) {
    PrintDiagnostics(ctx.study.diagnostics, ctx.where, UseColor(stderr, options.common.color));
    *exit_code = ctx.study.io_error ? kExitIo : kExitStudyErrors;
    return std::nullopt;
  }
  ctx.theme = ResolveTheme(f, options.theme, exit_code);
  if (ctx.theme < 0) return std::nullopt;
  ctx.matrix = TakeTheme(ctx.study, ctx.theme);  // the segments moved, not copied
  ctx.chart_path = "charts/" + options.theme + ".yaml";
  for (const Chart& chart : ctx.study.charts) {
    if (chart.theme != options.theme) continue;
    AttachChart(ctx.matrix, chart);
    if (chart.path != ctx.chart_path) ctx.chart_path = chart.path;
    ctx.chart_files.push_back(chart.path);
  }
  if (!ChooseRows(ctx, options, exit_code)) return std::nullopt;
  return ctx;
}

const Subtheme& SubthemeAt(const Context& ctx, std::size_t column) {
  return ctx.study.framework.themes[static_cast<std::size_t>(ctx.theme)].subthemes[column];
}

// ---- the matrix as text --------------------------------------------------------------------

struct Counts {
  std::size_t charted = 0, reviewed = 0, drafts = 0, stale = 0, waiting = 0;
};

Counts CountCells(const Context& ctx) {
  Counts c;
  for (int r : ctx.rows) {
    for (const MatrixCell& cell : ctx.matrix.cells[static_cast<std::size_t>(r)]) {
      if (cell.chart) {
        if (cell.chart->status == ChartStatus::kDraft) ++c.drafts;
        if (cell.chart->status == ChartStatus::kCharted) ++c.charted;
        if (cell.chart->status == ChartStatus::kReviewed) ++c.reviewed;
        if (cell.stale()) ++c.stale;
      } else if (cell.has_data()) {
        ++c.waiting;
      }
    }
  }
  return c;
}

std::vector<TableCell> CellText(const MatrixCell& cell) {
  if (cell.chart) {
    std::string marks;
    if (cell.stale()) marks += "[stale] ";
    if (cell.chart->status == ChartStatus::kDraft) marks += "[draft] ";
    std::string text = marks + cell.chart->summary;
    if (!cell.chart->comment.empty()) text += "\n[comment] " + cell.chart->comment;
    CellStyle style = cell.stale()                                ? CellStyle::kWarning
                      : cell.chart->status == ChartStatus::kDraft ? CellStyle::kDim
                                                                  : CellStyle::kNormal;
    return {{text, style}};
  }
  if (cell.has_data())
    return {{Plural(cell.segments.size(), "segment", "segments") + ", " +
                 Plural(cell.words, "word", "words"),
             CellStyle::kDim}};
  return {{"", CellStyle::kNormal}};
}

std::string RenderText(const Context& ctx, std::size_t width, bool color, unsigned jobs) {
  const Theme& theme = ctx.study.framework.themes[static_cast<std::size_t>(ctx.theme)];
  std::vector<TableCell> header{{"Participant", CellStyle::kHeader}};
  TableOptions table;
  table.width = width;
  table.color = color;
  table.jobs = jobs;
  table.fixed.push_back(true);
  for (int a : ctx.attribute_columns) {
    header.push_back(
        {ctx.study.participants.attributes[static_cast<std::size_t>(a)].name, CellStyle::kHeader});
    table.fixed.push_back(true);
  }
  for (std::size_t c = 0; c < ctx.matrix.subthemes.size(); ++c) {
    const Subtheme& sub = SubthemeAt(ctx, c);
    header.push_back({sub.label.empty() ? sub.id : sub.label, CellStyle::kHeader});
    table.fixed.push_back(false);
  }
  std::vector<std::vector<TableCell>> body;
  for (int r : ctx.rows) {
    const std::string& id = ctx.matrix.participants[static_cast<std::size_t>(r)];
    std::vector<TableCell> row{{id, CellStyle::kEmphasis}};
    for (int a : ctx.attribute_columns)
      row.push_back({AttributeValue(ctx.study, id, a).value_or("")});
    for (const MatrixCell& cell : ctx.matrix.cells[static_cast<std::size_t>(r)])
      row.push_back(CellText(cell).front());
    body.push_back(std::move(row));
  }
  Counts counts = CountCells(ctx);
  // The heading, wrapped to the width so it never widens the output past the table.
  std::string heading = theme.label + " (" + theme.id +
                        "): " + Plural(ctx.rows.size(), "participant", "participants") + " x " +
                        Plural(ctx.matrix.subthemes.size(), "sub-theme", "sub-themes") + "; " +
                        std::to_string(counts.charted + counts.reviewed) + " charted (" +
                        std::to_string(counts.reviewed) + " reviewed), " +
                        Plural(counts.drafts, "draft", "drafts") + ", " +
                        std::to_string(counts.stale) + " stale, " + std::to_string(counts.waiting) +
                        " waiting";
  std::string out;
  for (const std::string& line : WrapText(heading, width)) out += line + "\n";
  out += RenderTable(header, body, table);
  if (!ctx.matrix.orphans.empty()) {
    out += "\nOrphan cells, kept in " + ctx.chart_path +
           " (their participant or sub-theme no longer exists):\n";
    for (const ChartCell& c : ctx.matrix.orphans)
      out += "  " + c.participant + ":" + c.subtheme + "  " + c.summary + "\n";
  }
  return out;
}

// Writes `text` to stdout, through a pager when it is wider than the terminal (as git does);
// `text_width()` gives its width, asked only when there is a terminal to compare it with.
void Emit(const std::string& text, const std::function<std::size_t()>& text_width,
          const ChartOptions& options) {
  bool page = options.pager == "always";
  if (!page && options.pager == "auto") {
    const std::size_t terminal = StdoutTerminalWidth();
    page = terminal > 0 && text_width() > terminal;
  }
  if (page && WriteThroughPager(text)) return;  // else (no pager to run) plain output
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// ---- writing cells ---------------------------------------------------------------------------

ChartFileRef FileRef(const Context& ctx) {
  return {ctx.where.root, ctx.chart_path, ctx.matrix.theme, ctx.matrix.subthemes};
}

// Two chart files for one theme: nothing is written to either (check reports it).
bool OneChartFile(const Context& ctx) {
  if (ctx.chart_files.size() <= 1) return true;
  PrintError("theme " + Quote(ctx.matrix.theme) + " has " + std::to_string(ctx.chart_files.size()) +
                 " chart files (" + ctx.chart_files[0] + ", " + ctx.chart_files[1] +
                 "); nothing was written",
             "merge their cells into one file, charts/" + ctx.matrix.theme + ".yaml");
  return false;
}

// Prints why a chart write did not happen; the exit code.
int ReportWrite(const Context& ctx, const ChartWriteResult& r, const std::string& kept = {}) {
  const std::string file = ctx.where.path_prefix + ctx.chart_path;
  const std::string keep = kept.empty() ? std::string() : "your buffer is kept in " + kept;
  switch (r.status) {
    case ChartWriteStatus::kWritten:
    case ChartWriteStatus::kUnchanged:
      return kExitOk;
    case ChartWriteStatus::kChartErrors:
      PrintDiagnostics(r.diagnostics, ctx.where, UseColor(stderr, "auto"));
      PrintError(file + " has errors; nothing was written",
                 kept.empty() ? "fix the file first, so no summary in it is lost"
                              : "fix the file, then save again; " + keep);
      return kExitStudyErrors;
    case ChartWriteStatus::kRefused:
      PrintError(r.message + "; nothing was written",
                 kept.empty() ? "" : "run the command again to edit it as it is now; " + keep);
      return kExitStudyErrors;
    case ChartWriteStatus::kLayout:
      PrintError(r.message + "; nothing was written",
                 "write its cells as a block list ('  - participant: ...' items), as framework "
                 "does" +
                     (kept.empty() ? std::string() : "; " + keep));
      return kExitStudyErrors;
    case ChartWriteStatus::kIoError:
      PrintError(r.message + "; nothing was written", keep);
      return kExitIo;
  }
  return kExitIo;
}

// Prints why an operation failed; its exit code.
int ReportStatus(const Status& status) {
  if (status.ok()) return kExitOk;
  PrintError(status.message, status.hint);
  switch (status.code) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kUsage:
      return kExitUsage;
    case StatusCode::kStudyErrors:
      return kExitStudyErrors;
    case StatusCode::kIoError:
      return kExitIo;
  }
  return kExitIo;
}

// Checks each of `names` ("all" aside) is a cell of the matrix; prints why not.
bool CheckCellNames(const Context& ctx, const std::vector<std::string>& names, int* exit_code) {
  for (const std::string& name : names) {
    if (name == "all") continue;
    CellIndex ignored;
    if (Status s = ParseCellName(ctx.matrix, name, &ignored); !s.ok()) {
      *exit_code = ReportStatus(s);
      return false;
    }
  }
  return true;
}

int RunEditor(const std::string& path) {
  const char* editor = std::getenv("VISUAL");
  if (!editor || !*editor) editor = std::getenv("EDITOR");
  std::string command = editor && *editor ? editor : "vi";
  // Through the shell, so EDITOR may carry arguments ("code --wait").
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    std::string script = command + " \"$1\"";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status)
                           : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// The buffer is no longer needed: removed, and the unsaved folder with it when it is empty.
void DropBuffer(const Context& ctx, const std::string& path) {
  ::unlink(path.c_str());
  const fs::path unsaved = fs::path(ctx.where.root) / kUnsavedFolder;
  if (fs::path(path).parent_path() == unsaved) {
    ::rmdir(unsaved.c_str());
    ::rmdir(unsaved.parent_path().c_str());
  }
}

// A buffer for the editor: in the study's .framework/unsaved (so typed text outlives any
// failure), or in TMPDIR when the study cannot take it.
std::string CreateBuffer(const Context& ctx, const std::string& id, const std::string& sub,
                         const std::string& contents) {
  std::string stamp = NowIso();
  stamp.erase(
      std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
      stamp.end());
  std::string error;
  std::string path =
      CreateUnsavedBuffer(ctx.where.root, ctx.matrix.theme, id, sub, stamp, contents, &error);
  if (!path.empty()) return path;
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/framework-chart-XXXXXX.md";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkstemps(name.data(), 3);
  if (fd < 0) {
    PrintError(error + "; and cannot create a temporary file: " + std::strerror(errno));
    return {};
  }
  path = name.data();
  bool written =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
  if (::close(fd) != 0) written = false;
  if (!written) {
    ::unlink(path.c_str());
    PrintError(error + "; and cannot write " + path);
    return {};
  }
  return path;
}

int EditCell(const Context& ctx, int row, int column) {
  const std::string& id = ctx.matrix.participants[static_cast<std::size_t>(row)];
  const std::string& sub = ctx.matrix.subthemes[static_cast<std::size_t>(column)];
  // The cell as the file holds it now: the edit starts from it, and the save checks that it is
  // still so. A file with errors is refused before anyone types.
  const ChartFileRef ref = FileRef(ctx);
  Chart current;
  if (ChartWriteResult read = ReadChartFile(ref, &current); !read.ok()) {
    int code = ReportWrite(ctx, read);
    std::fprintf(stderr, "framework: the editor was not opened\n");
    return code;
  }
  std::optional<ChartCell> base;
  if (int i = current.Find(id, sub); i >= 0) base = current.cells[static_cast<std::size_t>(i)];
  // A cell whose segments moved under unchanged text opens with its refs shifted to follow
  // the text, so the summary cites the lines the excerpts show and any save keeps them so.
  const CellNow now = CellNowOf(ctx.matrix, row, column);
  const std::optional<CellRebase> rebased = base ? FollowText(*base, now) : std::nullopt;
  const ChartCell* start = rebased ? &rebased->cell : nullptr;
  if (!start && base) start = &*base;
  const CellBufferFields fields = CellEditFields(start);
  const std::string original =
      CellEditBuffer(ctx.study, ctx.theme, ctx.matrix, row, column, fields);
  const std::string path = CreateBuffer(ctx, id, sub, original);
  if (path.empty()) return kExitIo;
  std::fprintf(stderr, "editing %s:%s of %s\n", id.c_str(), sub.c_str(), ctx.matrix.theme.c_str());
  const int editor_status = RunEditor(path);
  // Read back through the bounded reader: an editor (or a script as EDITOR) that leaves a FIFO,
  // a device or a vast file there gets an error, not a hang or a summary of 300 MB.
  ReadPolicy buffer_policy = InputPolicy();
  buffer_policy.max_file_size = original.size() + kMaxCellBufferGrowth;
  ReadResult read = ReadInputFile(path, buffer_policy);
  const std::string kept = path;
  if (!read.ok) {
    PrintError("cannot read the buffer " + path + " back: " + read.error + "; nothing was changed",
               read.error.rfind("file too large", 0) == 0
                   ? "a cell's summary is a few sentences; the buffer is kept in " + kept
                   : "the buffer is kept in " + kept);
    return kExitIo;
  }
  const std::string edited = std::move(read.contents);
  if (editor_status != 0) {
    const bool typed = edited != original;
    if (!typed) DropBuffer(ctx, path);
    PrintError(
        "the editor exited with status " + std::to_string(editor_status) + "; nothing was changed",
        typed ? "your buffer is kept in " + kept : "set VISUAL or EDITOR to your editor");
    return kExitIo;
  }
  if (edited == original) {
    DropBuffer(ctx, path);
    std::fprintf(stderr, "no change: %s:%s is as it was\n", id.c_str(), sub.c_str());
    if (rebased && !rebased->shifted.empty())
      std::fprintf(stderr,
                   "note: its refs point to lines that moved; 'framework chart %s --rebase %s:%s' "
                   "shifts them\n",
                   ctx.matrix.theme.c_str(), id.c_str(), sub.c_str());
    return kExitOk;
  }
  ParsedCellBuffer e = ParseCellBuffer(edited, fields);
  if (!e.error.empty()) {
    PrintError(e.error + "; nothing was changed", "your buffer is kept in " + kept);
    return kExitUsage;
  }
  if (Trim(e.fields.summary).empty()) {
    PrintError("the summary is empty; nothing was changed", "your buffer is kept in " + kept);
    return kExitOk;
  }
  const EditedCell edit =
      CellFromEdit(ctx.study, ctx.matrix, {row, column}, base, e.fields, NowIso());
  const ChartCell& out = edit.cell;
  for (const std::string& ref_text : edit.beyond_end)
    std::fprintf(
        stderr,
        "framework: warning: %s refers to %s, beyond the end of the transcript (%d lines)\n",
        (id + ":" + sub).c_str(), ref_text.c_str(), edit.line_count);
  const int result = edit.beyond_end.empty() ? kExitOk : kExitStudyErrors;
  const ChartWriteResult write = UpdateChartFile(ref, PutCellIfUnchanged(out, base));
  if (!write.ok()) return ReportWrite(ctx, write, kept);
  DropBuffer(ctx, path);
  std::fprintf(stderr, "saved %s:%s (%s) in %s%s\n", id.c_str(), sub.c_str(),
               std::string(ChartStatusName(out.status)).c_str(), ctx.where.path_prefix.c_str(),
               ctx.chart_path.c_str());
  return result;
}

int DraftCommand(const Context& ctx, const ChartOptions& options) {
  const std::vector<ChartCell> drafts = DraftCells(ctx.matrix, ctx.rows, options.all, NowIso());
  if (drafts.empty()) {
    if (!options.common.quiet) std::fprintf(stderr, "no uncharted cell with data to draft\n");
    return kExitOk;
  }
  const ChartWriteResult write = UpdateChartFile(FileRef(ctx), AddNewCells(drafts));
  if (!write.ok()) return ReportWrite(ctx, write);
  if (!options.common.quiet)
    std::fprintf(stderr, "drafted %s in %s%s\n", Plural(drafts.size(), "cell", "cells").c_str(),
                 ctx.where.path_prefix.c_str(), ctx.chart_path.c_str());
  return kExitOk;
}

int AcceptCommand(const Context& ctx, const ChartOptions& options, int* exit_code) {
  if (!CheckCellNames(ctx, options.accept, exit_code)) return *exit_code;
  AcceptPlan plan = PlanAccept(ctx.study, ctx.matrix, ctx.rows, options.accept);
  std::vector<CellNow>& targets = plan.targets;
  const std::vector<std::string>& skipped = plan.skipped;
  for (const std::string& s : skipped)
    std::fprintf(stderr, "framework: warning: skipped %s; its recorded source is kept\n",
                 s.c_str());
  if (targets.empty()) {
    if (!options.common.quiet && skipped.empty())
      std::fprintf(stderr, "nothing to accept: the cells are up to date\n");
    return skipped.empty() ? kExitOk : kExitStudyErrors;
  }
  // The summary now stands for this text: `source` and `at` recorded, and refs shifted by
  // segment order when the segments moved (said, since the text changed).
  std::vector<AcceptReport> reports;
  const ChartWriteResult write =
      UpdateChartFile(FileRef(ctx), AcceptChange(std::move(targets), &reports));
  if (!write.ok()) return ReportWrite(ctx, write);
  std::size_t accepted = 0;
  for (const AcceptReport& r : reports) accepted += r.found ? 1 : 0;
  if (!options.common.quiet) {
    std::fprintf(stderr, "accepted %s: their summaries now stand for the current coded text\n",
                 Plural(accepted, "cell", "cells").c_str());
    for (const AcceptReport& r : reports) {
      if (r.shifted)
        std::fprintf(stderr,
                     "note: shifted the refs of %s with its segments, in order (%s); check "
                     "them: its text changed\n",
                     r.cell.c_str(), DescribeShifts(r.rebase.shifted).c_str());
      else if (r.kept)
        std::fprintf(stderr,
                     "note: kept the refs of %s as they were: it had %zu segments when charted "
                     "and has %zu now; check them\n",
                     r.cell.c_str(), r.recorded, r.segments);
    }
  }
  return skipped.empty() ? kExitOk : kExitStudyErrors;
}

// "L12-14, L30".
std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// --rebase: shifts the refs of cells whose segments moved while their text stayed the same.
int RebaseCommand(const Context& ctx, const ChartOptions& options, int* exit_code) {
  if (!CheckCellNames(ctx, options.rebase, exit_code)) return *exit_code;
  const RebasePlan plan = PlanRebase(ctx.matrix, ctx.rows, options.rebase);
  // A named cell that --where leaves out is said, never skipped in silence.
  std::string filter;
  for (const std::string& clause : options.where) filter += " --where " + Quote(clause);
  for (const std::string& name : plan.excluded)
    std::fprintf(
        stderr,
        "framework: warning: %s is not rebased: its participant is not among the rows%s selects\n",
        name.c_str(), filter.c_str());
  if (!plan.excluded.empty() && plan.targets.empty()) {
    PrintError("nothing rebased: every cell named is left out by" + filter,
               "drop --where, or name cells of the participants it selects");
    return kExitUsage;
  }
  const std::vector<CellNow>& targets = plan.targets;
  const std::vector<bool>& named = plan.named;
  std::vector<CellRebaseReport> reports;
  const ChartWriteResult write = UpdateChartFile(FileRef(ctx), RebaseChange(targets, &reports));
  if (!write.ok()) return ReportWrite(ctx, write);
  std::size_t changed = 0, stale = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const CellRebaseReport& r = reports[i];
    const std::string& name = r.cell;
    std::string line;
    switch (r.outcome) {
      case RebaseOutcome::kShifted:
      case RebaseOutcome::kMoved:
        ++changed;
        line = name + ": " +
               (r.outcome == RebaseOutcome::kMoved ? std::string("segments moved, no ref to shift")
                                                   : DescribeShifts(r.rebase.shifted));
        for (const LineRef& stray : r.rebase.stray)
          line += "; " + stray.ToString() + " is on none of its segments, left as it was";
        break;
      case RebaseOutcome::kRecorded:
        ++changed;
        line = name +
               ": recorded where its segments are (at: " + Joined(LineRanges(targets[i].lines)) +
               "); it had no record to shift its refs from";
        break;
      case RebaseOutcome::kStale:
        ++stale;
        line = name +
               ": stale (its coded text changed since it was charted), not rebased; "
               "review it with --edit " +
               name + ", or --accept it";
        break;
      case RebaseOutcome::kUnmapped:
        line = name + ": not rebased: 'at' lists " + std::to_string(r.recorded) +
               " ranges, the cell has " + Plural(r.segments, "segment", "segments");
        break;
      case RebaseOutcome::kInPlace:
        if (named[i]) line = name + ": its refs already point at its text";
        break;
      case RebaseOutcome::kNoSource:
        if (named[i]) line = name + ": no record of its coded text; nothing to rebase";
        break;
      case RebaseOutcome::kNoEntry:
        if (named[i]) line = name + ": no chart entry; nothing to rebase";
        break;
    }
    if (!line.empty() && !options.common.quiet) std::fprintf(stderr, "%s\n", line.c_str());
  }
  if (!options.common.quiet) {
    std::string done = "rebased " + Plural(changed, "cell", "cells") + " in " +
                       ctx.where.path_prefix + ctx.chart_path;
    if (stale) done += "; " + Plural(stale, "stale cell", "stale cells") + " not rebased";
    std::fprintf(stderr, "%s\n", done.c_str());
  }
  return kExitOk;
}

// A chart file that cannot be read (not UTF-8, too deep, too large, a link out of the study)
// would show as a theme without summaries, as if they were lost: its errors are printed and
// nothing is shown. (A write refuses such a file in the store as well.)
bool ChartFilesRead(const Context& ctx, const ChartOptions& options, int* exit_code) {
  Diagnostics errors;
  for (const Diagnostic& d : ctx.study.diagnostics)
    if (d.severity == Severity::kError && d.file.starts_with("charts/")) errors.push_back(d);
  if (errors.empty()) return true;
  PrintDiagnostics(errors, ctx.where, UseColor(stderr, options.common.color));
  PrintError("the chart of " + ctx.matrix.theme + " is not shown: a chart file has errors, so " +
                 "its summaries would be missing",
             "fix the file (framework check lists every problem); the file is left as it is");
  *exit_code = ctx.study.io_error ? kExitIo : kExitStudyErrors;
  return false;
}

int RunChart(const ChartOptions& options) {
  int exit_code = kExitOk;
  if (SourceDateEpoch(&exit_code); exit_code != kExitOk) return exit_code;  // dates its writes
  auto ctx = Load(options, &exit_code);
  if (!ctx) return exit_code;
  const bool writes = !options.edit.empty() || options.next || options.draft ||
                      !options.accept.empty() || options.rebase_given;
  if (writes) {
    // Nothing is written to a theme with two chart files, or to a chart file with errors
    // (checked here too, before the store takes its lock, so a refused run leaves no trace).
    if (!OneChartFile(*ctx)) return kExitStudyErrors;
    Chart current;  // (an edit reads the file itself, for the cell it starts from)
    if (options.edit.empty() && !options.next)
      if (ChartWriteResult read = ReadChartFile(FileRef(*ctx), &current); !read.ok())
        return ReportWrite(*ctx, read);
  }
  if (!options.edit.empty() || options.next) {
    CellIndex cell;
    if (options.next) {
      const std::optional<CellIndex> next = NextCell(ctx->matrix, ctx->rows);
      if (!next) {
        std::fprintf(stderr, "every cell with data in %s is charted and up to date\n",
                     ctx->matrix.theme.c_str());
        return kExitOk;
      }
      cell = *next;
    } else if (Status s = ParseCellName(ctx->matrix, options.edit, &cell); !s.ok()) {
      return ReportStatus(s);
    }
    return EditCell(*ctx, cell.row, cell.column);
  }
  if (options.draft) return DraftCommand(*ctx, options);
  if (!options.accept.empty()) return AcceptCommand(*ctx, options, &exit_code);
  if (options.rebase_given) return RebaseCommand(*ctx, options, &exit_code);
  if (!ChartFilesRead(*ctx, options, &exit_code)) return exit_code;
  if (!options.common.quiet) NoteStudyErrors(ctx->study.diagnostics, "some cells may be missing");
  const int shown = OutputExitCode(ctx->study);
  if (options.format == "json") {
    // The matrix as JSON (chart_json.h), streamed to stdout.
    WriteChartJson(
        ctx->study, ctx->theme, ctx->matrix, ctx->rows,
        [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); },
        options.common.jobs);
    return FinishOutput(shown);
  }
  std::size_t width = TerminalWidth(options.width);
  bool color = UseColor(stdout, options.common.color);
  std::string text = RenderText(*ctx, width, color, options.common.jobs);
  // Measured with the colour codes (ESC [ ... m) left out: DisplayWidth would count them.
  auto widest_line = [&text] {
    std::size_t widest = 0;
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line;
      for (std::size_t i = start; i < end; ++i) {
        if (text[i] == '\x1b' && i + 1 < end && text[i + 1] == '[') {
          i += 2;
          while (i < end && !(text[i] >= 0x40 && text[i] <= 0x7E)) ++i;
          continue;
        }
        line += text[i];
      }
      widest = std::max(widest, DisplayWidth(line));
      start = end + 1;
    }
    return widest;
  };
  Emit(text, widest_line, options);
  return FinishOutput(shown);
}

}  // namespace

Runner SetupChart(CLI::App& app) {
  auto options = std::make_shared<ChartOptions>();
  AddCommonOptions(app, options->common);
  app.add_option("THEME", options->theme, "The theme whose matrix to show or chart")->required();
  app.add_option("-f,--format", options->format, "Output format: text or json")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
      ->type_name("FORMAT");
  app.add_option("-w,--width", options->width, "Table width (default: $COLUMNS, the terminal, 80)")
      ->check(CLI::Range(std::size_t{1}, kMaxWidth))
      ->type_name("N");
  app.add_option("--sort", options->sort,
                 "Order rows by these attributes, then id (e.g. role,sector)")
      ->type_name("ATTRS");
  app.add_option("--attributes", options->attributes, "Show these attributes as columns")
      ->type_name("ATTRS");
  app.add_option("--where", options->where,
                 "Only participants whose ATTR is (=) or is not (!=) VALUE; repeatable")
      ->type_name("ATTR=VALUE");
  app.add_option("--edit", options->edit, "Open $VISUAL/$EDITOR on a cell, e.g. P07:prequal")
      ->type_name("CELL");
  app.add_flag("--next", options->next, "Edit the next uncharted or stale cell in chart order");
  app.add_flag("--draft", options->draft,
               "Draft the next uncharted cell from its excerpts (status draft)");
  app.add_flag("--all", options->all, "With --draft: draft every uncharted cell shown");
  app.add_option("--accept", options->accept,
                 "Mark a stale cell's summary as standing for the current coded text "
                 "(CELL, or 'all')")
      ->type_name("CELL");
  CLI::Option* rebase =
      app.add_option("--rebase", options->rebase,
                     "Shift the refs of cells whose segments moved (text unchanged) so they "
                     "point at the same text (CELL, or 'all', the default)")
          ->expected(0, 1)
          ->type_name("CELL");
  app.add_option("--pager", options->pager, "Page wide output: auto, always or never")
      ->transform(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case));
  app.footer(
      "Shows the theme's matrix: a row per participant, a column per sub-theme. A charted cell\n"
      "shows its summary ([draft] and [stale] marked, comments after [comment]); an uncharted\n"
      "cell shows the data waiting for it. Wider than the terminal, it goes through a pager.\n\n"
      "Editing: --edit P07:prequal (or --next) opens your editor on the cell with its coded\n"
      "excerpts as comment lines; saving writes charts/THEME.yaml atomically. An unchanged or\n"
      "empty buffer, or a failing editor, changes nothing. Drafts never touch a cell that has\n"
      "an entry. Timestamps honour SOURCE_DATE_EPOCH.\n\n"
      "Refs: each saved cell records where its segments are ('at'). When they move but their\n"
      "text does not (a line inserted above), 'check' warns and --rebase shifts the cell's refs\n"
      "(and the L12-14 refs in its summary) to the same text; any save does it too. Stale\n"
      "cells are not rebased.\n\n"
      "Examples:\n"
      "  framework chart training\n"
      "  framework chart training --sort role,sector --attributes role --where sector=\"adult "
      "social care\"\n"
      "  framework chart training --edit P07:prequal\n"
      "  framework chart training --next\n"
      "  framework chart training --draft --all\n"
      "  framework chart training --rebase\n"
      "  framework chart training --format json | jq '.rows[].cells[] | select(.stale)'");
  return [options, rebase] {
    options->rebase_given = rebase->count() > 0;
    std::erase(options->rebase, std::string());  // "--rebase" alone: every cell shown
    return RunChart(*options);
  };
}

}  // namespace framework::cli
