// What the summary renderers (summarise_text.cc, summarise_markdown.cc, summarise_json.cc,
// summarise_html.cc) share: the words of counts, shares and marks, and the shades of the coverage
// heatmap. Private to the library; each renderer includes this and summarise.h, never another
// renderer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "framework/summarise.h"

namespace framework::summarise_render {

/// "1 summary", "3 summaries".
std::string Plural(std::size_t n, const char* one, const char* many);

/// The refs joined with ", ".
std::string JoinRefs(const std::vector<std::string>& refs);

/// A group's share: "a few" with --words, else "3 of 7 (43%)".
std::string ShareText(const Share& s, const SummaryReport& report);

/// A group's column heading: its label, with its size unless --words.
std::string GroupHeading(const SummaryGroup& g, const SummaryReport& report);

/// How many of the `population` spoke to a coverage column: a word, or "3 of 7".
std::string SpokeText(const CoverageColumn& c, std::size_t population, const SummaryReport& r);

/// " [draft]" and/or " [stale]", or nothing.
std::string Marks(ChartStatus status, bool stale);

/// What --within counts, in words.
std::string WithinText(Within within);

/// The words a shade `level` (1..4) stands for, e.g. "81–160"; empty when no whole number
/// falls in it.
std::string ShadeRange(int level, std::size_t max_words);

/// The shades of levels 0..4: · ░ ▒ ▓ █.
inline constexpr const char* kShades[] = {"\u00B7", "\u2591", "\u2592", "\u2593", "\u2588"};

/// The same in ASCII: . - : + #.
inline constexpr const char* kAsciiShades[] = {".", "-", ":", "+", "#"};

}  // namespace framework::summarise_render
