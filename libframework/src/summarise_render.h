// What the summary renderers (summarise_text.cc, summarise_markdown.cc, summarise_json.cc,
// summarise_html.cc) share: the words of counts, shares and marks, and the shades of the coverage
// heatmap. Private to the library; each renderer includes this and summarise.h, never another
// renderer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "framework/summarise.h"

namespace framework::summarise_render {

/// A renderer's output: appended to `text`, handed to the sink in pieces of about 1 MiB where
/// the renderer calls `Spill` (between rows and entries), or kept whole without a sink.
class Output {
 public:
  /// `sink` may be null: then `Finish` returns the whole text.
  explicit Output(const SummarySink* sink) : sink_(sink) {}
  /// Without a sink, as if `before` (its last two characters are all that count) had been
  /// written and handed over already: for a part of the output rendered on its own, to be
  /// joined after text that ends so (see `Tail`).
  Output(std::nullptr_t, std::string_view before) : sink_(nullptr), tail_(Last2(before)) {}

  std::string text;  ///< what is not yet handed over

  /// Hands `text` to the sink when it has grown past a piece.
  void Spill() {
    if (sink_ && text.size() >= kPiece) Hand();
  }
  /// Hands over the rest; returns the whole text when there is no sink (else nothing).
  std::string Finish();
  /// Whether nothing at all has been written.
  bool empty() const { return text.empty() && tail_.empty(); }
  /// Whether everything written so far ends with a blank line ("\n\n").
  bool EndsWithBlankLine() const;
  /// The last two characters of everything written so far (fewer at the start).
  std::string Tail() const { return Last2(tail_ + Last2(text)); }

 private:
  static std::string Last2(std::string_view s) {
    return std::string(s.substr(s.size() >= 2 ? s.size() - 2 : 0));
  }
  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  void Hand();
  const SummarySink* sink_;
  std::string tail_;  // the last two characters handed over
};

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
