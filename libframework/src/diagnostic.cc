#include "framework/diagnostic.h"

#include <algorithm>
#include <map>

#include "framework/source_text.h"
#include "framework/text.h"

namespace framework {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "error";
}

DiagnosticCounts CountDiagnostics(const Diagnostics& diagnostics) {
  DiagnosticCounts counts;
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::kError) ++counts.errors;
    if (d.severity == Severity::kWarning) ++counts.warnings;
  }
  return counts;
}

void SortDiagnostics(Diagnostics& diagnostics, const std::vector<std::string>& file_order) {
  std::map<std::string, std::size_t, std::less<>> rank;
  for (std::size_t i = 0; i < file_order.size(); ++i) rank.emplace(file_order[i], i);
  // Group each diagnostic with the notes that follow it, then sort the groups.
  std::vector<std::vector<Diagnostic>> groups;
  for (auto& d : diagnostics) {
    if (d.severity == Severity::kNote && !groups.empty())
      groups.back().push_back(std::move(d));
    else
      groups.push_back({std::move(d)});
  }
  auto key = [&](const Diagnostic& d) {
    auto it = rank.find(d.file);
    std::size_t r = it == rank.end() ? file_order.size() : it->second;
    return std::make_tuple(r, d.file, d.line, d.column);
  };
  std::stable_sort(groups.begin(), groups.end(),
                   [&](const auto& a, const auto& b) { return key(a.front()) < key(b.front()); });
  diagnostics.clear();
  for (auto& g : groups)
    for (auto& d : g) diagnostics.push_back(std::move(d));
}

namespace {
const char* kBold = "\033[1m";
const char* kRed = "\033[1;31m";
const char* kMagenta = "\033[1;35m";
const char* kCyan = "\033[1;36m";
const char* kGreen = "\033[1;32m";
const char* kReset = "\033[0m";

// The source line with tabs shown as single spaces, so the caret lines up.
std::string Printable(std::string_view line) {
  std::string out(line);
  for (char& c : out)
    if (c == '\t') c = ' ';
  return out;
}

// Bytes of the first `n` code points of `line`.
std::size_t PrefixBytes(std::string_view line, int n) {
  std::size_t i = 0;
  int seen = 0;
  while (i < line.size()) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) {
      if (seen == n) break;
      ++seen;
    }
    ++i;
  }
  return i;
}
}  // namespace

std::string RenderDiagnostic(const Diagnostic& d, const RenderOptions& options) {
  auto paint = [&](const char* code, std::string_view text) {
    if (!options.color) return std::string(text);
    return std::string(code) + std::string(text) + kReset;
  };
  std::string out;
  std::string where = options.path_prefix + d.file;
  if (d.line > 0) {
    where += ":" + std::to_string(d.line);
    if (d.column > 0) where += ":" + std::to_string(d.column);
  }
  out += paint(kBold, where + ":");
  out += ' ';
  const char* color = d.severity == Severity::kError     ? kRed
                      : d.severity == Severity::kWarning ? kMagenta
                                                         : kCyan;
  out += paint(color, std::string(SeverityName(d.severity)) + ":");
  out += ' ';
  out += paint(kBold, d.message);
  out += '\n';
  std::string gutter;
  if (d.line > 0 && !d.source_line.empty()) {
    std::string number = std::to_string(d.line);
    gutter = std::string(number.size() + 1, ' ');
    out += ' ' + number + " | " + Printable(d.source_line) + '\n';
    if (d.column > 0) {
      std::string_view line = d.source_line;
      std::size_t before = PrefixBytes(line, d.column - 1);
      std::size_t pad = DisplayWidth(Printable(line.substr(0, before)));
      std::size_t span_end = PrefixBytes(line, d.column - 1 + std::max(d.length, 1));
      std::size_t underline =
          std::max<std::size_t>(1, DisplayWidth(Printable(line.substr(before, span_end - before))));
      std::string marker = "^" + std::string(underline - 1, '~');
      out += gutter + " | " + std::string(pad, ' ') + paint(kGreen, marker) + '\n';
    }
  }
  if (!d.hint.empty()) {
    out += (gutter.empty() ? std::string("  ") : gutter + " ") + "= " + paint(kBold, "hint:") +
           ' ' + d.hint + '\n';
  }
  return out;
}

// SourceText

void SourceText::BuildIndex() const {
  if (!line_starts_.empty()) return;
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

Position SourceText::PositionAt(std::size_t offset) const {
  BuildIndex();
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::size_t line_index = static_cast<std::size_t>(it - line_starts_.begin()) - 1;
  std::size_t start = line_starts_[line_index];
  // A UTF-8 BOM at the very start takes no column.
  std::size_t from = start;
  if (start == 0 && text_.substr(0, 3) == "\xEF\xBB\xBF" && offset >= 3) from = 3;
  Position p;
  p.line = static_cast<int>(line_index) + 1;
  p.column = static_cast<int>(CountCharacters(text_.substr(from, offset - from))) + 1;
  return p;
}

std::size_t SourceText::OffsetOf(int line0, int byte_column0) const {
  BuildIndex();
  if (line0 < 0) return 0;
  if (static_cast<std::size_t>(line0) >= line_starts_.size()) return text_.size();
  return std::min(text_.size(), line_starts_[static_cast<std::size_t>(line0)] +
                                    static_cast<std::size_t>(std::max(byte_column0, 0)));
}

std::string_view SourceText::Line(int line) const {
  BuildIndex();
  if (line < 1 || static_cast<std::size_t>(line) > line_starts_.size()) return {};
  std::size_t start = line_starts_[static_cast<std::size_t>(line) - 1];
  std::size_t end = static_cast<std::size_t>(line) < line_starts_.size()
                        ? line_starts_[static_cast<std::size_t>(line)] - 1
                        : text_.size();
  std::string_view out = text_.substr(start, end - start);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  if (line == 1 && out.substr(0, 3) == "\xEF\xBB\xBF") out.remove_prefix(3);
  return out;
}

bool SourceText::CheckUtf8(Diagnostics& diagnostics, const std::string& hint,
                           std::size_t limit) const {
  if (IsValidUtf8(text_)) return true;
  for (std::size_t offset : FindInvalidUtf8(text_, limit))
    diagnostics.push_back(At(Severity::kError, "invalid-utf8", offset,
                             "invalid UTF-8 at byte offset " + std::to_string(offset), hint));
  return false;
}

Diagnostic SourceText::At(Severity severity, std::string rule, std::size_t offset,
                          std::string message, std::string hint, int length) const {
  return AtPosition(severity, std::move(rule), PositionAt(offset), std::move(message),
                    std::move(hint), length);
}

Diagnostic SourceText::AtPosition(Severity severity, std::string rule, Position position,
                                  std::string message, std::string hint, int length) const {
  Diagnostic d;
  d.severity = severity;
  d.rule = std::move(rule);
  d.file = name_;
  d.line = position.line;
  d.column = position.column;
  d.length = length;
  d.message = std::move(message);
  d.hint = std::move(hint);
  if (position.line > 0) {
    // Invalid UTF-8 is shown with replacement characters so terminals stay sane.
    d.source_line = SanitizeUtf8(Line(position.line));
  }
  return d;
}

}  // namespace framework
