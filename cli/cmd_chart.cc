// framework chart: a theme's matrix in the terminal, and the editor loop that charts it.
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "framework/chart.h"
#include "framework/draft.h"
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
  std::string chart_path;              // relative to the study root
  std::vector<int> rows;               // matrix rows shown, in display order
  std::vector<int> attribute_columns;  // attribute indexes shown
};

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Current time as ISO 8601 UTC; SOURCE_DATE_EPOCH, when set, fixes it (reproducible tests).
std::string NowIso() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
    now = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

const Participant* FindParticipant(const Study& study, const std::string& id) {
  int i = study.participants.Find(id);
  return i < 0 ? nullptr : &study.participants.participants[static_cast<std::size_t>(i)];
}

std::optional<std::string> AttributeValue(const Study& study, const std::string& id,
                                          int attribute) {
  const Participant* p = FindParticipant(study, id);
  if (!p || attribute < 0 || static_cast<std::size_t>(attribute) >= p->values.size()) return {};
  return p->values[static_cast<std::size_t>(attribute)];
}

// Selects and orders the rows: --where filters, --sort keys, then participant id.
bool SelectRows(Context& ctx, const ChartOptions& options, int* exit_code) {
  const Study& study = ctx.study;
  struct Filter {
    int attribute;
    std::string value;
    bool negate;
  };
  std::vector<Filter> filters;
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
  for (std::size_t r = 0; r < ctx.matrix.participants.size(); ++r) {
    const std::string& id = ctx.matrix.participants[r];
    bool keep = true;
    for (const Filter& f : filters) {
      auto value = AttributeValue(study, id, f.attribute);
      bool match = value && *value == f.value;
      if (match == f.negate) keep = false;
    }
    if (keep) ctx.rows.push_back(static_cast<int>(r));
  }
  // Sort key of one attribute value: categories by declared order, numbers by value.
  auto key = [&](int attribute, const std::string& id) -> std::pair<double, std::string> {
    auto value = AttributeValue(study, id, attribute);
    if (!value) return {1e300, ""};  // missing values last
    const AttributeDef& def = study.participants.attributes[static_cast<std::size_t>(attribute)];
    if (def.type == AttributeType::kCategory) {
      auto it = std::find(def.values.begin(), def.values.end(), *value);
      return {static_cast<double>(it - def.values.begin()), *value};
    }
    if (def.type == AttributeType::kInteger || def.type == AttributeType::kNumber)
      return {std::strtod(value->c_str(), nullptr), *value};
    return {0, *value};
  };
  std::stable_sort(ctx.rows.begin(), ctx.rows.end(), [&](int a, int b) {
    const std::string& ia = ctx.matrix.participants[static_cast<std::size_t>(a)];
    const std::string& ib = ctx.matrix.participants[static_cast<std::size_t>(b)];
    for (int attribute : sort_keys) {
      auto ka = key(attribute, ia), kb = key(attribute, ib);
      if (ka != kb) return ka < kb;
    }
    return a < b;  // rows are already in natural id order
  });
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
  ctx.matrix = IndexTheme(ctx.study, ctx.theme);
  ctx.chart_path = "charts/" + options.theme + ".yaml";
  for (const Chart& chart : ctx.study.charts) {
    if (chart.theme != options.theme) continue;
    AttachChart(ctx.matrix, chart);
    if (chart.path != ctx.chart_path) ctx.chart_path = chart.path;
  }
  if (!SelectRows(ctx, options, exit_code)) return std::nullopt;
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

std::string RenderText(const Context& ctx, std::size_t width, bool color) {
  const Theme& theme = ctx.study.framework.themes[static_cast<std::size_t>(ctx.theme)];
  std::vector<TableCell> header{{"Participant", CellStyle::kHeader}};
  TableOptions table;
  table.width = width;
  table.color = color;
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

// Writes `text` to stdout, through a pager when it is wider than the terminal (as git does).
void Emit(const std::string& text, std::size_t text_width, const ChartOptions& options) {
  std::size_t terminal = StdoutTerminalWidth();
  bool page = options.pager == "always" ||
              (options.pager == "auto" && terminal > 0 && text_width > terminal);
  if (page) {
    const char* env = std::getenv("FRAMEWORK_PAGER");
    if (!env || !*env) env = std::getenv("PAGER");
    std::string pager = env && *env ? env : "less";
    if (!std::getenv("LESS")) ::setenv("LESS", "FRSX", 1);
    std::fflush(stdout);
    if (std::FILE* pipe = ::popen(pager.c_str(), "w")) {
      std::fwrite(text.data(), 1, text.size(), pipe);
      ::pclose(pipe);
      return;
    }
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
}

// ---- the matrix as JSON --------------------------------------------------------------------

std::string RenderJson(const Context& ctx) {
  const Theme& theme = ctx.study.framework.themes[static_cast<std::size_t>(ctx.theme)];
  nlohmann::ordered_json out;
  out["format"] = "framework-chart";
  out["version"] = 1;
  out["theme"] = {{"id", theme.id}, {"label", theme.label}, {"description", theme.description}};
  auto subs = nlohmann::ordered_json::array();
  for (const auto& s : theme.subthemes)
    subs.push_back({{"id", s.id}, {"label", s.label}, {"description", s.description}});
  out["subthemes"] = subs;
  auto rows = nlohmann::ordered_json::array();
  for (int r : ctx.rows) {
    const std::string& id = ctx.matrix.participants[static_cast<std::size_t>(r)];
    nlohmann::ordered_json attrs = nlohmann::ordered_json::object();
    for (std::size_t a = 0; a < ctx.study.participants.attributes.size(); ++a)
      if (auto v = AttributeValue(ctx.study, id, static_cast<int>(a)))
        attrs[ctx.study.participants.attributes[a].name] = *v;
    auto cells = nlohmann::ordered_json::array();
    const auto& row = ctx.matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < row.size(); ++c)
      cells.push_back(MatrixCellJson(row[c], ctx.matrix.subthemes[c]));
    rows.push_back({{"participant", id}, {"attributes", attrs}, {"cells", cells}});
  }
  out["rows"] = rows;
  auto orphans = nlohmann::ordered_json::array();
  for (const ChartCell& c : ctx.matrix.orphans) orphans.push_back(ChartCellJson(c));
  out["orphans"] = orphans;
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// ---- writing cells ---------------------------------------------------------------------------

// Applies `change` to the chart file as it is on disk now, and writes it atomically. A chart
// file that does not load cleanly is never rewritten: its summaries could be lost.
int UpdateChart(const Context& ctx, const std::function<void(Chart&)>& change) {
  fs::path path = fs::path(ctx.where.root) / ctx.chart_path;
  Chart chart;
  chart.theme = ctx.matrix.theme;
  chart.path = ctx.chart_path;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    DiskFileSystem disk(ctx.where.root);
    ReadResult file = disk.Read(ctx.chart_path);
    if (!file.ok) {
      PrintError("cannot read " + ctx.where.path_prefix + ctx.chart_path + ": " + file.error);
      return kExitIo;
    }
    Diagnostics diagnostics;
    chart = LoadChart(ctx.chart_path, file.contents, diagnostics);
    if (CountDiagnostics(diagnostics).errors > 0) {
      PrintDiagnostics(diagnostics, ctx.where, UseColor(stderr, "auto"));
      PrintError(ctx.where.path_prefix + ctx.chart_path + " has errors; nothing was written",
                 "fix the file first, so no summary in it is lost");
      return kExitStudyErrors;
    }
  } else {
    fs::create_directories(path.parent_path(), ec);
  }
  change(chart);
  std::string error =
      WriteFileAtomically(path.string(), SerializeChart(chart, ctx.matrix.subthemes));
  if (!error.empty()) {
    PrintError(error);
    return kExitIo;
  }
  return kExitOk;
}

void PutCell(Chart& chart, ChartCell cell) {
  int i = chart.Find(cell.participant, cell.subtheme);
  if (i >= 0)
    chart.cells[static_cast<std::size_t>(i)] = std::move(cell);
  else
    chart.cells.push_back(std::move(cell));
}

// "P07:prequal" -> (row, column) in the matrix, or an error.
bool ParseCellName(const Context& ctx, const std::string& name, int* row, int* column,
                   int* exit_code) {
  std::size_t colon = name.find(':');
  if (colon == std::string::npos) {
    PrintError("cell " + Quote(name) + " is not PARTICIPANT:SUBTHEME", "e.g. P07:prequal");
    *exit_code = kExitUsage;
    return false;
  }
  std::string participant = ToNfc(name.substr(0, colon));
  std::string subtheme = ToNfc(name.substr(colon + 1));
  *row = ctx.matrix.Row(participant);
  *column = ctx.matrix.Column(subtheme);
  if (*row < 0) {
    auto guess = Suggest(participant, ctx.matrix.participants);
    PrintError("no participant " + Quote(participant),
               guess ? "did you mean '" + *guess + "'?" : "");
    *exit_code = kExitUsage;
    return false;
  }
  if (*column < 0) {
    auto guess = Suggest(subtheme, ctx.matrix.subthemes);
    PrintError("theme " + Quote(ctx.matrix.theme) + " has no sub-theme " + Quote(subtheme),
               guess ? "did you mean '" + *guess + "'?" : "");
    *exit_code = kExitUsage;
    return false;
  }
  return true;
}

// The next cell to chart, in chart order: uncharted with data, or stale.
bool NextCell(const Context& ctx, int* row, int* column) {
  for (int r : ctx.rows) {
    const auto& cells = ctx.matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const MatrixCell& cell = cells[c];
      if ((!cell.chart && cell.has_data()) || cell.stale()) {
        *row = r;
        *column = static_cast<int>(c);
        return true;
      }
    }
  }
  return false;
}

// ---- refs that follow their text (issue 13) -------------------------------------------------

// "L12-14, L30".
std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The cell's chart entry with its refs shifted to where its segments are now, when it can be:
// the entry records where they were (`at`), its coded text is unchanged, and they moved.
std::optional<CellRebase> Rebased(const MatrixCell& cell) {
  if (!cell.chart || cell.stale() || cell.chart->source.empty() || cell.chart->at.empty())
    return std::nullopt;
  const std::vector<LineRef> now = SegmentLines(cell.segments);
  if (cell.chart->at == LineRanges(now)) return std::nullopt;
  CellRebase rebase = RebaseCell(*cell.chart, now);
  if (!rebase.mapped) return std::nullopt;
  return rebase;
}

std::vector<std::string> Commented(const std::string& text, std::size_t width) {
  std::vector<std::string> out;
  for (const std::string& line : WrapText(text, width)) out.push_back(line);
  return out;
}

const char* kSummaryHeader = "## SUMMARY";
const char* kCommentHeader = "## COMMENT";
const char* kStatusHeader = "## STATUS:";

std::string EditBuffer(const Context& ctx, int row, int column) {
  const Theme& theme = ctx.study.framework.themes[static_cast<std::size_t>(ctx.theme)];
  const Subtheme& sub = SubthemeAt(ctx, static_cast<std::size_t>(column));
  const std::string& id = ctx.matrix.participants[static_cast<std::size_t>(row)];
  const MatrixCell& cell =
      ctx.matrix.cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
  std::string b;
  b += "# framework chart " + theme.id + " --edit " + id + ":" + sub.id + "\n";
  b += "# Theme: " + theme.label + " (" + theme.id + ")\n";
  b += "# Sub-theme: " + sub.label + " (" + sub.id + ")\n";
  for (const std::string& line : Commented(sub.description, 76)) b += "#   " + line + "\n";
  std::string attrs;
  for (std::size_t a = 0; a < ctx.study.participants.attributes.size(); ++a)
    if (auto v = AttributeValue(ctx.study, id, static_cast<int>(a)))
      attrs += (attrs.empty() ? "" : ", ") + ctx.study.participants.attributes[a].name + ": " + *v;
  b += "# Participant: " + id + (attrs.empty() ? "" : " (" + attrs + ")") + "\n";
  int transcript = ctx.study.FindTranscript(id);
  if (transcript >= 0)
    b += "# Transcript: " + ctx.study.transcripts[static_cast<std::size_t>(transcript)].path + "\n";
  if (cell.stale())
    b += "# STALE: the coded text changed since this cell was charted; check the summary.\n";
  b += "#\n# Coded excerpts (" + Plural(cell.segments.size(), "segment", "segments") + ", " +
       Plural(cell.words, "word", "words") + "):\n";
  for (const CellSegment& s : cell.segments) {
    LineRef ref{s.line_start, s.line_end};
    std::string head = "# " + ref.ToString() + " [" + s.code + "]" +
                       (s.speaker.empty() ? "" : " " + s.speaker) + ":";
    b += head + "\n";
    for (const std::string& line : Commented(s.text, 74)) b += "#     " + line + "\n";
  }
  if (cell.segments.empty()) b += "#   (none)\n";
  b += "#\n# Write the summary in the participant's terms, with line refs such as (L12-14);\n"
       "# put verbatim phrases in double quotes. Lines starting with '#' are ignored.\n"
       "# Saving the buffer unchanged, or with an empty summary, changes nothing.\n";
  ChartStatus status = ChartStatus::kCharted;
  std::string summary, comment;
  if (cell.chart) {
    // Refs shifted with their text, so the summary cites the lines the excerpts above show.
    auto rebased = Rebased(cell);
    summary = rebased ? rebased->cell.summary : cell.chart->summary;
    comment = cell.chart->comment;
    if (cell.chart->status == ChartStatus::kReviewed) status = ChartStatus::kReviewed;
  }
  b += std::string(kSummaryHeader) + "\n" + summary + "\n";
  b += std::string(kCommentHeader) + " (your own remark, kept apart from the summary)\n" + comment +
       "\n";
  b += std::string(kStatusHeader) + " " + std::string(ChartStatusName(status)) +
       "   (draft | charted | reviewed)\n";
  return b;
}

struct Edited {
  std::string summary, comment;
  ChartStatus status = ChartStatus::kCharted;
  std::string error;
};

// Reads the sections back: paragraphs keep their breaks, lines within one are joined.
Edited ParseBuffer(const std::string& buffer) {
  Edited e;
  enum { kNone, kSummary, kComment } section = kNone;
  std::string* target = nullptr;
  std::string paragraph;
  auto flush = [&] {
    if (target && !paragraph.empty()) {
      if (!target->empty()) *target += "\n";
      *target += paragraph;
    }
    paragraph.clear();
  };
  std::istringstream in(buffer);
  std::string line;
  bool status_seen = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(kSummaryHeader, 0) == 0 || line.rfind(kCommentHeader, 0) == 0) {
      flush();
      section = line.rfind(kSummaryHeader, 0) == 0 ? kSummary : kComment;
      target = section == kSummary ? &e.summary : &e.comment;
      continue;
    }
    if (line.rfind(kStatusHeader, 0) == 0) {
      flush();
      target = nullptr;
      std::string word(Trim(line.substr(std::strlen(kStatusHeader))));
      word = word.substr(0, word.find_first_of(" \t("));
      if (word == "draft")
        e.status = ChartStatus::kDraft;
      else if (word == "charted" || word.empty())
        e.status = ChartStatus::kCharted;
      else if (word == "reviewed")
        e.status = ChartStatus::kReviewed;
      else
        e.error = "unknown status '" + word + "' (draft, charted or reviewed)";
      status_seen = true;
      continue;
    }
    if (!line.empty() && line[0] == '#') continue;
    std::string_view text = Trim(line);
    if (text.empty()) {
      flush();
      continue;
    }
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += text;
  }
  flush();
  if (!status_seen && e.error.empty()) e.status = ChartStatus::kCharted;
  return e;
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

int EditCell(const Context& ctx, int row, int column) {
  const std::string& id = ctx.matrix.participants[static_cast<std::size_t>(row)];
  const std::string& sub = ctx.matrix.subthemes[static_cast<std::size_t>(column)];
  const MatrixCell& cell =
      ctx.matrix.cells[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
  const std::string original = EditBuffer(ctx, row, column);
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/framework-chart-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) {
    PrintError("cannot create a temporary file: " + std::string(std::strerror(errno)));
    return kExitIo;
  }
  const std::string path(name.data());
  bool written =
      ::write(fd, original.data(), original.size()) == static_cast<ssize_t>(original.size());
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    PrintError("cannot write " + path);
    return kExitIo;
  }
  std::fprintf(stderr, "editing %s:%s of %s\n", id.c_str(), sub.c_str(), ctx.matrix.theme.c_str());
  int editor_status = RunEditor(path);
  std::string edited;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    edited = ss.str();
  }
  if (editor_status != 0) {
    ::unlink(path.c_str());
    PrintError(
        "the editor exited with status " + std::to_string(editor_status) + "; nothing was changed",
        "set VISUAL or EDITOR to your editor");
    return kExitIo;
  }
  if (edited == original) {
    ::unlink(path.c_str());
    std::fprintf(stderr, "no change: %s:%s is as it was\n", id.c_str(), sub.c_str());
    if (Rebased(cell))
      std::fprintf(stderr,
                   "note: its refs point to lines that moved; 'framework chart %s --rebase %s:%s' "
                   "shifts them\n",
                   ctx.matrix.theme.c_str(), id.c_str(), sub.c_str());
    return kExitOk;
  }
  Edited e = ParseBuffer(edited);
  if (!e.error.empty() || Trim(e.summary).empty()) {
    // Keep what was typed: the buffer stays where it is.
    PrintError(e.error.empty() ? std::string("the summary is empty; nothing was changed")
                               : e.error + "; nothing was changed",
               "your buffer is kept in " + path);
    return e.error.empty() ? kExitOk : kExitUsage;
  }
  ::unlink(path.c_str());
  // Line refs typed in the summary are checked against the transcript.
  int transcript = ctx.study.FindTranscript(id);
  int line_count =
      transcript >= 0 ? ctx.study.transcripts[static_cast<std::size_t>(transcript)].line_count : 0;
  ChartCell out;
  if (cell.chart) out = *cell.chart;
  out.participant = id;
  out.subtheme = sub;
  out.summary = e.summary;
  out.comment = e.comment;
  out.status = e.status;
  out.source = cell.source;
  out.at = LineRanges(SegmentLines(cell.segments));
  out.updated = NowIso();
  out.refs.clear();
  int result = kExitOk;
  for (const LineRefInText& found : FindLineRefs(e.summary)) {
    std::string ref = found.ref.ToString();
    if (found.ref.last > line_count) {
      std::fprintf(
          stderr,
          "framework: warning: %s refers to %s, beyond the end of the transcript (%d lines)\n",
          (id + ":" + sub).c_str(), ref.c_str(), line_count);
      result = kExitStudyErrors;
    }
    if (std::find(out.refs.begin(), out.refs.end(), ref) == out.refs.end()) out.refs.push_back(ref);
  }
  int write = UpdateChart(ctx, [&](Chart& chart) { PutCell(chart, out); });
  if (write != kExitOk) return write;
  std::fprintf(stderr, "saved %s:%s (%s) in %s%s\n", id.c_str(), sub.c_str(),
               std::string(ChartStatusName(out.status)).c_str(), ctx.where.path_prefix.c_str(),
               ctx.chart_path.c_str());
  return result;
}

int DraftCells(const Context& ctx, const ChartOptions& options) {
  std::vector<ChartCell> drafts;
  for (int r : ctx.rows) {
    const auto& cells = ctx.matrix.cells[static_cast<std::size_t>(r)];
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const MatrixCell& cell = cells[c];
      if (cell.chart || !cell.has_data()) continue;  // never touches an existing entry
      Draft d = DraftSummary(cell);
      if (d.summary.empty()) continue;
      ChartCell out;
      out.participant = ctx.matrix.participants[static_cast<std::size_t>(r)];
      out.subtheme = ctx.matrix.subthemes[c];
      out.status = ChartStatus::kDraft;
      out.summary = d.summary;
      out.refs = d.refs;
      out.source = cell.source;
      out.at = LineRanges(SegmentLines(cell.segments));
      out.updated = NowIso();
      drafts.push_back(std::move(out));
      if (!options.all) break;
    }
    if (!options.all && !drafts.empty()) break;
  }
  if (drafts.empty()) {
    if (!options.common.quiet) std::fprintf(stderr, "no uncharted cell with data to draft\n");
    return kExitOk;
  }
  int write = UpdateChart(ctx, [&](Chart& chart) {
    for (const ChartCell& d : drafts)
      if (chart.Find(d.participant, d.subtheme) < 0) chart.cells.push_back(d);
  });
  if (write != kExitOk) return write;
  if (!options.common.quiet)
    std::fprintf(stderr, "drafted %s in %s%s\n", Plural(drafts.size(), "cell", "cells").c_str(),
                 ctx.where.path_prefix.c_str(), ctx.chart_path.c_str());
  return kExitOk;
}

// Two chart entries alike in everything a write could change.
bool SameEntry(const ChartCell& a, const ChartCell& b) {
  return a.status == b.status && a.summary == b.summary && a.comment == b.comment &&
         a.refs == b.refs && a.source == b.source && a.at == b.at && a.updated == b.updated;
}

// Writes each (as loaded, updated) cell pair: the updated cell replaces the one on disk if that
// one is still as loaded; otherwise (changed on disk meanwhile) it is left and named in
// `conflicts`. Goes through UpdateChart until the chart store (issue 12) takes these writes.
int WriteCells(const Context& ctx, const std::vector<std::pair<ChartCell, ChartCell>>& changes,
               std::vector<std::string>* conflicts) {
  return UpdateChart(ctx, [&](Chart& chart) {
    for (const auto& [loaded, updated] : changes) {
      int k = chart.Find(loaded.participant, loaded.subtheme);
      if (k >= 0 && SameEntry(chart.cells[static_cast<std::size_t>(k)], loaded))
        chart.cells[static_cast<std::size_t>(k)] = updated;
      else
        conflicts->push_back(loaded.participant + ":" + loaded.subtheme);
    }
  });
}

void ReportConflicts(const std::vector<std::string>& conflicts) {
  for (const std::string& name : conflicts)
    PrintError(name + " changed in the chart file while this ran; it was left as it is now",
               "run the command again");
}

int AcceptCells(const Context& ctx, const ChartOptions& options, int* exit_code) {
  std::vector<std::pair<ChartCell, ChartCell>> changes;  // (as loaded, accepted)
  std::vector<std::string> notes;
  bool everything =
      std::find(options.accept.begin(), options.accept.end(), "all") != options.accept.end();
  for (int r : ctx.rows) {
    for (std::size_t c = 0; c < ctx.matrix.subthemes.size(); ++c) {
      const MatrixCell& cell = ctx.matrix.cells[static_cast<std::size_t>(r)][c];
      std::string name =
          ctx.matrix.participants[static_cast<std::size_t>(r)] + ":" + ctx.matrix.subthemes[c];
      bool named =
          std::find(options.accept.begin(), options.accept.end(), name) != options.accept.end();
      if (!cell.chart || !(everything || named)) continue;
      if (cell.chart->source == cell.source) continue;
      // The summary now stands for this text, so its refs follow the segments (in order) and
      // the segments' lines are recorded with the hash.
      ChartCell accepted = *cell.chart;
      accepted.source = cell.source;
      const std::vector<LineRef> now = SegmentLines(cell.segments);
      if (!accepted.at.empty() && accepted.at != LineRanges(now)) {
        CellRebase rebase = RebaseCell(accepted, now);
        if (rebase.mapped && !rebase.shifted.empty()) {
          accepted = rebase.cell;
          notes.push_back("shifted the refs of " + name + " with its segments, in order (" +
                          DescribeShifts(rebase.shifted) + "); check them: its text changed");
        } else if (!rebase.mapped) {
          notes.push_back("kept the refs of " + name + " as they were: it had " +
                          std::to_string(accepted.at.size()) + " segments when charted and has " +
                          std::to_string(now.size()) + " now; check them");
        }
      }
      accepted.at = LineRanges(now);
      changes.emplace_back(*cell.chart, std::move(accepted));
    }
  }
  for (const std::string& name : options.accept) {
    if (name == "all") continue;
    int row = 0, column = 0;
    if (!ParseCellName(ctx, name, &row, &column, exit_code)) return *exit_code;
  }
  if (changes.empty()) {
    if (!options.common.quiet)
      std::fprintf(stderr, "nothing to accept: the cells are up to date\n");
    return kExitOk;
  }
  std::vector<std::string> conflicts;
  int write = WriteCells(ctx, changes, &conflicts);
  ReportConflicts(conflicts);
  if (write == kExitOk && !options.common.quiet) {
    std::fprintf(stderr, "accepted %s: their summaries now stand for the current coded text\n",
                 Plural(changes.size() - conflicts.size(), "cell", "cells").c_str());
    for (const std::string& note : notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  }
  return write != kExitOk ? write : conflicts.empty() ? kExitOk : kExitStudyErrors;
}

// --rebase: shifts the refs of cells whose segments moved while their text stayed the same.
int RebaseCells(const Context& ctx, const ChartOptions& options, int* exit_code) {
  const bool everything = options.rebase.empty() || std::find(options.rebase.begin(),
                                                              options.rebase.end(),
                                                              "all") != options.rebase.end();
  for (const std::string& name : options.rebase) {
    if (name == "all") continue;
    int row = 0, column = 0;
    if (!ParseCellName(ctx, name, &row, &column, exit_code)) return *exit_code;
  }
  std::vector<std::pair<ChartCell, ChartCell>> changes;  // (as loaded, rebased)
  std::vector<std::string> report;
  std::size_t stale = 0;
  for (int r : ctx.rows) {
    for (std::size_t c = 0; c < ctx.matrix.subthemes.size(); ++c) {
      const MatrixCell& cell = ctx.matrix.cells[static_cast<std::size_t>(r)][c];
      const std::string name =
          ctx.matrix.participants[static_cast<std::size_t>(r)] + ":" + ctx.matrix.subthemes[c];
      const bool named =
          std::find(options.rebase.begin(), options.rebase.end(), name) != options.rebase.end();
      if (!(everything || named)) continue;
      if (!cell.chart) {
        if (named) report.push_back(name + ": no chart entry; nothing to rebase");
        continue;
      }
      const std::vector<LineRef> now = SegmentLines(cell.segments);
      const std::vector<std::string> lines = LineRanges(now);
      if (cell.stale()) {
        ++stale;
        report.push_back(name +
                         ": stale (its coded text changed since it was charted), not rebased; "
                         "review it with --edit " +
                         name + ", or --accept it");
      } else if (cell.chart->source.empty() || now.empty()) {
        if (named) report.push_back(name + ": no record of its coded text; nothing to rebase");
      } else if (cell.chart->at.empty()) {
        // A cell charted before `at` existed: its refs are taken to cite the text as it is.
        ChartCell recorded = *cell.chart;
        recorded.at = lines;
        changes.emplace_back(*cell.chart, std::move(recorded));
        report.push_back(name + ": recorded where its segments are (at: " + Joined(lines) +
                         "); it had no record to shift its refs from");
      } else if (cell.chart->at == lines) {
        if (named) report.push_back(name + ": its refs already point at its text");
      } else {
        CellRebase rebase = RebaseCell(*cell.chart, now);
        if (!rebase.mapped) {
          report.push_back(name + ": not rebased: 'at' lists " +
                           std::to_string(cell.chart->at.size()) + " ranges, the cell has " +
                           Plural(now.size(), "segment", "segments"));
          continue;
        }
        std::string line = name + ": " +
                           (rebase.shifted.empty() ? std::string("segments moved, no ref to shift")
                                                   : DescribeShifts(rebase.shifted));
        for (const LineRef& stray : rebase.stray)
          line += "; " + stray.ToString() + " is on none of its segments, left as it was";
        report.push_back(std::move(line));
        changes.emplace_back(*cell.chart, std::move(rebase.cell));
      }
    }
  }
  std::vector<std::string> conflicts;
  if (!changes.empty()) {
    int write = WriteCells(ctx, changes, &conflicts);
    if (write != kExitOk) return write;
  }
  ReportConflicts(conflicts);
  if (!options.common.quiet) {
    for (const std::string& line : report) std::fprintf(stderr, "%s\n", line.c_str());
    std::string done = "rebased " + Plural(changes.size() - conflicts.size(), "cell", "cells") +
                       " in " + ctx.where.path_prefix + ctx.chart_path;
    if (stale) done += "; " + Plural(stale, "stale cell", "stale cells") + " not rebased";
    std::fprintf(stderr, "%s\n", done.c_str());
  }
  return kExitOk;
}

int RunChart(const ChartOptions& options) {
  int exit_code = kExitOk;
  auto ctx = Load(options, &exit_code);
  if (!ctx) return exit_code;
  if (!options.edit.empty() || options.next) {
    int row = 0, column = 0;
    if (options.next) {
      if (!NextCell(*ctx, &row, &column)) {
        std::fprintf(stderr, "every cell with data in %s is charted and up to date\n",
                     ctx->matrix.theme.c_str());
        return kExitOk;
      }
    } else if (!ParseCellName(*ctx, options.edit, &row, &column, &exit_code)) {
      return exit_code;
    }
    return EditCell(*ctx, row, column);
  }
  if (options.draft) return DraftCells(*ctx, options);
  if (!options.accept.empty()) return AcceptCells(*ctx, options, &exit_code);
  if (options.rebase_given) return RebaseCells(*ctx, options, &exit_code);
  if (options.format == "json") {
    std::string text = RenderJson(*ctx);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return FinishOutput(kExitOk);
  }
  std::size_t width = TerminalWidth(options.width);
  bool color = UseColor(stdout, options.common.color);
  std::string text = RenderText(*ctx, width, color);
  // Measured with the colour codes (ESC [ ... m) left out: DisplayWidth would count them.
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
  Emit(text, widest, options);
  return FinishOutput(kExitOk);
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
  CLI::Option* rebase = app.add_option("--rebase", options->rebase,
                 "Shift the refs of cells whose segments moved (text unchanged) so they point at "
                 "the same text (CELL, or 'all', the default)")
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
    return RunChart(*options);
  };
}

}  // namespace framework::cli
