#include "framework/table.h"

#include <unicode/brkiter.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "framework/text.h"
#include "parallel.h"
#include "test_hooks.h"

namespace framework {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max() / 4;

bool IsC1Control(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xC2 && i + 1 < text.size() &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
         static_cast<unsigned char>(text[i + 1]) <= 0x9F;
}

bool NeedsCleaning(std::string_view text) {
  // Eight bytes at a time while they are all printable ASCII (no control, DEL or high byte).
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    const std::uint64_t below_space = (x - 0x20 * kOnes) & ~x & kHigh;  // bytes < 0x20
    const std::uint64_t del = ((x ^ (0x7F * kOnes)) - kOnes) & ~(x ^ (0x7F * kOnes)) & kHigh;
    if ((below_space | del | (x & kHigh)) != 0) break;
  }
  if (i == text.size()) return false;
  bool ascii = true;
  for (; i < text.size(); ++i) {
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if ((b < 0x20 && b != '\n') || b == 0x7F) return true;
      continue;
    }
    ascii = false;
    if (IsC1Control(text, i)) return true;
  }
  return !ascii && !IsValidUtf8(text);
}

// Text that cannot move the cursor or start an escape sequence: a terminal must show exactly what
// DisplayWidth measured, or the borders stop lining up. Returns `text` itself when it is clean.
std::string_view CleanText(std::string_view text, std::string& storage) {
  if (!NeedsCleaning(text)) return text;
  std::string valid = SanitizeUtf8(text);
  storage.clear();
  storage.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    char c = valid[i];
    if (c == '\t' || c == '\v' || c == '\f') {
      storage.push_back(' ');
    } else if (c == '\r') {
      if (i + 1 < valid.size() && valid[i + 1] == '\n') continue;
      storage.push_back('\n');
    } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7F) {
      storage.append(kReplacement);
    } else if (IsC1Control(valid, i)) {
      storage.append(kReplacement);
      ++i;
    } else {
      storage.push_back(c);
    }
  }
  return storage;
}

// Length in bytes of the hard line break (LF, U+2028, U+2029) that ends `text`, or 0.
std::size_t HardBreakLength(std::string_view text) {
  if (text.ends_with('\n')) return 1;
  if (text.ends_with("\xE2\x80\xA8") || text.ends_with("\xE2\x80\xA9")) return 3;
  return 0;
}

// The line and grapheme-cluster iterators of this thread, pointed at one UTF-8 text for the
// lifetime of this object. Boundaries are byte offsets into that text.
class Breaks {
 public:
  explicit Breaks(std::string_view text) : bytes_(text) {
    UErrorCode status = U_ZERO_ERROR;
    thread_local std::unique_ptr<icu::BreakIterator> line(
        icu::BreakIterator::createLineInstance(icu::Locale::getRoot(), status));
    status = U_ZERO_ERROR;
    thread_local std::unique_ptr<icu::BreakIterator> clusters(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    status = U_ZERO_ERROR;
    utext_openUTF8(&text_, text.data(), static_cast<int64_t>(text.size()), &status);
    if (U_FAILURE(status) || !line || !clusters) return;
    line->setText(&text_, status);
    clusters->setText(&text_, status);
    if (U_FAILURE(status)) {
      Detach(line.get(), clusters.get());
      return;
    }
    line_ = line.get();
    clusters_ = clusters.get();
    line_->first();
  }
  ~Breaks() {
    Detach(line_, clusters_);
    utext_close(&text_);
  }
  Breaks(const Breaks&) = delete;
  Breaks& operator=(const Breaks&) = delete;

  bool ok() const { return line_ != nullptr; }

  // The next line-break opportunity that is also a grapheme cluster boundary (UAX #14 allows a
  // break between a space and a combining mark, which UAX #29 keeps together), or -1 at the end.
  int32_t NextLineBreak(bool& hard) {
    for (int32_t b = line_->next(); b != icu::BreakIterator::DONE; b = line_->next()) {
      int32_t status = line_->getRuleStatus();
      hard = status >= UBRK_LINE_HARD && status < UBRK_LINE_HARD_LIMIT;
      if (hard) return b;
      if (clusters_->isBoundary(b) && !InsideRange(b)) return b;
    }
    return -1;
  }

  // True for a break on either side of the hyphen of a number range such as "L65-67" or
  // "2019-2020", which UAX #14 allows before a hyphen followed by a digit: a line reference
  // split over two lines reads as two.
  bool InsideRange(int32_t b) const {
    auto digit = [&](int32_t i) {
      return i >= 0 && i < static_cast<int32_t>(bytes_.size()) &&
             bytes_[static_cast<std::size_t>(i)] >= '0' &&
             bytes_[static_cast<std::size_t>(i)] <= '9';
    };
    auto hyphen = [&](int32_t i) {
      return i >= 0 && i < static_cast<int32_t>(bytes_.size()) &&
             bytes_[static_cast<std::size_t>(i)] == '-';
    };
    return (digit(b - 1) && hyphen(b) && digit(b + 1)) ||
           (hyphen(b - 1) && digit(b) && digit(b - 2));
  }

  // True when a grapheme cluster starts (or the text ends) at byte `offset`.
  bool IsClusterBoundary(int32_t offset) {
    return offset >= static_cast<int32_t>(bytes_.size()) || clusters_->isBoundary(offset);
  }

  // The end of the grapheme cluster that starts at `offset`.
  int32_t NextCluster(int32_t offset) { return clusters_->following(offset); }

 private:
  static void Detach(icu::BreakIterator* line, icu::BreakIterator* clusters) {
    // The iterators outlive the text: leave them pointing at nothing.
    if (line) line->setText(icu::UnicodeString());
    if (clusters) clusters->setText(icu::UnicodeString());
  }

  UText text_ = UTEXT_INITIALIZER;
  icu::BreakIterator* line_ = nullptr;
  icu::BreakIterator* clusters_ = nullptr;
  std::string_view bytes_;
};

// Greedy filling of lines, one break-delimited piece ("word   ") at a time.
class LineFiller {
 public:
  // `plain`: the text is plain prose (IsPlainProse), every code point one column wide.
  // `sink`, when given, receives each line as it is made, and none is kept.
  explicit LineFiller(std::size_t width, bool plain = false, const LineSink* sink = nullptr)
      : width_(width), plain_(plain), sink_(sink) {}

  // A piece of text: its visible part `body` and the `spaces` that follow it.
  void Add(std::string_view body, std::size_t spaces, Breaks* breaks, int32_t body_offset) {
    if (body.empty()) {  // only spaces: kept between words and as indentation
      line_.append(spaces, ' ');
      line_width_ += spaces;
      return;
    }
    std::size_t body_width = Width(body);
    // UAX #14 keeps some spaces unbreakable (after a closing quote, before an opening bracket);
    // a piece too wide for any line is broken at those spaces before inside a word.
    if (body_width > width_) {
      std::size_t space = body.find(' ');
      std::size_t next = space == std::string_view::npos ? body.size() : space;
      while (next < body.size() && body[next] == ' ') ++next;
      bool boundary =
          space != std::string_view::npos && space > 0 &&
          (breaks == nullptr
               ? next >= body.size() || static_cast<unsigned char>(body[next]) < 0x80
               : breaks->IsClusterBoundary(body_offset + static_cast<int32_t>(space)) &&
                     breaks->IsClusterBoundary(body_offset + static_cast<int32_t>(next)));
      if (boundary) {
        Add(body.substr(0, space), next - space, breaks, body_offset);
        if (next < body.size())
          Add(body.substr(next), spaces, breaks, body_offset + static_cast<int32_t>(next));
        return;
      }
    }
    if (line_width_ + body_width > width_) {
      if (has_content_)
        Emit();
      else
        Clear();  // indentation that leaves no room for the word
      if (body_width > width_) {
        AddSplit(body, breaks, body_offset);
        body = {};
        body_width = 0;
      }
    }
    line_.append(body);
    line_width_ += body_width;
    line_.append(spaces, ' ');
    line_width_ += spaces;
    has_content_ = true;
  }

  void HardBreak() { Emit(); }

  std::vector<std::string> Finish() {
    if (has_content_ || emitted_ == 0) Emit();
    return std::move(lines_);
  }

 private:
  // A word wider than the line, split between grapheme clusters; the last part stays open.
  void AddSplit(std::string_view word, Breaks* breaks, int32_t offset) {
    for (std::size_t i = 0; i < word.size();) {
      std::size_t end = word.size();
      if (breaks) {
        int32_t next = breaks->NextCluster(offset + static_cast<int32_t>(i));
        if (next != icu::BreakIterator::DONE)
          end = std::min(end, static_cast<std::size_t>(next - offset));
      } else {  // no ICU: one code point at a time
        end = i + 1;
        while (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) ++end;
      }
      if (end <= i) end = word.size();
      std::string_view cluster = word.substr(i, end - i);
      std::size_t w = Width(cluster);
      if (has_content_ && line_width_ + w > width_) Emit();
      line_.append(cluster);
      line_width_ += w;
      has_content_ = true;
      i = end;
    }
  }

  std::size_t Width(std::string_view text) const {
    return plain_ ? CountCodePoints(text) : DisplayWidth(text);
  }

  void Emit() {
    while (!line_.empty() && line_.back() == ' ') line_.pop_back();
    ++emitted_;
    if (sink_)
      (*sink_)(line_);
    else
      lines_.push_back(std::move(line_));
    Clear();
  }

  void Clear() {
    line_.clear();
    line_width_ = 0;
    has_content_ = false;
  }

  std::size_t width_;
  bool plain_;
  const LineSink* sink_;
  std::size_t emitted_ = 0;
  std::vector<std::string> lines_;
  std::string line_;
  std::size_t line_width_ = 0;  // including trailing spaces: they separate it from the next word
  bool has_content_ = false;
};

void AddPiece(LineFiller& filler, std::string_view text, std::size_t start, std::size_t end,
              bool hard, Breaks* breaks) {
  std::string_view piece = text.substr(start, end - start);
  if (hard) piece.remove_suffix(HardBreakLength(piece));
  std::size_t body_end = piece.size();
  while (body_end > 0 && piece[body_end - 1] == ' ') --body_end;
  filler.Add(piece.substr(0, body_end), piece.size() - body_end, breaks,
             static_cast<int32_t>(start));
  if (hard) filler.HardBreak();
}

// Clean `text` (no control character but '\n') as its one line when it fits `width` and holds no
// hard line break: then no break opportunity is taken and the filler would give the text itself
// less its trailing spaces (every piece's width adds up to the whole's, as pieces end at grapheme
// cluster boundaries). Without ICU's iterators, which cost far more than the line.
std::optional<std::string_view> OneLine(std::string_view text, std::size_t width) {
  if (text.find('\n') != std::string_view::npos ||
      text.find("\xE2\x80\xA8") != std::string_view::npos ||
      text.find("\xE2\x80\xA9") != std::string_view::npos)
    return std::nullopt;
  // Display width is at least a column per 3 bytes of non-zero-width text, and at most one per
  // byte: a text of more bytes than 3 * width may still fit, so measure unless it plainly can't.
  if (text.size() > 4 * width + 16 && DisplayWidth(text.substr(0, 4 * width + 16)) > width)
    return std::nullopt;
  if (DisplayWidth(text) > width) return std::nullopt;
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == ' ') --end;
  return text.substr(0, end);
}

// Line breaking without ICU, for the plain prose most cells hold (letters, digits, spaces and
// common punctuation). A text qualifies when every byte is in the alphabet below and every word
// (a run of non-spaces) has a shape whose break opportunities UAX #14 (as ICU gives them) leaves
// in no doubt: then WrapText's breaks are exactly the ends of the runs of spaces and the ends of
// the hyphens between two letters (and the end of the text), each a grapheme cluster boundary
// (every character here is a cluster of its own) and none inside a number range. Anything else
// goes to ICU. tests/table_test.cc compares the two on generated texts.
//
// The word shapes, by UAX #14 class (ASCII letters and U+2022 BULLET are AL, digits NU):
//   - a word starts with AL, NU or OP ('(' '['): after spaces, LB13 keeps CL, CP, EX, IS, SY
//     with the word before, LB20a (Unicode 15.1) a word-initial hyphen with the word after, and
//     a quote (LB15, LB19) is left to ICU;
//   - inside a word: AL and NU are followed by AL, NU, IS, EX, OP, CP (LB23, LB28, LB30, LB13);
//     IS ('.' ',' ';' ':') by AL, IS, CP or EX (LB29, LB13), or NU after NU (LB25: "1.5");
//     EX ('!' '?') by IS, CP or EX only; CP (')' ']') by AL, NU, IS, CP, EX (LB30, LB13); OP by
//     AL or NU (LB14);
//   - a hyphen (HY) only between two digits (a range such as "L65-67": whatever ICU allows
//     around it, InsideRange drops) or two ASCII letters ("e-learning": a break after it only,
//     LB21); an apostrophe (QU) only between two ASCII letters (LB19: no break either side);
//   - a word never ends with OP (LB14: OP SP* x);
//   - U+2014 EM DASH (B2) only as a word of its own, and never the next word after another
//     (LB17: B2 SP* x B2).
enum PlainClass : unsigned char {
  kPlainNone,    // not in the alphabet
  kPlainSpace,   // ' '
  kPlainLetter,  // AL: A-Z a-z (and U+2022, decoded apart)
  kPlainDigit,   // NU
  kPlainInfix,   // IS: . , ; :
  kPlainExclam,  // EX: ! ?
  kPlainOpen,    // OP: ( [
  kPlainClose,   // CP: ) ]
  kPlainHyphen,  // HY: -
  kPlainQuote,   // QU: '
  kPlainDash,    // B2: U+2014, decoded apart
};

constexpr std::array<PlainClass, 128> MakePlainClasses() {
  std::array<PlainClass, 128> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kPlainLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = kPlainLetter;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = kPlainDigit;
  t[' '] = kPlainSpace;
  t['.'] = t[','] = t[';'] = t[':'] = kPlainInfix;
  t['!'] = t['?'] = kPlainExclam;
  t['('] = t['['] = kPlainOpen;
  t[')'] = t[']'] = kPlainClose;
  t['-'] = kPlainHyphen;
  t['\''] = kPlainQuote;
  return t;
}
constexpr std::array<PlainClass, 128> kPlainClass = MakePlainClasses();

// Whether `next` may follow `prev` inside a word, `before` being the class before `prev` (see
// above); hyphens and apostrophes are checked with the byte after them by the caller.
constexpr bool PlainFollows(PlainClass before, PlainClass prev, PlainClass next) {
  switch (prev) {
    case kPlainLetter:
    case kPlainDigit:
      return next != kPlainDash && next != kPlainSpace && next != kPlainNone;
    case kPlainInfix:
      return next == kPlainLetter || next == kPlainInfix || next == kPlainClose ||
             next == kPlainExclam || (next == kPlainDigit && before == kPlainDigit);
    case kPlainExclam:
      return next == kPlainInfix || next == kPlainClose || next == kPlainExclam;
    case kPlainClose:
      return next == kPlainLetter || next == kPlainDigit || next == kPlainInfix ||
             next == kPlainClose || next == kPlainExclam;
    case kPlainOpen:
      return next == kPlainLetter || next == kPlainDigit;
    case kPlainHyphen:
      return next == before && (next == kPlainDigit || next == kPlainLetter);
    case kPlainQuote:
      return next == kPlainLetter;
    default:
      return false;
  }
}

// The display width of `text` (its code points, each one column wide) when it qualifies for the
// plain line breaking above, else -1.
long PlainProseWidth(std::string_view text) {
  const std::size_t n = text.size();
  PlainClass before = kPlainSpace, prev = kPlainSpace;  // the classes before i
  bool last_word_dash = false, word_dash = false;
  long width = 0;
  for (std::size_t i = 0; i < n;) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    PlainClass c;
    std::size_t len = 1;
    if (b < 0x80) {
      c = kPlainClass[b];
      if (c == kPlainNone) return -1;
    } else if (b == 0xE2 && i + 2 < n && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA2 ||
                static_cast<unsigned char>(text[i + 2]) == 0x94)) {
      c = static_cast<unsigned char>(text[i + 2]) == 0xA2 ? kPlainLetter : kPlainDash;
      len = 3;
    } else {
      return -1;
    }
    if (c == kPlainSpace) {
      if (prev == kPlainOpen) return -1;  // a word ending with OP
      if (prev != kPlainSpace) {
        last_word_dash = word_dash;
        word_dash = false;
      }
    } else if (prev == kPlainSpace) {  // a word starts
      if (c == kPlainDash) {
        if (last_word_dash) return -1;
        word_dash = true;
      } else if (c != kPlainLetter && c != kPlainDigit && c != kPlainOpen) {
        return -1;
      }
    } else if (!PlainFollows(before, prev, c)) {
      return -1;
    }
    if (c == kPlainHyphen || c == kPlainQuote) {
      // Between two digits or two ASCII letters (a hyphen), two ASCII letters (an apostrophe).
      if (i + 1 >= n || len != 1 || (i > 0 && static_cast<unsigned char>(text[i - 1]) >= 0x80))
        return -1;
      const unsigned char after = static_cast<unsigned char>(text[i + 1]);
      const PlainClass want = c == kPlainQuote ? kPlainLetter : prev;
      if (prev != want || after >= 0x80 || kPlainClass[after] != want) return -1;
    }
    before = prev;
    prev = c;
    i += len;
    ++width;
    if (c == kPlainLetter || c == kPlainDigit) {
      // The rest of a run of ASCII letters and digits: each may follow the one before.
      auto alnum = [&](std::size_t k) {
        const unsigned char a = static_cast<unsigned char>(text[k]);
        return a < 0x80 && (kPlainClass[a] == kPlainLetter || kPlainClass[a] == kPlainDigit);
      };
      std::size_t j = i;
      while (j < n && alnum(j)) ++j;
      if (j > i) {
        before = j - i >= 2 ? kPlainClass[static_cast<unsigned char>(text[j - 2])] : c;
        prev = kPlainClass[static_cast<unsigned char>(text[j - 1])];
        width += static_cast<long>(j - i);
        i = j;
      }
    }
  }
  return prev != kPlainOpen ? width : -1;
}

bool IsPlainProse(std::string_view text) { return PlainProseWidth(text) >= 0; }

// Whether WrapText breaks plain prose before byte `i` (0 < i < text.size()).
bool PlainBreakBefore(std::string_view text, std::size_t i) {
  const char c = text[i], p = text[i - 1];
  return (p == ' ' && c != ' ') || (p == '-' && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')));
}

// -------------------------------------------------------------------------------------------------
// Tables

struct Border {
  std::string_view horizontal, vertical;
  std::string_view top_left, top_mid, top_right;
  std::string_view mid_left, mid_mid, mid_right;
  std::string_view bottom_left, bottom_mid, bottom_right;
};

constexpr Border kUnicodeBorder{"─", "│", "┌", "┬", "┐", "├", "┼", "┤", "└", "┴", "┘"};
constexpr Border kAsciiBorder{"-", "|", "+", "+", "+", "+", "+", "+", "+", "+", "+"};

std::string_view StyleCode(CellStyle style) {
  switch (style) {
    case CellStyle::kNormal:
      return {};
    case CellStyle::kHeader:
    case CellStyle::kEmphasis:
      return "\x1b[1m";
    case CellStyle::kDim:
      return "\x1b[2m";
    case CellStyle::kWarning:
      return "\x1b[33m";
    case CellStyle::kError:
      return "\x1b[31m";
  }
  return {};
}

using CellLines = std::vector<std::string>;

// The widest a grapheme cluster can be (DisplayWidth: the widest of its code points).
constexpr std::size_t kWidestCluster = 2;

std::string_view CellText(const std::vector<TableCell>& row, std::size_t c) {
  return c < row.size() ? std::string_view(row[c].text) : std::string_view();
}

struct Layout {
  std::vector<std::size_t> widths;           // content width of each column
  std::vector<CellLines> header;             // wrapped header cells (empty when no header)
  std::vector<std::vector<CellLines>> rows;  // wrapped body cells, every row has every column
};

std::size_t WidthOf(const std::vector<std::size_t>& widths) {
  if (widths.empty()) return 0;
  std::size_t total = 1;                        // the left border
  for (std::size_t w : widths) total += w + 3;  // padding, content, padding, border
  return total;
}

// Pass one: the widths of the columns before any cell is wrapped. Fixed columns take their widest
// line; the others share what is left. Sets `*streamable` when no wrapped cell can widen its
// column: then each row can be wrapped as it is drawn (a line is never wider than its column when
// the column is at least as wide as every grapheme cluster, 2 columns at most).
std::vector<std::size_t> ColumnWidths(const std::vector<TableCell>& header,
                                      const std::vector<std::vector<TableCell>>& rows,
                                      const TableOptions& options, bool* streamable) {
  std::size_t columns = header.size();
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<std::size_t> widths;
  *streamable = true;
  if (columns == 0) return widths;
  auto is_fixed = [&](std::size_t c) { return c < options.fixed.size() && options.fixed[c]; };

  // Fixed columns first: what they take decides what the others share.
  widths.assign(columns, 0);
  std::size_t fixed_total = 0, wrapped = 0;
  for (std::size_t c = 0; c < columns; ++c) {
    if (!is_fixed(c)) {
      ++wrapped;
      continue;
    }
    for (const std::string& line : WrapText(CellText(header, c), kUnlimited))
      widths[c] = std::max(widths[c], DisplayWidth(line));
    for (const auto& row : rows)
      for (const std::string& line : WrapText(CellText(row, c), kUnlimited))
        widths[c] = std::max(widths[c], DisplayWidth(line));
    fixed_total += widths[c];
  }
  if (wrapped > 0) {
    std::size_t used = WidthOf(std::vector<std::size_t>(columns, 0)) + fixed_total;
    std::size_t left = options.width > used ? options.width - used : 0;
    std::size_t share = left / wrapped, extra = left % wrapped;
    for (std::size_t c = 0; c < columns; ++c) {
      if (is_fixed(c)) continue;
      widths[c] = std::max(share + (extra > 0 ? 1 : 0), options.min_column);
      if (extra > 0) --extra;
      if (widths[c] < kWidestCluster) *streamable = false;
    }
  }
  return widths;
}

// One row's cells wrapped to `widths` (fixed columns unwrapped), every column present.
std::vector<CellLines> WrapRow(const std::vector<TableCell>& row,
                               const std::vector<std::size_t>& widths,
                               const TableOptions& options) {
  std::vector<CellLines> cells(widths.size());
  for (std::size_t c = 0; c < widths.size(); ++c) {
    const bool fixed = c < options.fixed.size() && options.fixed[c];
    cells[c] = WrapText(CellText(row, c), fixed ? kUnlimited : widths[c]);
  }
  return cells;
}

// Every cell wrapped before any is drawn, for columns a cell may widen (a grapheme cluster wider
// than a very narrow column): rows are wrapped in turn, each with the widths the rows before it
// left.
Layout MakeLayout(const std::vector<TableCell>& header,
                  const std::vector<std::vector<TableCell>>& rows, const TableOptions& options) {
  Layout layout;
  bool streamable = true;
  layout.widths = ColumnWidths(header, rows, options, &streamable);
  if (layout.widths.empty()) return layout;
  auto wrap_row = [&](const std::vector<TableCell>& row) {
    std::vector<CellLines> cells = WrapRow(row, layout.widths, options);
    // Only a cluster wider than a very narrow column can overflow it; widen rather than
    // misalign.
    for (std::size_t c = 0; c < cells.size(); ++c)
      for (const std::string& line : cells[c])
        layout.widths[c] = std::max(layout.widths[c], DisplayWidth(line));
    return cells;
  };
  if (!header.empty()) layout.header = wrap_row(header);
  layout.rows.reserve(rows.size());
  for (const auto& row : rows) layout.rows.push_back(wrap_row(row));
  return layout;
}

// A horizontal rule, e.g. "├──────┼──────┤\n".
std::string Rule(const std::vector<std::size_t>& widths, std::string_view left,
                 std::string_view mid, std::string_view right, std::string_view horizontal) {
  std::string out(left);
  for (std::size_t c = 0; c < widths.size(); ++c) {
    if (c > 0) out.append(mid);
    for (std::size_t i = 0; i < widths[c] + 2; ++i) out.append(horizontal);
  }
  out.append(right);
  out.push_back('\n');
  return out;
}

void AppendRow(std::string& out, const std::vector<std::size_t>& widths,
               const std::vector<CellLines>& cells, const std::vector<TableCell>& source,
               const TableOptions& options, const Border& border) {
  std::size_t height = 1;
  for (const CellLines& lines : cells) height = std::max(height, lines.size());
  for (std::size_t i = 0; i < height; ++i) {
    out.append(border.vertical);
    for (std::size_t c = 0; c < widths.size(); ++c) {
      std::string_view text = i < cells[c].size() ? std::string_view(cells[c][i]) : "";
      std::string_view code =
          options.color && c < source.size() ? StyleCode(source[c].style) : std::string_view();
      out.push_back(' ');
      if (!code.empty() && !text.empty()) {
        out.append(code);
        out.append(text);
        out.append("\x1b[0m");
      } else {
        out.append(text);
      }
      std::size_t w = DisplayWidth(text);
      out.append(widths[c] > w ? widths[c] - w : 0, ' ');
      out.push_back(' ');
      out.append(border.vertical);
    }
    out.push_back('\n');
  }
}

}  // namespace

namespace {

// Calls `piece(start, end, hard, breaks)` for each piece of clean, non-empty `text` between two
// line-break opportunities that WrapText may take (`hard` for a hard line break; `breaks` the
// ICU iterators, or null), in order: plain prose without ICU when `plain_allowed`.
template <typename Piece>
void ForEachPiece(std::string_view text, bool plain, Piece&& piece) {
  if (plain) {
    std::size_t start = 0;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (PlainBreakBefore(text, i)) {
        piece(start, i, false, nullptr);
        start = i;
      }
    }
    piece(start, text.size(), false, nullptr);
    return;
  }
  Breaks breaks(text);
  if (breaks.ok()) {
    std::size_t start = 0;
    bool hard = false;
    for (int32_t end = breaks.NextLineBreak(hard); end >= 0; end = breaks.NextLineBreak(hard)) {
      piece(start, static_cast<std::size_t>(end), hard, &breaks);
      start = static_cast<std::size_t>(end);
    }
    return;
  }
  // Without ICU data: break after spaces and at '\n' only.
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool hard = text[i] == '\n';
    bool soft = text[i] == ' ' && (i + 1 == text.size() || text[i + 1] != ' ');
    if (hard || soft || i + 1 == text.size()) {
      piece(start, i + 1, hard, nullptr);
      start = i + 1;
    }
  }
}

// WrapText's lines, or nothing with them handed to `sink` instead.
std::vector<std::string> Wrap(std::string_view text, std::size_t width, bool plain_allowed,
                              const LineSink* sink = nullptr) {
  auto one = [&](std::string_view line) -> std::vector<std::string> {
    if (!sink) return {std::string(line)};
    (*sink)(line);
    return {};
  };
  std::string storage;
  text = CleanText(text, storage);
  width = std::max<std::size_t>(width, 1);
  // Plain prose holds no hard line break and is as wide as its code points: OneLine's test is
  // its width.
  const long plain_width = plain_allowed ? PlainProseWidth(text) : -1;
  if (plain_width >= 0 && static_cast<std::size_t>(plain_width) <= width) {
    std::size_t end = text.size();
    while (end > 0 && text[end - 1] == ' ') --end;
    return one(text.substr(0, end));
  }
  if (plain_width < 0)
    if (std::optional<std::string_view> line = OneLine(text, width)) return one(*line);
  LineFiller filler(width, plain_width >= 0, sink);
  if (text.empty()) return filler.Finish();
  ForEachPiece(text, plain_width >= 0,
               [&](std::size_t start, std::size_t end, bool hard, Breaks* breaks) {
                 AddPiece(filler, text, start, end, hard, breaks);
               });
  return filler.Finish();
}

}  // namespace

std::vector<std::string> WrapText(std::string_view text, std::size_t width) {
  return Wrap(text, width, true);
}

void WrapText(std::string_view text, std::size_t width, const LineSink& line) {
  Wrap(text, width, true, &line);
}

std::vector<std::string> WrapTextWithIcu(std::string_view text, std::size_t width) {
  return Wrap(text, width, false);
}

bool IsPlainProseForTest(std::string_view text) {
  std::string storage;
  return IsPlainProse(CleanText(text, storage));
}

std::vector<std::size_t> LineBreaksForTest(std::string_view text, bool with_icu) {
  std::string storage;
  text = CleanText(text, storage);
  std::vector<std::size_t> ends;
  if (text.empty()) return ends;
  ForEachPiece(text, !with_icu && IsPlainProse(text),
               [&](std::size_t, std::size_t end, bool, Breaks*) { ends.push_back(end); });
  return ends;
}

std::string PadToWidth(std::string_view text, std::size_t width, bool right) {
  std::size_t w = DisplayWidth(text);
  std::string out;
  std::size_t pad = width > w ? width - w : 0;
  out.reserve(text.size() + pad);
  if (right) out.append(pad, ' ');
  out.append(text);
  if (!right) out.append(pad, ' ');
  return out;
}

void AppendTable(const std::vector<TableCell>& header,
                 const std::vector<std::vector<TableCell>>& rows, const TableOptions& options,
                 std::string& out) {
  AppendTable(header, rows, options, out, {});
}

void AppendTable(const std::vector<TableCell>& header,
                 const std::vector<std::vector<TableCell>>& rows, const TableOptions& options,
                 std::string& out, const std::function<void(std::string&)>& after_row) {
  bool streamable = true;
  std::vector<std::size_t> widths = ColumnWidths(header, rows, options, &streamable);
  if (widths.empty()) return;
  Layout layout;
  if (!streamable) {
    layout = MakeLayout(header, rows, options);
    widths = layout.widths;
  }
  // The wrapped cells of header row `r` (-1), from the layout or wrapped now.
  auto cells = [&](std::size_t r, bool is_header) {
    if (!streamable) return is_header ? layout.header : layout.rows[r];
    return WrapRow(is_header ? header : rows[r], widths, options);
  };
  const Border& b = options.unicode ? kUnicodeBorder : kAsciiBorder;
  const std::string mid = Rule(widths, b.mid_left, b.mid_mid, b.mid_right, b.horizontal);
  out += Rule(widths, b.top_left, b.top_mid, b.top_right, b.horizontal);
  if (!header.empty()) {
    AppendRow(out, widths, cells(0, true), header, options, b);
    if (!rows.empty()) out += mid;
  }
  // With more than one job, the rows are wrapped a block at a time on the threads, then drawn
  // here in order.
  const unsigned jobs = streamable ? ResolveJobs(options.jobs) : 1;
  const std::size_t block = jobs > 1 ? std::size_t{64} * jobs : 0;
  std::vector<std::vector<CellLines>> wrapped;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (block > 0 && r % block == 0) {
      wrapped.assign(std::min(block, rows.size() - r), {});
      ParallelFor(wrapped.size(), jobs,
                  [&](std::size_t i) { wrapped[i] = WrapRow(rows[r + i], widths, options); });
    }
    if (r > 0) out += mid;
    if (block > 0)
      AppendRow(out, widths, wrapped[r % block], rows[r], options, b);
    else
      AppendRow(out, widths, cells(r, false), rows[r], options, b);
    if (after_row) after_row(out);
  }
  out += Rule(widths, b.bottom_left, b.bottom_mid, b.bottom_right, b.horizontal);
}

std::string RenderTable(const std::vector<TableCell>& header,
                        const std::vector<std::vector<TableCell>>& rows,
                        const TableOptions& options) {
  std::string out;
  AppendTable(header, rows, options, out);
  return out;
}

std::size_t TableWidth(const std::vector<TableCell>& header,
                       const std::vector<std::vector<TableCell>>& rows,
                       const TableOptions& options) {
  bool streamable = true;
  std::vector<std::size_t> widths = ColumnWidths(header, rows, options, &streamable);
  return WidthOf(streamable ? widths : MakeLayout(header, rows, options).widths);
}

}  // namespace framework
