// Anonymous attribution of quotes ("Practitioner, children's services"), from framework.yaml's
// `attribution` template and the participant's attributes, and cutting quotes to a word limit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "framework/study.h"

namespace framework {

/// The attribution of `participant` by the template `pattern` (framework.yaml `attribution`,
/// e.g. "{role}, {sector}"):
///
/// - `{name}` is replaced by the participant's value of attribute `name` (white space collapsed).
///   `{id}` is the participant's id, but only when `allow_id`; otherwise, like a name that is not
///   an attribute (see `UnknownPlaceholders`), it is treated as a missing value. `{{` and `}}` are
///   literal braces; a `{` that closes no placeholder is literal text.
/// - A missing value (no such participant, no value, an empty value) is dropped together with
///   one separator next to it, so nothing dangles: with "{role}, {sector}" a participant without
///   a sector is "Practitioner", one without a role "Children's services". The separator kept
///   between two values is the template text just before the later one. Brackets or quotes that
///   wrap one placeholder alone ("{role} ({sector})") go with it; those around several are kept.
/// - When no placeholder has a value, the result is "Participant" (a template without
///   placeholders gives its own text).
/// - The result's ends are trimmed, its first letter is in title case (`CapitaliseFirst`) and it
///   is NFC.
///
/// Never throws; deterministic.
std::string Attribute(const std::string& pattern, const Study& study,
                      const std::string& participant, bool allow_id = false);

/// `Attribute` with only the placeholders named in `kept` filled (when `kept` is not null):
/// the others are left out as missing values are. For coarser attributions (disclosure.h).
std::string AttributeKeeping(const std::string& pattern, const Study& study,
                             const std::string& participant, bool allow_id,
                             const std::vector<std::string>* kept);

/// The placeholder names in `pattern` (white space around a name trimmed, NFC), once each, in
/// order of first use.
std::vector<std::string> Placeholders(std::string_view pattern);

/// How many placeholders `pattern` holds, a name used twice counted twice.
std::size_t CountPlaceholders(std::string_view pattern);

/// The longest `attribution` template framework.yaml may give, in bytes (docs/limits.md): an
/// attribution is a few words, and each quote's costs the template's length.
inline constexpr std::size_t kMaxAttributionBytes = 4096;

/// The most placeholders an `attribution` template may hold, a name used twice counted twice.
inline constexpr std::size_t kMaxAttributionPlaceholders = 100;

/// Why `pattern` cannot be framework.yaml's `attribution` (longer than `kMaxAttributionBytes`,
/// more placeholders than `kMaxAttributionPlaceholders`), or an empty string when it can.
std::string AttributionTemplateProblem(std::string_view pattern);

/// The placeholders of `pattern` that `Attribute` can never fill: names that are not attributes of
/// `study.participants`, and `id` unless `allow_id`. Once each, in order of first use, so a
/// caller can warn about each once.
std::vector<std::string> UnknownPlaceholders(std::string_view pattern, const Study& study,
                                             bool allow_id = false);

/// `text` with its first letter in title case (ICU simple case mapping, so "é" becomes "É" and
/// "ǆ" becomes "ǅ"). Leading white space and punctuation ("(", "“") are skipped; when the first
/// other character is not a letter ("3 years"), nothing changes. Invalid UTF-8 is returned as it
/// is.
std::string CapitaliseFirst(std::string_view text);

/// `text` cut to its first `max_words` words, counted as `CountWords` counts them (ICU word
/// boundaries: runs of letters, numbers, kana or ideographs; punctuation is not a word), right
/// after the last word kept, with "…" appended. Text with no more than `max_words` words, and any
/// text when `max_words` is 0, is returned unchanged.
std::string CutToWords(std::string_view text, std::size_t max_words);

}  // namespace framework
