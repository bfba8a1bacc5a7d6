#include "framework/text.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <simdjson.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>

#include "framework/hash.h"
#include "test_hooks.h"

namespace framework {

bool IsAscii(std::string_view text) {
  // Eight bytes at a time: no byte has its top bit set.
  std::size_t i = 0;
  std::uint64_t any = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    any |= word;
  }
  for (; i < text.size(); ++i) any |= static_cast<unsigned char>(text[i]);
  return (any & 0x8080808080808080ull) == 0;
}

namespace {

// Decodes the code point at `i`, advancing `i`; returns a negative value for invalid input.
UChar32 NextCodePoint(std::string_view text, std::size_t& i) {
  UChar32 c;
  int32_t pos = static_cast<int32_t>(i);
  U8_NEXT(text.data(), pos, static_cast<int32_t>(text.size()), c);
  i = static_cast<std::size_t>(pos);
  return c;
}

std::vector<UChar32> CodePoints(std::string_view text) {
  std::vector<UChar32> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) out.push_back(NextCodePoint(text, i));
  return out;
}

int CodePointWidth(UChar32 c) {
  if (c < 0) return 1;
  if (c == 0x200D) return 0;  // zero-width joiner
  if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF)) return 0;  // selectors
  int8_t category = static_cast<int8_t>(u_charType(c));
  if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK || category == U_FORMAT_CHAR ||
      category == U_CONTROL_CHAR)
    return 0;
  int eaw = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
  if (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH) return 2;
  if (u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION)) return 2;
  return 1;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

std::vector<std::size_t> FindInvalidUtf8(std::string_view text, std::size_t limit) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < text.size() && out.size() < limit;) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t start = i;
    if (NextCodePoint(text, i) < 0) out.push_back(start);
  }
  return out;
}

std::string SanitizeUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    std::size_t start = i;
    if (NextCodePoint(text, i) < 0)
      out += "\xEF\xBF\xBD";
    else
      out.append(text.substr(start, i - start));
  }
  return out;
}

std::size_t CountCharacters(std::string_view text) {
  if (IsValidUtf8(text)) return CountCodePoints(text);
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) NextCodePoint(text, i);
  return n;
}

std::size_t CountCodePoints(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string ToNfc(std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !IsValidUtf8(text)) return std::string(text);
  icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return std::string(text);
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  if (U_FAILURE(status)) return std::string(text);
  return out;
}

void MakeNfc(std::string& text) {
  if (IsAscii(text)) return;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !IsValidUtf8(text)) return;
  icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return;
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  nfc->normalizeUTF8(0, piece, sink, nullptr, status);
  if (U_SUCCESS(status)) text = std::move(out);
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  ForEachCollapsedByte(text, [&](char c) { out.push_back(c); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return text;
}

namespace {

// The width of code point `c` when it is a grapheme cluster on its own whatever comes before or
// after it, i.e. its Grapheme_Cluster_Break is Other (UAX #29 GB999: nothing joins it to a
// neighbour that is Other too; every rule that keeps two code points together needs a control,
// Extend, ZWJ, SpacingMark, Prepend, Hangul jamo or regional indicator on one side), or -1.
int SoloWidth(UChar32 c) {
  if (u_getIntPropertyValue(c, UCHAR_GRAPHEME_CLUSTER_BREAK) != U_GCB_OTHER) return -1;
  return CodePointWidth(c);
}

// SoloWidth of the Basic Multilingual Plane, worked out as each code point is first met: 0 not
// yet known, 1 not solo, else the width + 2. Relaxed atomics: two threads may both work one out,
// and store the same value.
std::array<std::atomic<std::int8_t>, 0x10000> solo_widths{};

int CachedSoloWidth(UChar32 c) {
  if (c > 0xFFFF) return SoloWidth(c);
  std::atomic<std::int8_t>& slot = solo_widths[static_cast<std::size_t>(c)];
  std::int8_t v = slot.load(std::memory_order_relaxed);
  if (v == 0) {
    const int w = SoloWidth(c);
    v = static_cast<std::int8_t>(w < 0 ? 1 : w + 2);
    slot.store(v, std::memory_order_relaxed);
  }
  return v == 1 ? -1 : v - 2;
}

// DisplayWidth of valid UTF-8 whose every code point is solo (each its own cluster, so a
// cluster's width is its code point's), or -1 for anything else: an invalid sequence, a control
// character, a combining mark, a joiner, a flag.
long SoloDisplayWidth(std::string_view text) {
  long width = 0;
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7F) return -1;
      ++width;
      ++i;
      continue;
    }
    const UChar32 c = NextCodePoint(text, i);
    if (c < 0) return -1;
    const int w = CachedSoloWidth(c);
    if (w < 0) return -1;
    width += w;
  }
  return width;
}

std::size_t DisplayWidthByClusters(std::string_view text);

}  // namespace

std::size_t DisplayWidth(std::string_view text) {
  if (IsAscii(text)) {
    std::size_t n = 0;
    for (char c : text) n += static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
    return n;
  }
  if (const long w = SoloDisplayWidth(text); w >= 0) return static_cast<std::size_t>(w);
  return DisplayWidthByClusters(text);
}

std::size_t DisplayWidthWithIcu(std::string_view text) {
  if (IsAscii(text)) return DisplayWidth(text);
  return DisplayWidthByClusters(text);
}

namespace {

std::size_t DisplayWidthByClusters(std::string_view text) {
  // Per grapheme cluster (ICU): the widest of its code points, where an emoji presentation
  // selector, a regional indicator (flags) or a pictograph joined by ZWJ makes it 2.
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> clusters(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  std::string valid = SanitizeUtf8(text);
  status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, valid.data(), static_cast<int64_t>(valid.size()), &status);
  if (!clusters || U_FAILURE(status)) {
    if (ut) utext_close(ut);
    return CountCodePoints(valid);
  }
  clusters->setText(ut, status);
  std::size_t width = 0;
  int32_t start = clusters->first();
  for (int32_t end = clusters->next(); end != icu::BreakIterator::DONE;
       start = end, end = clusters->next()) {
    int cluster = 0;
    std::string_view part(valid.data() + start, static_cast<std::size_t>(end - start));
    for (std::size_t i = 0; i < part.size();) {
      UChar32 c = NextCodePoint(part, i);
      int w = CodePointWidth(c);
      if (c == 0xFE0F || u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR)) w = 2;
      cluster = std::max(cluster, w);
    }
    width += static_cast<std::size_t>(cluster);
  }
  clusters->setText(icu::UnicodeString());
  utext_close(ut);
  return width;
}

}  // namespace

namespace {

// CountWords for ASCII text without '_' (ICU's ExtendNumLet, whose lone runs are no word but
// whose pairs are): what ICU's word rules (UAX #29) count there, without ICU. A word is a run of
// letters (and '@', an ICU letter) and digits (WB5, WB8-10), and two runs are one word across a
// single '.' or '\'' between two letters (WB6-7; ICU leaves ':' out of MidLetter) or a single ',',
// ';', '.' or
// '\'' between two digits (WB11-12). tests/text_test.cc compares it with ICU.
std::size_t CountAsciiWords(std::string_view text) {
  auto kind = [](unsigned char c) {  // 1 letter (ICU counts '@' one), 2 digit, 0 other
    const unsigned lower = c | 0x20u;
    if ((lower >= 'a' && lower <= 'z') || c == '@') return 1;
    return c >= '0' && c <= '9' ? 2 : 0;
  };
  std::size_t words = 0;
  int before = 0;  // kind of the byte before
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int k = kind(c);
    if (k) {
      words += before == 0;
      before = k;
      continue;
    }
    if (before && i + 1 < n) {
      const int after = kind(static_cast<unsigned char>(text[i + 1]));
      const bool joins =
          after == before && (c == '.' || c == '\'' || (before == 2 && (c == ',' || c == ';')));
      if (joins) {
        ++i;  // the run goes on through `c` and the byte after it
        continue;
      }
    }
    before = 0;
  }
  return words;
}

}  // namespace

std::size_t CountWords(std::string_view text) {
  if (text.empty()) return 0;
  if (IsAscii(text) && text.find('_') == std::string_view::npos) return CountAsciiWords(text);
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (!words) return 0;
  status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) return 0;
  words->setText(ut, status);
  std::size_t count = 0;
  if (U_SUCCESS(status)) {
    for (int32_t end = words->next(); end != icu::BreakIterator::DONE; end = words->next()) {
      if (words->getRuleStatus() >= UBRK_WORD_NONE_LIMIT) ++count;
    }
  }
  // Detach the iterator from the UText before closing it.
  status = U_ZERO_ERROR;
  words->setText(icu::UnicodeString());
  utext_close(ut);
  return count;
}

namespace {

// How many code points `text` decodes to (each invalid byte one, as CodePoints counts).
std::size_t CodePointCount(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) NextCodePoint(text, i);
  return n;
}

// Whether strings of `a_points` code points and `b_bytes` bytes can be within `limit` edits: a
// code point is 1 to 4 bytes, so `b` has from ceil(b_bytes / 4) to b_bytes of them.
bool MayBeNear(std::size_t a_points, std::size_t b_bytes, std::size_t limit) {
  return b_bytes + limit >= a_points && (b_bytes + 3) / 4 <= a_points + limit;
}

// Levenshtein distance of `x` and `y`, or `limit + 1` once it is certain to exceed `limit`. Only
// the cells within `limit` of the diagonal are worked out (any path through a cell further off
// costs more than `limit`), so the cost is (length) x (2 limit + 1), not length x length.
std::size_t BandedDistance(const std::vector<UChar32>& x, const std::vector<UChar32>& y,
                           std::size_t limit) {
  const std::size_t n = x.size(), m = y.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  const std::size_t far = limit + 1;  // a cell outside the band
  std::vector<std::size_t> prev(m + 1, far), cur(m + 1, far);
  for (std::size_t j = 0; j <= std::min(m, limit); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t lo = i > limit ? i - limit : 0;
    const std::size_t hi = std::min(m, i + limit);
    std::size_t row_min = far;
    if (lo == 0) {
      cur[0] = i;
      row_min = i;
    } else {
      cur[lo - 1] = far;  // left of the band (the array still holds an older row there)
    }
    for (std::size_t j = std::max<std::size_t>(lo, 1); j <= hi; ++j) {
      const std::size_t cost = x[i - 1] == y[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return far;
    std::swap(prev, cur);
  }
  return std::min(prev[m], far);
}

}  // namespace

std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t limit) {
  if (!MayBeNear(CodePointCount(a), b.size(), limit)) return limit + 1;
  return BandedDistance(CodePoints(a), CodePoints(b), limit);
}

std::optional<std::string> Suggest(std::string_view word,
                                   const std::vector<std::string>& candidates,
                                   std::size_t max_distance) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  };
  std::string word_lower = lower(word);
  for (const auto& candidate : candidates)
    if (candidate.size() == word.size() && candidate != word && lower(candidate) == word_lower)
      return candidate;
  // The word is decoded once, and only when some candidate is near enough in length to compare;
  // a candidate too short or too long by its bytes alone is not decoded at all.
  const std::size_t word_points = CodePointCount(word);
  std::vector<UChar32> x;
  bool decoded = false;
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& candidate : candidates) {
    if (best_distance == 0) break;
    if (candidate == word || !MayBeNear(word_points, candidate.size(), best_distance - 1)) continue;
    if (!decoded) {
      x = CodePoints(word);
      decoded = true;
    }
    // Only a distance below the best so far matters: the band is narrowed to it.
    const std::size_t d = BandedDistance(x, CodePoints(candidate), best_distance - 1);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

namespace {
bool IdChar(UChar32 c, bool allow_dot) {
  if (c < 0) return false;
  if (c == '-' || c == '_') return true;
  if (c == '.') return allow_dot;
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  // Letters (with their combining marks, so decomposed accents pass) and digits.
  return u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_isdigit(c) ||
         u_charType(c) == U_NON_SPACING_MARK || u_charType(c) == U_COMBINING_SPACING_MARK;
}
}  // namespace

// ASCII letters, digits, '-' and '_' ('.' is allowed or not by the caller).
constexpr std::array<bool, 128> MakeAsciiIdChars() {
  std::array<bool, 128> table{};
  for (int c = 0; c < 128; ++c)
    table[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                         (c >= '0' && c <= '9') || c == '-' || c == '_';
  return table;
}
constexpr std::array<bool, 128> kAsciiIdChar = MakeAsciiIdChars();

bool IsValidId(std::string_view id, bool allow_dot) {
  if (id.empty()) return false;
  for (std::size_t i = 0; i < id.size();) {
    unsigned char b = static_cast<unsigned char>(id[i]);
    if (b < 0x80) {  // ASCII without decoding: the hot path for codes
      if (!kAsciiIdChar[b] && !(allow_dot && b == '.')) return false;
      ++i;
      continue;
    }
    if (!IdChar(NextCodePoint(id, i), allow_dot)) return false;
  }
  return true;
}

std::string FirstInvalidIdChar(std::string_view id, bool allow_dot) {
  for (std::size_t i = 0; i < id.size();) {
    std::size_t start = i;
    UChar32 c = NextCodePoint(id, i);
    if (!IdChar(c, allow_dot)) return std::string(id.substr(start, i - start));
  }
  return {};
}

std::string HashHex(std::string_view text) {
  Fnv1a h;
  h.Add(text);
  return h.Hex();
}

}  // namespace framework
