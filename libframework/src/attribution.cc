#include "framework/attribution.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <unordered_set>
#include <utility>

#include "framework/text.h"

namespace framework {
namespace {

// A template, split into literal text and placeholders: literals[0], names[0], literals[1], ...,
// names[n-1], literals[n] (literals may be empty).
struct Template {
  std::vector<std::string> literals{std::string()};
  std::vector<std::string> names;
};

Template ParseTemplate(std::string_view pattern) {
  Template t;
  std::size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if ((c == '{' || c == '}') && i + 1 < pattern.size() && pattern[i + 1] == c) {
      t.literals.back() += c;  // "{{" and "}}" are literal braces
      i += 2;
      continue;
    }
    if (c == '{') {
      const std::size_t close = pattern.find_first_of("{}", i + 1);
      if (close != std::string_view::npos && pattern[close] == '}') {
        const std::string_view name = Trim(pattern.substr(i + 1, close - i - 1));
        if (!name.empty()) {
          t.names.push_back(ToNfc(name));
          t.literals.emplace_back();
          i = close + 1;
          continue;
        }
      }
    }
    t.literals.back() += c;
    ++i;
  }
  return t;
}

// Brackets and quotes that, written right around one placeholder, belong to it.
constexpr std::pair<std::string_view, std::string_view> kWraps[] = {
    {"(", ")"},           {"[", "]"},           {"\u201C", "\u201D"}, {"\u2018", "\u2019"},
    {"\u00AB", "\u00BB"}, {"\u2039", "\u203A"}, {"\"", "\""},         {"'", "'"},
};

// The participant's value for placeholder `name`, or nothing.
std::optional<std::string> Value(const std::string& name, const Participants& participants,
                                 const std::string& participant, bool allow_id,
                                 const std::vector<std::string>* kept) {
  if (kept && std::find(kept->begin(), kept->end(), name) == kept->end()) return std::nullopt;
  if (name == "id") {
    if (!allow_id || participant.empty()) return std::nullopt;
    return participant;
  }
  const int row = participants.Find(participant);
  const int column = participants.FindAttribute(name);
  if (row < 0 || column < 0) return std::nullopt;
  const auto& values = participants.participants[static_cast<std::size_t>(row)].values;
  if (static_cast<std::size_t>(column) >= values.size()) return std::nullopt;
  const std::optional<std::string>& value = values[static_cast<std::size_t>(column)];
  if (!value) return std::nullopt;
  std::string collapsed = CollapseWhitespace(*value);
  if (collapsed.empty()) return std::nullopt;
  return collapsed;
}

icu::BreakIterator* WordIterator() {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  return words.get();
}

}  // namespace

std::vector<std::string> Placeholders(std::string_view pattern) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (std::string& name : ParseTemplate(pattern).names)
    if (seen.insert(name).second) names.push_back(std::move(name));
  return names;
}

std::size_t CountPlaceholders(std::string_view pattern) {
  return ParseTemplate(pattern).names.size();
}

std::string AttributionTemplateProblem(std::string_view pattern) {
  if (pattern.size() > kMaxAttributionBytes)
    return "the attribution template is " + std::to_string(pattern.size()) +
           " bytes long; at most " + std::to_string(kMaxAttributionBytes) + " are allowed";
  if (const std::size_t n = CountPlaceholders(pattern); n > kMaxAttributionPlaceholders)
    return "the attribution template has " + std::to_string(n) + " placeholders; at most " +
           std::to_string(kMaxAttributionPlaceholders) + " are allowed";
  return {};
}

std::vector<std::string> UnknownPlaceholders(std::string_view pattern, const Study& study,
                                             bool allow_id) {
  std::vector<std::string> unknown;
  for (std::string& name : Placeholders(pattern)) {
    const bool known = name == "id" ? allow_id : study.participants.FindAttribute(name) >= 0;
    if (!known) unknown.push_back(std::move(name));
  }
  return unknown;
}

std::string Attribute(const std::string& pattern, const Study& study,
                      const std::string& participant, bool allow_id) {
  return AttributeKeeping(pattern, study, participant, allow_id, nullptr);
}

std::string AttributeKeeping(const std::string& pattern, const Study& study,
                             const std::string& participant, bool allow_id,
                             const std::vector<std::string>* kept) {
  Template t = ParseTemplate(pattern);
  const std::size_t n = t.names.size();
  if (n == 0) return ToNfc(CapitaliseFirst(Trim(t.literals[0])));

  // Peel off the brackets written right around each placeholder, so they go with its value.
  std::vector<std::string_view> opens(n), closes(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::string& before = t.literals[k];
    std::string& after = t.literals[k + 1];
    for (const auto& [open, close] : kWraps) {
      if (before.ends_with(open) && after.starts_with(close)) {
        before.erase(before.size() - open.size());
        after.erase(0, close.size());
        opens[k] = open;
        closes[k] = close;
        break;
      }
    }
  }

  std::string out;
  bool any = false;
  for (std::size_t k = 0; k < n; ++k) {
    std::optional<std::string> value =
        Value(t.names[k], study.participants, participant, allow_id, kept);
    if (!value) continue;
    // The text before a value separates it from the previous value kept; before the first value
    // kept, only the template's leading text stays (separators of dropped values go with them).
    out += any ? t.literals[k] : t.literals[0];
    out += opens[k];
    out += *value;
    out += closes[k];
    any = true;
  }
  if (!any) return "Participant";
  out += t.literals[n];
  return ToNfc(CapitaliseFirst(Trim(out)));
}

std::string CapitaliseFirst(std::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) break;  // invalid UTF-8: leave the text alone
    if (u_isUWhiteSpace(c) || u_ispunct(c)) continue;
    if (!u_isalpha(c)) break;
    const UChar32 title = u_totitle(c);
    if (title == c) break;
    uint8_t buffer[U8_MAX_LENGTH];
    int32_t size = 0;
    U8_APPEND_UNSAFE(buffer, size, title);
    std::string out(text.substr(0, static_cast<std::size_t>(start)));
    out.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(size));
    out += text.substr(static_cast<std::size_t>(i));
    return out;
  }
  return std::string(text);
}

std::string CutToWords(std::string_view text, std::size_t max_words) {
  if (max_words == 0 || text.empty()) return std::string(text);
  icu::BreakIterator* words = WordIterator();
  if (!words) return std::string(text);
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) return std::string(text);
  words->setText(ut, status);
  std::size_t count = 0;
  std::size_t cut = std::string_view::npos;
  bool more = false;
  if (U_SUCCESS(status)) {
    for (int32_t end = words->next(); end != icu::BreakIterator::DONE; end = words->next()) {
      if (words->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;
      if (count == max_words) {
        more = true;  // a word after the last one kept: the text is cut
        break;
      }
      if (++count == max_words) cut = static_cast<std::size_t>(end);
    }
  }
  // Detach the iterator from the UText before closing it.
  words->setText(icu::UnicodeString());
  utext_close(ut);
  if (!more || cut == std::string_view::npos) return std::string(text);
  std::string out(text.substr(0, cut));
  out += "\u2026";
  return out;
}

}  // namespace framework
