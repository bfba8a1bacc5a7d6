#include "framework/chart.h"

#include "framework/hash.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>

#include "framework/source_text.h"
#include "framework/text.h"
#include "test_hooks.h"
#include "yaml_support.h"

namespace framework {

std::optional<ChartStatus> ParseChartStatus(std::string_view name) {
  for (ChartStatus status : {ChartStatus::kDraft, ChartStatus::kCharted, ChartStatus::kReviewed})
    if (name == ChartStatusName(status)) return status;
  return std::nullopt;
}

std::string_view ChartStatusName(ChartStatus status) {
  switch (status) {
    case ChartStatus::kDraft:
      return "draft";
    case ChartStatus::kCharted:
      return "charted";
    case ChartStatus::kReviewed:
      return "reviewed";
  }
  return "charted";
}

std::string LineRef::ToString() const {
  return first == last ? "L" + std::to_string(first)
                       : "L" + std::to_string(first) + "-" + std::to_string(last);
}

namespace {
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a positive number at `i` (at most 9 digits), advancing `i`.
std::optional<int> ReadNumber(std::string_view s, std::size_t& i) {
  std::size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == start || i - start > 9) return std::nullopt;
  int n = 0;  // at most 9 digits: no overflow
  for (std::size_t k = start; k < i; ++k) n = n * 10 + (s[k] - '0');
  if (n < 1) return std::nullopt;
  return n;
}
}  // namespace

std::optional<LineRef> ParseLineRef(std::string_view text) {
  if (text.size() < 2 || text[0] != 'L') return std::nullopt;
  std::size_t i = 1;
  auto first = ReadNumber(text, i);
  if (!first) return std::nullopt;
  LineRef ref{*first, *first};
  if (i < text.size()) {
    if (text[i] != '-') return std::nullopt;
    ++i;
    auto last = ReadNumber(text, i);
    if (!last || i != text.size() || *last < *first) return std::nullopt;
    ref.last = *last;
  }
  return ref;
}

std::vector<LineRefInText> FindLineRefs(std::string_view text) {
  std::vector<LineRefInText> out;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != 'L' || !IsDigit(text[i + 1])) continue;
    if (i > 0 && word_char(text[i - 1])) continue;
    std::size_t j = i + 1;
    while (j < text.size() && IsDigit(text[j])) ++j;
    if (j + 1 < text.size() && (text[j] == '-' || text[j] == '\xE2')) {
      // "L12-14"; an en dash "L12–14" (E2 80 93) is read the same.
      std::size_t k = text[j] == '-' ? j + 1 : (text.substr(j, 3) == "\xE2\x80\x93" ? j + 3 : j);
      if (k != j && k < text.size() && IsDigit(text[k])) {
        std::size_t m = k;
        while (m < text.size() && IsDigit(text[m])) ++m;
        j = m;
      }
    }
    if (j < text.size() && word_char(text[j])) continue;
    std::string token(text.substr(i, j - i));
    std::size_t dash = token.find("\xE2\x80\x93");
    if (dash != std::string::npos) token.replace(dash, 3, "-");
    if (auto ref = ParseLineRef(token)) out.push_back({*ref, i, j - i});
    i = j - 1;
  }
  return out;
}

std::vector<std::string> LineRanges(const std::vector<LineRef>& ranges) {
  std::vector<std::string> out;
  out.reserve(ranges.size());
  for (const LineRef& r : ranges) out.push_back(r.ToString());
  return out;
}

namespace {

bool Overlaps(const LineRef& a, const LineRef& b) { return a.first <= b.last && b.first <= a.last; }
bool Contains(const LineRef& range, int line) { return range.first <= line && line <= range.last; }
bool SameRef(const LineRef& a, const LineRef& b) { return a.first == b.first && a.last == b.last; }

// Line `line` of the recorded range `was`, in the range `is` it has become: the first and last
// lines stay first and last, the lines between keep their offset from the first (held inside).
int MapInRange(int line, const LineRef& was, const LineRef& is) {
  if (line == was.last) return is.last;
  return std::min(is.first + (line - was.first), is.last);
}

// Where `ref` points once the ranges `was` have become `now` (same size); nothing for a stray.
std::optional<LineRef> MapRef(const LineRef& ref, const std::vector<LineRef>& was,
                              const std::vector<LineRef>& now) {
  const std::size_t n = was.size();
  // A ref inside one range moves with that range, both ends together.
  for (std::size_t k = 0; k < n; ++k)
    if (Contains(was[k], ref.first) && Contains(was[k], ref.last))
      return LineRef{MapInRange(ref.first, was[k], now[k]), MapInRange(ref.last, was[k], now[k])};
  std::size_t first_overlap = n, last_overlap = n;
  for (std::size_t k = 0; k < n; ++k)
    if (Overlaps(was[k], ref)) {
      if (first_overlap == n) first_overlap = k;
      last_overlap = k;
    }
  if (first_overlap == n) return std::nullopt;
  LineRef out = ref;
  // The first end: in the first range that holds it, else shifted as the first range overlapped.
  std::size_t k = 0;
  while (k < n && !Contains(was[k], ref.first)) ++k;
  out.first = k < n ? MapInRange(ref.first, was[k], now[k])
                    : ref.first + (now[first_overlap].first - was[first_overlap].first);
  // The last end: in the last range that holds it, else as the last range overlapped.
  k = n;
  while (k > 0 && !Contains(was[k - 1], ref.last)) --k;
  out.last = k > 0 ? MapInRange(ref.last, was[k - 1], now[k - 1])
                   : ref.last + (now[last_overlap].last - was[last_overlap].last);
  out.first = std::max(out.first, 1);
  out.last = std::max(out.last, out.first);
  return out;
}

// The token `L12-14` as typed, pointing at `to`: the separator (hyphen or en dash) is kept.
std::string Retyped(std::string_view token, const LineRef& to) {
  std::string out = "L" + std::to_string(to.first);
  if (to.last == to.first) return out;
  std::size_t dash = 1;
  while (dash < token.size() && IsDigit(token[dash])) ++dash;
  std::size_t second = dash;
  while (second < token.size() && !IsDigit(token[second])) ++second;
  out += dash < token.size() ? std::string(token.substr(dash, second - dash)) : "-";
  return out + std::to_string(to.last);
}

}  // namespace

CellRebase RebaseCell(const ChartCell& cell, const std::vector<LineRef>& now) {
  CellRebase result;
  result.cell = cell;
  std::vector<LineRef> was;
  for (const std::string& a : cell.at) {
    auto range = ParseLineRef(a);
    if (!range) return result;
    was.push_back(*range);
  }
  if (was.empty() || was.size() != now.size()) return result;
  result.mapped = true;
  auto note = [&](const LineRef& from, const std::optional<LineRef>& to) {
    if (!to) {
      for (const LineRef& r : result.stray)
        if (SameRef(r, from)) return;
      result.stray.push_back(from);
      return;
    }
    if (SameRef(from, *to)) return;
    for (const RefShift& s : result.shifted)
      if (SameRef(s.from, from)) return;
    result.shifted.push_back({from, *to});
  };
  for (std::string& r : result.cell.refs) {
    auto ref = ParseLineRef(r);
    if (!ref) continue;
    auto to = MapRef(*ref, was, now);
    note(*ref, to);
    if (to) r = to->ToString();
  }
  std::string summary;
  std::size_t done = 0;
  for (const LineRefInText& found : FindLineRefs(cell.summary)) {
    auto to = MapRef(found.ref, was, now);
    note(found.ref, to);
    if (!to || SameRef(*to, found.ref)) continue;
    summary.append(cell.summary, done, found.offset - done);
    summary += Retyped(std::string_view(cell.summary).substr(found.offset, found.length), *to);
    done = found.offset + found.length;
  }
  if (done > 0) {
    summary.append(cell.summary, done, std::string::npos);
    result.cell.summary = std::move(summary);
  }
  result.cell.at = LineRanges(now);
  return result;
}

std::string DescribeShifts(const std::vector<RefShift>& shifted) {
  std::string out;
  for (const RefShift& s : shifted)
    out += (out.empty() ? "" : ", ") + s.from.ToString() + " is now " + s.to.ToString();
  return out;
}

std::string DescribeMove(const std::vector<LineRef>& was, const std::vector<LineRef>& now) {
  if (was.empty() || was.size() != now.size()) return "";
  const int delta = now[0].first - was[0].first;
  bool uniform = true, moved = false;
  for (std::size_t k = 0; k < was.size(); ++k) {
    if (now[k].first - was[k].first != delta || now[k].last - was[k].last != delta) uniform = false;
    if (!SameRef(now[k], was[k])) moved = true;
  }
  if (!moved) return "";
  if (!uniform) return "by different amounts";
  const int n = delta < 0 ? -delta : delta;
  return std::string(delta > 0 ? "down " : "up ") + std::to_string(n) +
         (n == 1 ? " line" : " lines");
}

std::vector<LineRef> RefsOutside(const ChartCell& cell, const std::vector<LineRef>& segments) {
  std::vector<LineRef> refs;
  for (const std::string& r : cell.refs)
    if (auto ref = ParseLineRef(r)) refs.push_back(*ref);
  for (const LineRefInText& found : FindLineRefs(cell.summary)) refs.push_back(found.ref);
  std::vector<LineRef> out;
  for (const LineRef& ref : refs) {
    bool inside = std::any_of(segments.begin(), segments.end(),
                              [&](const LineRef& s) { return Overlaps(s, ref); });
    bool seen =
        std::any_of(out.begin(), out.end(), [&](const LineRef& r) { return SameRef(r, ref); });
    if (!inside && !seen) out.push_back(ref);
  }
  return out;
}

int Chart::Find(std::string_view participant, std::string_view subtheme) const {
  for (std::size_t i = 0; i < cells.size(); ++i)
    if (cells[i].participant == participant && cells[i].subtheme == subtheme)
      return static_cast<int>(i);
  return -1;
}

bool NaturalLess(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      std::size_t si = i, sj = j;
      while (si < a.size() && a[si] == '0') ++si;
      while (sj < b.size() && b[sj] == '0') ++sj;
      std::size_t ei = si, ej = sj;
      while (ei < a.size() && IsDigit(a[ei])) ++ei;
      while (ej < b.size() && IsDigit(b[ej])) ++ej;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      int c = a.substr(si, ei - si).compare(b.substr(sj, ej - sj));
      if (c != 0) return c < 0;
      i = ei;
      j = ej;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

namespace {

// ---- the fast path: chart files as `SerializeChart` (or a script) writes them ----------------
//
// yaml-cpp reads about a megabyte a second, and chart files grow with the study (a study of
// 20,000 transcripts may chart 300,000 cells). Files in the plain shape written by the tool are
// read here directly: `theme:` and `cells:` at the top level, each cell `  - key: value` then
// `    key: value`, values plain, double-quoted, `>-` or `|-` blocks indented six spaces, refs
// as a flow list. Anything else, and any file that would draw a diagnostic (an unknown,
// duplicate or missing key, a bad status or ref, a duplicate cell), returns nothing, and the
// file is read by yaml-cpp as before, so the result and the messages are the same either way.

class CanonicalChartReader {
 public:
  explicit CanonicalChartReader(std::string_view text, const ChartCellSink* sink = nullptr)
      : text_(text), sink_(sink) {}

  std::optional<Chart> Read(std::string_view name) {
    Chart chart;
    chart.path = std::string(name);
    if (!yaml::PlainShapeText(text_)) return std::nullopt;
    if (!sink_) chart.cells.reserve(CountCells(text_));
    std::string_view line;
    bool theme = false, cells = false, empty_list = false;
    while (Next(line)) {
      if (line.empty() || line.front() == '#') continue;
      if (line.substr(0, 7) == "theme: " && !theme && !cells) {
        std::string_view v = line.substr(7);
        if (!yaml::SafePlain(v, false)) return std::nullopt;
        chart.theme = ToNfc(v);
        chart.theme_line = line_no_;
        chart.theme_column = 8;
        theme = true;
      } else if ((line == "cells:" || line == "cells: []") && !cells) {
        cells = true;
        empty_list = line == "cells: []";
      } else if (cells && !empty_list && line.substr(0, 4) == "  - ") {
        if (!ReadCell(line, chart)) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    if (!theme || !cells || (sink_ ? HasDuplicateKey() : HasDuplicateCell(chart)))
      return std::nullopt;
    return chart;
  }

 private:
  // How many lines begin "  - " (an upper bound on the cells in the plain shape), so the cells
  // are laid out once rather than moved each time their vector grows.
  static std::size_t CountCells(std::string_view text) {
    std::size_t n = text.substr(0, 4) == "  - " ? 1 : 0;
    for (std::size_t at = text.find("\n  - "); at != std::string_view::npos;
         at = text.find("\n  - ", at + 5))
      ++n;
    return n;
  }

  // The next line (without its '\n') and its 1-based number; false at the end.
  bool Next(std::string_view& line) {
    if (pending_) {
      line = *pending_;
      pending_.reset();
      return true;
    }
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_no_;
    return true;
  }
  void PushBack(std::string_view line) { pending_ = line; }

  // A block scalar's lines, indented six spaces, after `>-` (folded) or `|-` (literal).
  std::optional<std::string> Block(bool folded) {
    std::string out;
    std::vector<std::string_view> lines;
    std::string_view line;
    while (Next(line)) {
      if (!line.empty() && line.substr(0, 6) != "      ") {
        PushBack(line);
        break;
      }
      if (!line.empty() && line.find_first_not_of(' ') == std::string_view::npos)
        return std::nullopt;
      lines.push_back(line.empty() ? line : line.substr(6));
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.empty() || lines.front().empty() || lines.front().front() == ' ') return std::nullopt;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string_view l = lines[i];
      if (folded && (l.empty() || l.front() == ' ' || l.back() == ' ')) return std::nullopt;
      if (i) out += folded ? ' ' : '\n';
      out += l;
    }
    return out;
  }

  bool ReadCell(std::string_view line, Chart& chart) {
    static constexpr std::string_view kKeys[] = {"participant", "subtheme", "status",
                                                 "summary",     "comment",  "refs",
                                                 "source",      "updated",  "at"};
    ChartCell cell;
    cell.line = line_no_;
    cell.column = 5;
    unsigned keys = 0;  // bit i: kKeys[i] seen
    std::string_view rest = line.substr(4);
    for (;;) {
      std::size_t colon = rest.find(':');
      if (colon == std::string_view::npos) return false;
      std::string_view key = rest.substr(0, colon), value = rest.substr(colon + 1);
      const auto known = std::find(std::begin(kKeys), std::end(kKeys), key);
      if (known == std::end(kKeys)) return false;
      const unsigned bit = 1u << (known - std::begin(kKeys));
      if (keys & bit) return false;
      keys |= bit;
      if (value.empty() || value.front() != ' ') return false;
      value.remove_prefix(1);
      std::string text;
      if (key == "refs" || key == "at") {
        std::vector<std::string>& list = key == "refs" ? cell.refs : cell.at;
        if (value.size() < 2 || value.front() != '[' || value.back() != ']') return false;
        std::string_view items = value.substr(1, value.size() - 2);
        while (!items.empty()) {
          std::size_t comma = items.find(", ");
          std::string_view item = items.substr(0, comma);
          if (!yaml::SafePlain(item, true) || !ParseLineRef(item)) return false;
          list.push_back(ToNfc(item));
          items = comma == std::string_view::npos ? std::string_view() : items.substr(comma + 2);
          if (comma != std::string_view::npos && items.empty()) return false;
        }
      } else {
        if (value == ">-" || value == "|-") {
          auto block = Block(value == ">-");
          if (!block) return false;
          text = std::move(*block);
        } else if (!value.empty() && value.front() == '"') {
          auto quoted = yaml::DoubleQuoted(value);
          if (!quoted) return false;
          text = std::move(*quoted);
        } else if (yaml::SafePlain(value, false)) {
          text = std::string(value);
        } else {
          return false;
        }
        if (!IsAscii(text)) text = ToNfc(text);
        if (key == "participant") {
          cell.participant = std::move(text);
        } else if (key == "subtheme") {
          cell.subtheme = std::move(text);
        } else if (key == "status") {
          const std::optional<ChartStatus> status = ParseChartStatus(text);
          if (!status) return false;
          cell.status = *status;
        } else if (key == "summary") {
          cell.summary = std::move(text);
        } else if (key == "comment") {
          cell.comment = std::move(text);
        } else if (key == "source") {
          cell.source = std::move(text);
        } else if (key == "updated") {
          cell.updated = std::move(text);
        } else {
          return false;
        }
      }
      std::string_view next;
      if (!Next(next)) break;
      if (next.substr(0, 4) != "    " || next.size() < 5 || next[4] == ' ') {
        PushBack(next);
        break;
      }
      rest = next.substr(4);
    }
    if ((keys & 7u) != 7u) return false;  // participant, subtheme and status are required
    if (!sink_) {
      chart.cells.push_back(std::move(cell));
      return true;
    }
    Fnv1a key;
    key.Add(cell.participant);
    key.Add('\0');
    key.Add(cell.subtheme);
    keys_.push_back(key.value());
    (*sink_)(chart, std::move(cell));
    return true;
  }

  // Streaming, only each cell's key is kept: two cells with one key (or, very rarely, two keys
  // with one hash) send the file to yaml-cpp, which reports a duplicate if there is one.
  bool HasDuplicateKey() {
    std::sort(keys_.begin(), keys_.end());
    return std::adjacent_find(keys_.begin(), keys_.end()) != keys_.end();
  }

  // A cell charted twice draws a diagnostic, so it is left to yaml-cpp.
  static bool HasDuplicateCell(const Chart& chart) {
    std::vector<const ChartCell*> cells;
    cells.reserve(chart.cells.size());
    for (const ChartCell& c : chart.cells) cells.push_back(&c);
    auto key = [](const ChartCell* c) { return std::tie(c->participant, c->subtheme); };
    std::sort(cells.begin(), cells.end(),
              [&](const ChartCell* a, const ChartCell* b) { return key(a) < key(b); });
    return std::adjacent_find(cells.begin(), cells.end(),
                              [&](const ChartCell* a, const ChartCell* b) {
                                return key(a) == key(b);
                              }) != cells.end();
  }

  std::string_view text_;
  const ChartCellSink* sink_ = nullptr;
  std::vector<std::uint64_t> keys_;  // streaming: each cell's participant and sub-theme, hashed
  std::size_t pos_ = 0;
  int line_no_ = 0;
  std::optional<std::string_view> pending_;
};

}  // namespace

Chart LoadChart(std::string_view name, std::string_view text, Diagnostics& diagnostics) {
  if (IsValidUtf8(text))
    if (auto chart = CanonicalChartReader(text).Read(name)) return std::move(*chart);
  return LoadChartWithYamlCpp(name, text, diagnostics);
}

std::optional<Chart> StreamChart(std::string_view name, std::string_view text,
                                 const ChartCellSink& sink) {
  if (!IsValidUtf8(text)) return std::nullopt;
  return CanonicalChartReader(text, &sink).Read(name);
}

Chart LoadChartWithYamlCpp(std::string_view name, std::string_view text, Diagnostics& diagnostics) {
  Chart chart;
  chart.path = std::string(name);
  SourceText source(std::string(name), text);
  if (!source.CheckUtf8(diagnostics)) return chart;
  bool ok = false;
  yaml::Reservation held;  // outlives root
  YAML::Node root =
      yaml::Parse(source, std::string(text), diagnostics, &ok, &held, yaml::YamlFile::kChart);
  if (!ok) return chart;
  if (!root.IsMap()) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "bad-chart", {1, 1},
                                            "a chart file must be a mapping",
                                            "with 'theme:' and 'cells:'"));
    return chart;
  }
  yaml::CheckKeys(source, root, {"theme", "cells"}, "the chart file", diagnostics);
  const YAML::Node theme = yaml::Get(root, "theme");
  if (!theme.IsDefined()) {
    diagnostics.push_back(source.AtPosition(Severity::kError, "missing-key", {1, 1},
                                            "the chart file has no 'theme'",
                                            "add 'theme: <theme id>' at the top"));
  } else if (auto t = yaml::Scalar(source, theme, "theme", diagnostics)) {
    chart.theme = *t;
    Position p = yaml::PositionOf(source, theme);
    chart.theme_line = p.line;
    chart.theme_column = p.column;
  }
  const YAML::Node cells = yaml::Get(root, "cells");
  if (!cells.IsDefined() || cells.IsNull()) return chart;
  if (!cells.IsSequence()) {
    diagnostics.push_back(yaml::At(source, cells, Severity::kError, "bad-chart",
                                   "cells must be a list",
                                   "each cell is '- participant: P01 ...'"));
    return chart;
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& node : cells) {
    if (!node.IsMap()) {
      diagnostics.push_back(yaml::At(source, node, Severity::kError, "bad-chart",
                                     "a cell must be a mapping with participant and subtheme"));
      continue;
    }
    yaml::CheckKeys(source, node,
                    {"participant", "subtheme", "status", "summary", "comment", "refs", "source",
                     "updated", "at"},
                    "a chart cell", diagnostics);
    ChartCell cell;
    Position p = yaml::PositionOf(source, node);
    cell.line = p.line;
    cell.column = p.column;
    auto text_of = [&](const char* key, std::string* out) {
      const YAML::Node n = yaml::Get(node, key);
      if (!n.IsDefined() || n.IsNull()) return false;
      if (auto v = yaml::Scalar(source, n, key, diagnostics)) {
        *out = *v;
        return true;
      }
      return false;
    };
    bool has_participant = text_of("participant", &cell.participant);
    bool has_subtheme = text_of("subtheme", &cell.subtheme);
    if (!has_participant || !has_subtheme) {
      diagnostics.push_back(source.AtPosition(
          Severity::kError, "missing-key", p,
          std::string("chart cell has no '") + (has_participant ? "subtheme" : "participant") + "'",
          "every cell names its participant and sub-theme"));
      continue;
    }
    std::string status;
    if (text_of("status", &status)) {
      if (const std::optional<ChartStatus> parsed = ParseChartStatus(status)) {
        cell.status = *parsed;
      } else {
        auto guess = Suggest(status, {"draft", "charted", "reviewed"});
        diagnostics.push_back(yaml::At(
            source, yaml::Get(node, "status"), Severity::kError, "bad-chart",
            "unknown status '" + status + "'",
            guess ? "did you mean '" + *guess + "'?" : "a status is draft, charted or reviewed"));
      }
    } else {
      diagnostics.push_back(source.AtPosition(Severity::kWarning, "missing-key", p,
                                              "chart cell has no 'status'; taken as charted",
                                              "add 'status: charted'"));
    }
    text_of("summary", &cell.summary);
    text_of("comment", &cell.comment);
    text_of("source", &cell.source);
    text_of("updated", &cell.updated);
    if (const YAML::Node refs = yaml::Get(node, "refs"); refs.IsDefined() && !refs.IsNull()) {
      if (!refs.IsSequence()) {
        diagnostics.push_back(yaml::At(source, refs, Severity::kError, "bad-ref",
                                       "refs must be a list", "e.g. refs: [L12-14, L20]"));
      } else {
        for (const auto& r : refs) {
          auto value = yaml::Scalar(source, r, "a line reference", diagnostics);
          if (!value) continue;
          if (!ParseLineRef(*value))
            diagnostics.push_back(yaml::At(source, r, Severity::kError, "bad-ref",
                                           "'" + *value + "' is not a line reference",
                                           "write L12 or L12-14"));
          cell.refs.push_back(*value);
        }
      }
    }
    // `at`: the segments' line ranges when charted, in the shape of `refs`.
    if (const YAML::Node at = yaml::Get(node, "at"); at.IsDefined() && !at.IsNull()) {
      if (!at.IsSequence()) {
        diagnostics.push_back(yaml::At(source, at, Severity::kError, "bad-ref",
                                       "at must be a list of line ranges",
                                       "e.g. at: [L12-14, L20]; the tool writes it"));
      } else {
        for (const auto& r : at) {
          auto value = yaml::Scalar(source, r, "a line range", diagnostics);
          if (!value) continue;
          if (!ParseLineRef(*value))
            diagnostics.push_back(yaml::At(source, r, Severity::kError, "bad-ref",
                                           "'" + *value + "' is not a line range",
                                           "write L12 or L12-14"));
          cell.at.push_back(*value);
        }
      }
    }
    if (!seen.emplace(cell.participant, cell.subtheme).second) {
      diagnostics.push_back(
          source.AtPosition(Severity::kError, "duplicate-cell", p,
                            "a second cell for " + cell.participant + ":" + cell.subtheme,
                            "merge the two summaries into one cell; both are kept until you do"));
    }
    chart.cells.push_back(std::move(cell));
  }
  return chart;
}

namespace {

// A scalar as yaml-cpp would write it (plain when safe, quoted otherwise), and quoted when YAML
// would read it as a number or a boolean, so every value reads back as the same text.
std::string PlainOrQuoted(const std::string& value) {
  bool numeric =
      !value.empty() && value.find_first_not_of("0123456789.eE+-_:") == std::string::npos;
  static const char* kWords[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "n",    "N",
                                 "no",    "No",    "NO",   "true", "True", "TRUE", "false",
                                 "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",
                                 "OFF",   "null",  "Null", "NULL", "~"};
  bool word = std::find(std::begin(kWords), std::end(kWords), value) != std::end(kWords);
  YAML::Emitter e;
  if (numeric || word || value.empty()) e << YAML::DoubleQuoted;
  e << value;
  return e.c_str();
}

// A summary or comment after its key: long plain prose as a folded block wrapped at about 96
// columns (small diffs when one sentence changes), anything else as a single scalar.
std::string TextValue(const std::string& value) {
  bool simple = value.size() > 80 && value.find('\n') == std::string::npos &&
                value.find("  ") == std::string::npos && value.find('\t') == std::string::npos &&
                value.front() != ' ' && value.back() != ' ' &&
                value.find('\r') == std::string::npos;
  bool controls = false;  // characters a block scalar cannot hold as they are
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') controls = true;
  // Unicode line and paragraph separators, NEL and the BOM: YAML 1.1 readers may take them as
  // line breaks, so such text is written double-quoted (escaped), never in a block.
  for (const char* odd : {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xEF\xBB\xBF", "\x7F"})
    if (value.find(odd) != std::string::npos) controls = true;
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20) simple = false;
  if (controls) simple = false;
  if (!simple) {
    // Paragraphs: a literal block that strips the final line break ("|-"), when the value
    // reads back exactly that way; anything else double-quoted.
    if (!controls && value.find('\n') != std::string::npos && value.back() != '\n' &&
        value.front() != ' ' && value.front() != '\t' && value.front() != '\n' &&
        value.find('\r') == std::string::npos) {
      std::string out = " |-";
      std::size_t start = 0;
      while (start <= value.size()) {
        std::size_t end = value.find('\n', start);
        if (end == std::string::npos) end = value.size();
        std::string_view line(value.data() + start, end - start);
        out += "\n";
        if (!line.empty()) out += "      " + std::string(line);
        start = end + 1;
      }
      return out;
    }
    if (controls || value.find_first_of("\n\r\t") != std::string::npos ||
        (!value.empty() && (value.front() == ' ' || value.back() == ' '))) {
      YAML::Emitter e;
      e << YAML::DoubleQuoted << value;
      return " " + std::string(e.c_str());
    }
    return " " + PlainOrQuoted(value);
  }
  const std::size_t kWidth = 96, kIndent = 6;
  std::string out = " >-\n" + std::string(kIndent, ' ');
  std::size_t column = kIndent;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t space = value.find(' ', start);
    std::string_view word(value.data() + start,
                          (space == std::string::npos ? value.size() : space) - start);
    std::size_t width = CountCodePoints(word);
    if (column > kIndent && column + 1 + width > kWidth) {
      out += "\n" + std::string(kIndent, ' ');
      column = kIndent;
    } else if (column > kIndent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += width;
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

}  // namespace

bool ChartCellLess(const ChartCell& a, const ChartCell& b,
                   const std::vector<std::string>& subtheme_order) {
  if (a.participant != b.participant) return NaturalLess(a.participant, b.participant);
  auto rank = [&](const std::string& id) {
    auto it = std::find(subtheme_order.begin(), subtheme_order.end(), id);
    return static_cast<std::size_t>(it - subtheme_order.begin());
  };
  std::size_t ra = rank(a.subtheme), rb = rank(b.subtheme);
  if (ra != rb) return ra < rb;
  return a.subtheme < b.subtheme;
}

std::string SerializeChartCell(const ChartCell& cell) {
  const ChartCell* c = &cell;
  std::string out;
  out += "  - participant: " + PlainOrQuoted(c->participant) + "\n";
  out += "    subtheme: " + PlainOrQuoted(c->subtheme) + "\n";
  out += "    status: " + std::string(ChartStatusName(c->status)) + "\n";
  if (!c->summary.empty()) out += "    summary:" + TextValue(c->summary) + "\n";
  if (!c->refs.empty()) {
    out += "    refs: [";
    for (std::size_t i = 0; i < c->refs.size(); ++i)
      out += (i ? ", " : "") + PlainOrQuoted(c->refs[i]);
    out += "]\n";
  }
  if (!c->comment.empty()) out += "    comment:" + TextValue(c->comment) + "\n";
  if (!c->source.empty()) out += "    source: " + PlainOrQuoted(c->source) + "\n";
  if (!c->at.empty()) {
    out += "    at: [";
    for (std::size_t i = 0; i < c->at.size(); ++i) out += (i ? ", " : "") + PlainOrQuoted(c->at[i]);
    out += "]\n";
  }
  if (!c->updated.empty()) out += "    updated: " + PlainOrQuoted(c->updated) + "\n";
  return out;
}

std::string SerializeChart(const Chart& chart, const std::vector<std::string>& subtheme_order) {
  std::vector<const ChartCell*> cells;
  for (const auto& c : chart.cells) cells.push_back(&c);
  std::stable_sort(cells.begin(), cells.end(), [&](const ChartCell* a, const ChartCell* b) {
    return ChartCellLess(*a, *b, subtheme_order);
  });
  std::string out = "theme: " + PlainOrQuoted(chart.theme) + "\ncells:\n";
  if (cells.empty()) out = "theme: " + PlainOrQuoted(chart.theme) + "\ncells: []\n";
  for (const ChartCell* c : cells) out += SerializeChartCell(*c);
  return out;
}

}  // namespace framework
