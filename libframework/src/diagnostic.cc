#include "framework/diagnostic.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "framework/source_text.h"
#include "framework/text.h"
#include "json_layout.h"

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
    // A capped list of warnings ("too-many-warnings") counts warnings; any other, errors.
    if (d.rule == "too-many-warnings") {
      counts.warnings += d.unlisted;
      continue;
    }
    counts.errors += d.unlisted;
    counts.unlisted_errors += d.unlisted;
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

void WriteDiagnosticsJson(const Diagnostics& diagnostics, const CheckTotals& totals,
                          const std::function<void(std::string_view)>& sink) {
  const DiagnosticCounts counts = CountDiagnostics(diagnostics);
  JsonStream out(sink);
  out.BeginObject();
  out.String("framework-check", "format");
  out.Int(1, "version");
  out.String(totals.study, "study");
  out.BeginObject("summary");
  out.Unsigned(counts.errors, "errors");
  out.Unsigned(counts.warnings, "warnings");
  out.Unsigned(counts.unlisted_errors, "unlisted_errors");
  out.Unsigned(totals.transcripts, "transcripts");
  out.Unsigned(totals.participants, "participants");
  out.Unsigned(totals.segments, "segments");
  out.End();
  out.BeginArray("diagnostics");
  for (const Diagnostic& d : diagnostics) {
    out.BeginObject();
    out.String(SeverityName(d.severity), "severity");
    out.String(d.rule, "rule");
    out.String(d.file, "file");
    if (d.line > 0) out.Int(d.line, "line");
    if (d.column > 0) out.Int(d.column, "column");
    out.String(d.message, "message");
    if (!d.hint.empty()) out.String(d.hint, "hint");
    if (d.unlisted > 0) out.Unsigned(d.unlisted, "unlisted");
    out.End();
  }
  out.End();
  out.End();
}

namespace {
const char* kBold = "\033[1m";
const char* kRed = "\033[1;31m";
const char* kMagenta = "\033[1;35m";
const char* kCyan = "\033[1;36m";
const char* kGreen = "\033[1;32m";
const char* kReset = "\033[0m";

// The code point at `i` (advancing `i`), stepping over invalid UTF-8 as SanitizeUtf8 and
// CountCharacters do: one U+FFFD per invalid sequence.
UChar32 NextChar(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  // At most 4 bytes make a sequence, so a window of 4 steps as the whole text would.
  const auto window = static_cast<int32_t>(std::min<std::size_t>(4, text.size() - i));
  int32_t pos = 0;
  UChar32 c;
  U8_NEXT(text.data() + i, pos, window, c);
  i += static_cast<std::size_t>(pos);
  return c < 0 ? 0xFFFD : c;
}

bool IsControl(UChar32 c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Takes no room or looks like a plain space, or reorders the text around it.
bool IsInvisible(UChar32 c) {
  if (c == 0x20 || c == 0x3000) return false;  // U+3000: the CJK full-width space, visible
  if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF)) return false;  // selectors
  const auto type = static_cast<int8_t>(u_charType(c));
  if (type == U_SPACE_SEPARATOR || type == U_LINE_SEPARATOR || type == U_PARAGRAPH_SEPARATOR ||
      type == U_FORMAT_CHAR)
    return true;
  return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) != 0;
}

// One code point as shown: itself, a space for a tab, or an escape (then `escaped`).
struct Shown {
  std::string text;
  UChar32 c = 0;
  bool escaped = false;
};

Shown Show(UChar32 c) {
  Shown s;
  s.c = c;
  char buffer[16];
  if (c == '\t') {
    s.text = " ";
  } else if (IsControl(c) || IsInvisible(c)) {
    std::snprintf(buffer, sizeof buffer,
                  c < 0x100 ? "\\x%02x" : (c < 0x10000 ? "\\u%04x" : "\\U%08x"),
                  static_cast<unsigned>(c));
    s.text = buffer;
    s.escaped = true;
  } else {
    int32_t n = 0;
    uint8_t bytes[4];
    U8_APPEND_UNSAFE(bytes, n, c);  // `c` is a valid code point: U8_NEXT gave it
    s.text.assign(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
  }
  return s;
}

std::vector<Shown> ShowAll(std::string_view text) {
  std::vector<Shown> out;
  for (std::size_t i = 0; i < text.size();) out.push_back(Show(NextChar(text, i)));
  return out;
}

std::string Join(const std::vector<Shown>& shown, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < shown.size(); ++i) out += shown[i].text;
  return out;
}

// "U+200B ZERO WIDTH SPACE" (ICU's name; a control's alias, e.g. U+001B ESCAPE).
std::string CharName(UChar32 c) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(c));
  std::string out = hex;
  // Controls have no Unicode name; these are their aliases (NameAliases.txt).
  static const char* const kC0[] = {"NULL",
                                    "START OF HEADING",
                                    "START OF TEXT",
                                    "END OF TEXT",
                                    "END OF TRANSMISSION",
                                    "ENQUIRY",
                                    "ACKNOWLEDGE",
                                    "ALERT",
                                    "BACKSPACE",
                                    "CHARACTER TABULATION",
                                    "LINE FEED",
                                    "LINE TABULATION",
                                    "FORM FEED",
                                    "CARRIAGE RETURN",
                                    "SHIFT OUT",
                                    "SHIFT IN",
                                    "DATA LINK ESCAPE",
                                    "DEVICE CONTROL ONE",
                                    "DEVICE CONTROL TWO",
                                    "DEVICE CONTROL THREE",
                                    "DEVICE CONTROL FOUR",
                                    "NEGATIVE ACKNOWLEDGE",
                                    "SYNCHRONOUS IDLE",
                                    "END OF TRANSMISSION BLOCK",
                                    "CANCEL",
                                    "END OF MEDIUM",
                                    "SUBSTITUTE",
                                    "ESCAPE",
                                    "INFORMATION SEPARATOR FOUR",
                                    "INFORMATION SEPARATOR THREE",
                                    "INFORMATION SEPARATOR TWO",
                                    "INFORMATION SEPARATOR ONE"};
  if (c >= 0 && c < 0x20) return out + " " + kC0[c];
  if (c == 0x7F) return out + " DELETE";
  if (c >= 0x80 && c <= 0x9F) out += " (a C1 control)";
  for (UCharNameChoice choice : {U_UNICODE_CHAR_NAME, U_CHAR_NAME_ALIAS}) {
    char name[128];
    UErrorCode status = U_ZERO_ERROR;
    const int32_t n = u_charName(c, choice, name, sizeof name, &status);
    if (U_SUCCESS(status) && n > 0 && n < static_cast<int32_t>(sizeof name))
      return out + " " + std::string(name, static_cast<std::size_t>(n));
  }
  return out;
}

// The source line is cut to about this many terminal columns, this many before the caret.
constexpr std::size_t kShownWidth = 100;
constexpr std::size_t kShownBefore = 40;
constexpr std::size_t kNamedAtMost = 3;
constexpr std::string_view kEllipsis = "\u2026";
}  // namespace

std::string VisibleText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0x20 && lead < 0x7F) {
      out += text[i++];
      continue;
    }
    out += Show(NextChar(text, i)).text;
  }
  return out;
}

void SetSourceLine(Diagnostic& d, std::string_view line) {
  d.source_start = 1;
  d.source_cut = false;
  if (line.size() <= static_cast<std::size_t>(kSourceExcerptChars)) {
    d.source_line = SanitizeUtf8(line);
    return;
  }
  const int first = std::max(1, d.column - kSourceExcerptBefore);
  std::size_t i = 0;
  int column = 1;
  for (; column < first && i < line.size(); ++column) NextChar(line, i);
  const std::size_t begin = i;
  for (int n = 0; n < kSourceExcerptChars && i < line.size(); ++n) NextChar(line, i);
  d.source_start = column;
  d.source_cut = i < line.size();
  d.source_line = SanitizeUtf8(line.substr(begin, i - begin));
}

std::string RenderDiagnostic(const Diagnostic& d, const RenderOptions& options) {
  auto paint = [&](const char* code, std::string_view text) {
    if (!options.color) return std::string(text);
    return std::string(code) + std::string(text) + kReset;
  };
  std::string out;
  std::string where = VisibleText(options.path_prefix + d.file);
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
  out += paint(kBold, VisibleText(d.message));
  out += '\n';
  std::string gutter;
  if (d.line > 0 && !d.source_line.empty()) {
    std::string number = std::to_string(d.line);
    gutter = std::string(number.size() + 1, ' ');
    const std::vector<Shown> shown = ShowAll(d.source_line);
    const std::size_t n = shown.size();
    // The caret's place among the shown characters (the excerpt may start after column 1).
    const std::size_t caret =
        d.column > 0 ? std::min<std::size_t>(
                           n, static_cast<std::size_t>(std::max(0, d.column - d.source_start)))
                     : 0;
    std::vector<std::size_t> widths(n);
    std::size_t total = 0;
    for (std::size_t i = 0; i < n; ++i) total += widths[i] = DisplayWidth(shown[i].text);
    // A window of about kShownWidth columns around the caret.
    std::size_t from = 0, to = n;
    if (total > kShownWidth) {
      std::size_t used = 0;
      from = caret;
      while (from > 0 && used + widths[from - 1] <= kShownBefore) used += widths[--from];
      to = from;
      used = 0;
      while (to < n && used + widths[to] <= kShownWidth) used += widths[to++];
      while (from > 0 && used + widths[from - 1] <= kShownWidth) used += widths[--from];
    }
    const bool cut_before = from > 0 || d.source_start > 1;
    const bool cut_after = to < n || d.source_cut;
    std::string text = Join(shown, from, to);
    out += ' ' + number + " | " + (cut_before ? std::string(kEllipsis) : "") + text +
           (cut_after ? std::string(kEllipsis) : "") + '\n';
    if (d.column > 0) {
      const std::size_t pad = (cut_before ? 1 : 0) + DisplayWidth(Join(shown, from, caret));
      const std::size_t span_end =
          std::min(to, caret + static_cast<std::size_t>(std::max(d.length, 1)));
      const std::size_t underline =
          std::max<std::size_t>(1, DisplayWidth(Join(shown, caret, span_end)));
      std::string marker = "^" + std::string(underline - 1, '~');
      out += gutter + " | " + std::string(pad, ' ') + paint(kGreen, marker) + '\n';
    }
    // Name what is shown as escapes, each kind once, at its first column.
    std::vector<std::pair<UChar32, std::size_t>> named;
    std::size_t more = 0;
    for (std::size_t i = from; i < to; ++i) {
      if (!shown[i].escaped) continue;
      auto same = [&](const auto& p) { return p.first == shown[i].c; };
      if (std::any_of(named.begin(), named.end(), same)) continue;
      if (named.size() < kNamedAtMost)
        named.emplace_back(shown[i].c, i);
      else if (std::none_of(shown.begin() + static_cast<std::ptrdiff_t>(from),
                            shown.begin() + static_cast<std::ptrdiff_t>(i),
                            [&](const Shown& s) { return s.c == shown[i].c; }))
        ++more;
    }
    for (const auto& [c, i] : named)
      out += gutter + " = " + paint(kBold, "note:") + ' ' + shown[i].text + " at column " +
             std::to_string(d.source_start + static_cast<int>(i)) + " is " + CharName(c) + '\n';
    if (more > 0)
      out += gutter + " = " + paint(kBold, "note:") + ' ' + std::to_string(more) +
             (more == 1 ? " more kind" : " more kinds") +
             " of invisible or control character shown as escapes\n";
  }
  if (!d.hint.empty()) {
    out += (gutter.empty() ? std::string("  ") : gutter + " ") + "= " + paint(kBold, "hint:") +
           ' ' + VisibleText(d.hint) + '\n';
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
  // Counting resumes from the last position asked for on this line when it is earlier, so the
  // positions of many nodes on one long line (a flow-style list) cost one pass, not one each. A
  // count splits exactly at an ASCII byte: no multi-byte sequence includes one.
  if (last_line_ == line_index && last_offset_ >= from && last_offset_ <= offset &&
      (last_offset_ == text_.size() || static_cast<unsigned char>(text_[last_offset_]) < 0x80)) {
    p.column = last_column_ +
               static_cast<int>(CountCharacters(text_.substr(last_offset_, offset - last_offset_)));
  } else {
    p.column = static_cast<int>(CountCharacters(text_.substr(from, offset - from))) + 1;
  }
  last_line_ = line_index;
  last_offset_ = offset;
  last_column_ = p.column;
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
  // A bounded excerpt; invalid UTF-8 is shown with replacement characters.
  if (position.line > 0) SetSourceLine(d, Line(position.line));
  return d;
}

}  // namespace framework
