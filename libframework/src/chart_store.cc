#include "framework/chart_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <tuple>

#include "framework/file_system.h"

namespace framework {

namespace fs = std::filesystem;

bool SameCell(const ChartCell& a, const ChartCell& b) {
  return SerializeChartCell(a) == SerializeChartCell(b);
}

namespace {

// ---- the cells' places in a chart file -------------------------------------------------------
//
// A line scan of the block layout: `cells:` at the top level, then list items `- key: value` at
// one indentation d, each item's keys at one indentation k > d. A line indented more than k
// belongs to the key above it (a block scalar's lines, a long value's continuation); a line at
// k is a key or a comment. Whatever the scan gets wrong, the check after the rewrite (the new
// text must load as exactly the intended cells) catches, so the scan may be simple.

struct Line {
  std::size_t begin = 0, end = 0;  // [begin, end), `end` after the '\n'
  std::size_t indent = 0;          // leading spaces
  bool blank = false;              // nothing but spaces (and a '\r')
  bool comment = false;            // the first non-space is '#'
  std::string_view text;           // without the line break
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    Line l;
    l.begin = pos;
    l.end = end;
    l.text = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
    if (!l.text.empty() && l.text.back() == '\r') l.text.remove_suffix(1);
    l.indent = l.text.find_first_not_of(' ');
    if (l.indent == std::string_view::npos) {
      l.indent = l.text.size();
      l.blank = true;
    } else {
      l.comment = l.text[l.indent] == '#';
    }
    lines.push_back(l);
    pos = end;
  }
  return lines;
}

// `name:` followed by a space or the end: the key's name, or nothing.
std::optional<std::string_view> KeyAt(std::string_view s) {
  std::size_t i = 0;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  };
  while (i < s.size() && word(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != ':') return std::nullopt;
  if (i + 1 < s.size() && s[i + 1] != ' ') return std::nullopt;
  return s.substr(0, i);
}

struct KeySpan {
  std::string name;
  std::size_t line_begin = 0;  // start of the key's first line
  std::size_t key_begin = 0;   // where the key's name starts
  std::size_t end = 0;         // after its last line (trailing comments and blanks left out)
};

struct Item {
  std::size_t begin = 0;   // start of the dash line
  std::size_t end = 0;     // after its last line (trailing comments and blanks left out)
  int first_key_line = 0;  // 1-based
  std::size_t key_indent = 0;
  std::vector<KeySpan> keys;
};

struct Layout {
  bool has_cells_key = false;
  std::size_t cells_line_begin = 0, cells_line_end = 0;
  bool empty_flow = false;      // `cells: []`
  std::size_t dash_indent = 2;  // of the items (2 when there are none)
  std::size_t list_end = 0;     // where a cell after the last goes, when there are no items
  std::vector<Item> items;
};

std::optional<Layout> Scan(std::string_view text) {
  const std::vector<Line> lines = SplitLines(text);
  Layout layout;
  std::size_t cells_index = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (l.blank || l.comment || l.indent != 0) continue;
    if (l.text.substr(0, 6) == "cells:" || l.text.substr(0, 7) == "\"cells\"" ||
        l.text.substr(0, 7) == "'cells'") {
      if (cells_index != lines.size() || l.text.substr(0, 6) != "cells:") return std::nullopt;
      cells_index = i;
    }
  }
  if (cells_index == lines.size()) {
    layout.list_end = text.size();
    return layout;
  }
  layout.has_cells_key = true;
  layout.cells_line_begin = lines[cells_index].begin;
  layout.cells_line_end = lines[cells_index].end;
  std::string_view rest = lines[cells_index].text.substr(6);
  std::size_t hash = rest.find(" #");
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest == "[]") {
    layout.empty_flow = true;
    layout.list_end = lines[cells_index].end;
    return layout;
  }
  if (!rest.empty()) return std::nullopt;  // a flow list, an anchor, a tag: not in place
  layout.list_end = lines[cells_index].end;

  // The items.
  bool dash_known = false;
  Item* item = nullptr;
  std::size_t last_content = cells_index;  // the last line that belongs to the current item
  auto close_key = [&](std::size_t through) {
    if (item && !item->keys.empty()) item->keys.back().end = lines[through].end;
  };
  auto close_item = [&] {
    if (!item) return;
    close_key(last_content);
    item->end = lines[last_content].end;
    layout.list_end = item->end;
  };
  std::size_t i = cells_index + 1;
  for (; i < lines.size(); ++i) {
    const Line& l = lines[i];
    if (l.blank) continue;
    if (l.comment) {
      // A comment at the keys' indentation or less stands between keys or cells; deeper, it
      // may be a block scalar's line: it then stays with the key above.
      if (item && l.indent > item->key_indent) last_content = i;
      continue;
    }
    if (!dash_known) {
      if (l.text[l.indent] != '-') break;  // `cells:` with nothing: the next top-level key
      layout.dash_indent = l.indent;
      dash_known = true;
    }
    const std::size_t d = layout.dash_indent;
    const bool dash =
        l.indent == d && l.text[d] == '-' && (l.text.size() == d + 1 || l.text[d + 1] == ' ');
    if (dash) {
      close_item();
      layout.items.emplace_back();
      item = &layout.items.back();
      item->begin = l.begin;
      last_content = i;
      std::size_t k = d + 1;
      while (k < l.text.size() && l.text[k] == ' ') ++k;
      if (k < l.text.size() && l.text[k] != '#') {
        auto key = KeyAt(l.text.substr(k));
        if (!key) return std::nullopt;
        item->key_indent = k;
        item->first_key_line = static_cast<int>(i) + 1;
        item->keys.push_back({std::string(*key), l.begin, l.begin + k, l.end});
      } else {
        item->key_indent = 0;  // the keys start on a line of their own
      }
      continue;
    }
    if (l.indent <= d) break;  // the end of the list
    if (!item) return std::nullopt;
    if (item->keys.empty()) {
      if (item->key_indent != 0) return std::nullopt;
      auto key = KeyAt(l.text.substr(l.indent));
      if (!key) return std::nullopt;
      item->key_indent = l.indent;
      item->first_key_line = static_cast<int>(i) + 1;
      item->keys.push_back({std::string(*key), l.begin, l.begin + l.indent, l.end});
      last_content = i;
      continue;
    }
    if (l.indent > item->key_indent) {  // the value of the key above goes on
      last_content = i;
      continue;
    }
    if (l.indent < item->key_indent) return std::nullopt;
    auto key = KeyAt(l.text.substr(l.indent));
    if (!key) return std::nullopt;
    close_key(last_content);
    item->keys.push_back({std::string(*key), l.begin, l.begin + l.indent, l.end});
    last_content = i;
  }
  close_item();
  for (const Item& it : layout.items)
    if (it.keys.empty()) return std::nullopt;
  return layout;
}

// ---- one cell's text, key by key ---------------------------------------------------------------

// SerializeChartCell's text cut into its keys: name -> the key's lines.
std::vector<std::pair<std::string, std::string>> Chunks(const ChartCell& cell) {
  const std::string text = SerializeChartCell(cell);
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string_view line(text.data() + pos, end - pos);
    const bool starts = line.size() > 4 && line[4] != ' ' &&
                        (line.substr(0, 4) == "  - " || line.substr(0, 4) == "    ");
    if (starts || out.empty()) {
      std::string_view after = line.substr(std::min<std::size_t>(4, line.size()));
      out.emplace_back(std::string(after.substr(0, after.find(':'))), std::string());
    }
    out.back().second += line;
    pos = end;
  }
  return out;
}

// A key's lines from SerializeChartCell (key at column 4, further lines at 6) set for keys at
// `indent`: the first line without its four leading characters (the caller keeps the file's
// own prefix), the others shifted.
std::string Reindent(std::string_view chunk, std::size_t indent, bool keep_prefix) {
  std::string out;
  std::size_t pos = 0;
  bool first = true;
  while (pos < chunk.size()) {
    std::size_t nl = chunk.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? chunk.size() : nl + 1;
    std::string_view line = chunk.substr(pos, end - pos);
    if (first) {
      if (!keep_prefix) out.append(indent, ' ');
      out += line.substr(4);
    } else if (line == "\n" || line.empty()) {
      out += line;
    } else if (indent >= 4) {
      out.append(indent - 4, ' ');
      out += line;
    } else {
      out += line.substr(4 - indent);
    }
    first = false;
    pos = end;
  }
  return out;
}

// A whole new cell for items whose dash is at `dash_indent`.
std::string CellText(const ChartCell& cell, std::size_t dash_indent) {
  std::string text = SerializeChartCell(cell);
  if (dash_indent == 2) return text;
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string_view line(text.data() + pos, end - pos);
    if (line == "\n") {
      out += line;
    } else if (dash_indent > 2) {
      out.append(dash_indent - 2, ' ');
      out += line;
    } else {
      out += line.substr(2 - dash_indent);
    }
    pos = end;
  }
  return out;
}

struct Edit {
  std::size_t begin, end;
  std::string text;
};

using CellKey = std::pair<std::string, std::string>;
CellKey KeyOf(const ChartCell& c) { return {c.participant, c.subtheme}; }

// The edits that turn item `item` (holding `old_cell`) into `new_cell`, key by key.
bool EditItem(const Item& item, const ChartCell& old_cell, const ChartCell& new_cell,
              std::vector<Edit>& edits) {
  const auto old_chunks = Chunks(old_cell), new_chunks = Chunks(new_cell);
  auto find_chunk = [](const auto& chunks, const std::string& name) -> const std::string* {
    for (const auto& [n, text] : chunks)
      if (n == name) return &text;
    return nullptr;
  };
  auto find_key = [&](const std::string& name) -> const KeySpan* {
    const KeySpan* found = nullptr;
    for (const KeySpan& k : item.keys)
      if (k.name == name) {
        if (found) return nullptr;
        found = &k;
      }
    return found;
  };
  const std::size_t k = item.key_indent;
  // Keys changed or gone.
  for (const KeySpan& span : item.keys) {
    const std::string* o = find_chunk(old_chunks, span.name);
    const std::string* n = find_chunk(new_chunks, span.name);
    if (!o && !n) continue;  // not one of ours, or empty in both: kept
    if (o && n && *o == *n) continue;
    if (!n) {
      if (&span == &item.keys.front()) return false;  // the dash line's key cannot go
      edits.push_back({span.line_begin, span.end, ""});
    } else {
      edits.push_back({span.key_begin, span.end, Reindent(*n, k, true)});
    }
  }
  // Keys new in the cell: after the nearest key before them in the written order.
  for (std::size_t c = 0; c < new_chunks.size(); ++c) {
    const std::string& name = new_chunks[c].first;
    if (find_key(name)) continue;
    for (const KeySpan& span : item.keys)
      if (span.name == name) return false;  // twice in the file: loading would have said so
    std::size_t at = item.end;
    for (std::size_t p = c; p-- > 0;)
      if (const KeySpan* before = find_key(new_chunks[p].first)) {
        at = before->end;
        break;
      }
    edits.push_back({at, at, Reindent(new_chunks[c].second, k, false)});
  }
  return true;
}

}  // namespace

std::optional<std::string> RewriteChartText(std::string_view text, const Chart& before,
                                            const std::vector<ChartCell>& after,
                                            const std::vector<std::string>& subtheme_order) {
  auto layout = Scan(text);
  if (!layout || layout->items.size() != before.cells.size()) return std::nullopt;
  std::map<CellKey, std::size_t> old_index;
  for (std::size_t i = 0; i < before.cells.size(); ++i) {
    if (layout->items[i].first_key_line != before.cells[i].line) return std::nullopt;
    if (!old_index.emplace(KeyOf(before.cells[i]), i).second) return std::nullopt;
  }
  std::vector<Edit> edits;
  std::map<CellKey, const ChartCell*> wanted;
  std::vector<const ChartCell*> added;
  for (const ChartCell& c : after) {
    if (!wanted.emplace(KeyOf(c), &c).second) return std::nullopt;  // a cell twice
    auto it = old_index.find(KeyOf(c));
    if (it == old_index.end()) {
      added.push_back(&c);
      continue;
    }
    const ChartCell& old_cell = before.cells[it->second];
    if (SameCell(old_cell, c)) continue;
    if (!EditItem(layout->items[it->second], old_cell, c, edits)) return std::nullopt;
  }
  for (std::size_t i = 0; i < before.cells.size(); ++i)
    if (!wanted.count(KeyOf(before.cells[i])))
      edits.push_back({layout->items[i].begin, layout->items[i].end, ""});

  // New cells: before the first cell (in file order) that sorts after them, right after the
  // cell before that one, so a comment above the next cell stays with it.
  std::stable_sort(added.begin(), added.end(), [&](const ChartCell* a, const ChartCell* b) {
    return ChartCellLess(*a, *b, subtheme_order);
  });
  std::map<std::size_t, std::string> inserts;  // offset -> text
  const std::size_t d = layout->dash_indent;
  for (const ChartCell* c : added) {
    std::size_t j = 0;
    while (j < before.cells.size() && !ChartCellLess(*c, before.cells[j], subtheme_order)) ++j;
    std::size_t at;
    if (j > 0)
      at = layout->items[j - 1].end;
    else if (!layout->items.empty())
      at = layout->items[0].begin;
    else
      at = layout->list_end;
    inserts[at] += CellText(*c, d);
  }
  std::string prefix_cells;  // `cells: []` becomes `cells:`; a file without cells gets them
  if (!added.empty() && layout->items.empty()) {
    if (layout->empty_flow) {
      edits.push_back({layout->cells_line_begin, layout->cells_line_end, "cells:\n"});
    } else if (!layout->has_cells_key) {
      prefix_cells = "cells:\n";
    }
  }
  for (auto& [at, insert] : inserts) {
    std::string t = std::move(insert);
    if (at == layout->list_end && !prefix_cells.empty()) t = prefix_cells + t;
    if (at == text.size() && !text.empty() && text.back() != '\n') t = "\n" + t;
    edits.push_back({at, at, std::move(t)});
  }
  // Apply, last first. Edits never overlap: each is inside one item, or between items.
  std::stable_sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  for (std::size_t i = 1; i < edits.size(); ++i)
    if (edits[i].begin < edits[i - 1].end) return std::nullopt;
  std::string out(text);
  for (std::size_t i = edits.size(); i-- > 0;)
    out.replace(edits[i].begin, edits[i].end - edits[i].begin, edits[i].text);
  return out;
}

namespace {

// An exclusive flock on a lock file, held while this lives.
class FileLock {
 public:
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  std::string Acquire(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return "cannot open the lock file " + path + ": " + std::strerror(errno);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      return "cannot lock " + path + ": " + std::strerror(errno);
    }
    return {};
  }

 private:
  int fd_ = -1;
};

struct Resolved {
  std::string target;  // the file to read and replace
  std::string lock;    // the lock file beside it
  std::string error;
};

Resolved Resolve(const ChartFileRef& file) {
  Resolved r;
  fs::path path = fs::path(file.root) / file.path;
  std::error_code ec;
  // Follow symlinks (a chain of them too), so the target is replaced and the link stays.
  for (int hops = 0; fs::is_symlink(fs::symlink_status(path, ec)); ++hops) {
    if (hops > 40) {
      r.error = file.path + " is a loop of symbolic links";
      return r;
    }
    fs::path link = fs::read_symlink(path, ec);
    if (ec) {
      r.error = "cannot read the link " + file.path + ": " + ec.message();
      return r;
    }
    path = link.is_absolute() ? link : path.parent_path() / link;
  }
  r.target = path.lexically_normal().string();
  fs::path target(r.target);
  r.lock = (target.parent_path() / ("." + target.filename().string() + ".lock")).string();
  return r;
}

ChartWriteResult Fail(ChartWriteStatus status, std::string message, const std::string& target) {
  ChartWriteResult r;
  r.status = status;
  r.message = std::move(message);
  r.target = target;
  return r;
}

// Reads and loads the chart at `target`; kUnchanged when it loads cleanly or does not exist.
ChartWriteResult Load(const ChartFileRef& file, const std::string& target, Chart* chart,
                      std::string* text, bool* exists, Diagnostics* diagnostics) {
  ChartWriteResult r;
  r.target = target;
  DiskFileSystem disk(".");
  ReadResult read = ReadTextFile(disk, target);  // UTF-16, NUL bytes: as every reader says
  *exists = !read.not_found;
  chart->path = file.path;
  chart->theme = file.theme;
  chart->cells.clear();
  if (read.not_found) return r;
  if (!read.ok && !read.encoding.empty()) {
    Diagnostic d;
    d.severity = Severity::kError;
    d.file = file.path;
    d.rule = "wrong-encoding";
    d.message = read.error;
    d.hint = read.hint;
    d.line = read.line;
    d.column = read.column;
    r.status = ChartWriteStatus::kChartErrors;
    r.diagnostics.push_back(std::move(d));
    return r;
  }
  if (!read.ok)
    return Fail(ChartWriteStatus::kIoError, "cannot read " + file.path + ": " + read.error, target);
  *text = std::move(read.contents);
  *chart = LoadChart(file.path, *text, *diagnostics);
  if (CountDiagnostics(*diagnostics).errors > 0) {
    r.status = ChartWriteStatus::kChartErrors;
    r.diagnostics = *diagnostics;
  }
  return r;
}

// True when `text` loads without errors as the theme `theme` and exactly the cells `cells`.
bool LoadsAs(const ChartFileRef& file, std::string_view text, const std::string& theme,
             const std::vector<ChartCell>& cells) {
  Diagnostics diagnostics;
  Chart loaded = LoadChart(file.path, text, diagnostics);
  if (CountDiagnostics(diagnostics).errors > 0 || loaded.theme != theme ||
      loaded.cells.size() != cells.size())
    return false;
  std::map<CellKey, const ChartCell*> by_key;
  for (const ChartCell& c : loaded.cells) by_key.emplace(KeyOf(c), &c);
  for (const ChartCell& c : cells) {
    auto it = by_key.find(KeyOf(c));
    if (it == by_key.end() || !SameCell(*it->second, c)) return false;
  }
  return true;
}

}  // namespace

ChartWriteResult ReadChartFile(const ChartFileRef& file, Chart* chart) {
  Resolved where = Resolve(file);
  if (!where.error.empty()) return Fail(ChartWriteStatus::kIoError, where.error, "");
  std::string text;
  bool exists = false;
  Diagnostics diagnostics;
  return Load(file, where.target, chart, &text, &exists, &diagnostics);
}

ChartWriteResult UpdateChartFile(const ChartFileRef& file, const ChartChange& change) {
  Resolved where = Resolve(file);
  if (!where.error.empty()) return Fail(ChartWriteStatus::kIoError, where.error, "");
  std::error_code ec;
  fs::create_directories(fs::path(where.target).parent_path(), ec);
  FileLock lock;
  if (std::string error = lock.Acquire(where.lock); !error.empty())
    return Fail(ChartWriteStatus::kIoError, error, where.target);

  Chart chart;
  std::string text;
  bool exists = false;
  Diagnostics diagnostics;
  ChartWriteResult loaded = Load(file, where.target, &chart, &text, &exists, &diagnostics);
  if (loaded.status != ChartWriteStatus::kUnchanged) return loaded;
  const Chart before = chart;
  if (std::string reason = change(chart); !reason.empty())
    return Fail(ChartWriteStatus::kRefused, reason, where.target);

  bool same = chart.cells.size() == before.cells.size();
  for (std::size_t i = 0; same && i < chart.cells.size(); ++i)
    same = SameCell(chart.cells[i], before.cells[i]);
  if (same && (exists || chart.cells.empty())) {  // nothing to write (no empty file made)
    ChartWriteResult r;
    r.target = where.target;
    return r;
  }

  std::optional<std::string> out;
  if (exists) {
    out = RewriteChartText(text, before, chart.cells, file.subtheme_order);
    if (out && !LoadsAs(file, *out, before.theme, chart.cells)) out.reset();
    if (!out) {
      // Rewritten whole only when that loses nothing: no comment, no unknown key.
      bool unknown = false;
      for (const Diagnostic& d : diagnostics) unknown = unknown || d.rule == "unknown-key";
      if (text.find('#') != std::string::npos || unknown)
        return Fail(ChartWriteStatus::kLayout,
                    file.path +
                        " is laid out in a way that cannot be changed in place without losing "
                        "its comments or unknown keys",
                    where.target);
      out = SerializeChart(chart, file.subtheme_order);
    }
  } else {
    out = SerializeChart(chart, file.subtheme_order);
  }
  if (!LoadsAs(file, *out, chart.theme, chart.cells))
    return Fail(ChartWriteStatus::kLayout,
                "the new text of " + file.path + " does not read back as the cells meant",
                where.target);
  if (std::string error = WriteFileAtomically(where.target, *out); !error.empty())
    return Fail(ChartWriteStatus::kIoError, error, where.target);
  ChartWriteResult r;
  r.status = ChartWriteStatus::kWritten;
  r.target = where.target;
  return r;
}

ChartChange PutCellIfUnchanged(ChartCell cell, std::optional<ChartCell> base) {
  return [cell = std::move(cell), base = std::move(base)](Chart& chart) -> std::string {
    const int i = chart.Find(cell.participant, cell.subtheme);
    const std::string name = cell.participant + ":" + cell.subtheme;
    if (i < 0 && base)
      return "cell " + name + " was removed from " + chart.path + " while you edited it";
    if (i >= 0 && !base) return "cell " + name + " was saved by someone else while you edited it";
    if (i >= 0 && !SameCell(chart.cells[static_cast<std::size_t>(i)], *base))
      return "cell " + name + " was changed in " + chart.path + " while you edited it";
    if (i >= 0)
      chart.cells[static_cast<std::size_t>(i)] = cell;
    else
      chart.cells.push_back(cell);
    return {};
  };
}

}  // namespace framework
