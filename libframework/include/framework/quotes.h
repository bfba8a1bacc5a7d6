// Quotes: every passage coded into one matrix column, as its participant's own words, with an
// anonymous attribution, grouped by a participant attribute under disclosure control
// (`framework quotes`), and the quotes as Markdown, CSV and JSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "framework/codebook.h"
#include "framework/study.h"

namespace framework {

struct Matrix;

/// One quote.
struct Quotation {
  std::string participant;
  std::string text;  ///< white space collapsed, cut to `QuoteRequest::max_words`
  int line_start = 0;
  int line_end = 0;
  std::string attribution;  ///< by the template; the id only where the template puts {id}
  std::string label;        ///< as text and Markdown show it: with `ids`, the id first
};

/// The quotes under one heading.
struct QuoteGroup {
  std::optional<std::string> value;  ///< the value (a group of one value only), else nothing
  std::string label;                 ///< the value, "(not recorded)" or "(other)"
  const char* kind = "all";          ///< all (no grouping), value, not-recorded, other
  std::vector<Quotation> quotes;
};

/// What to quote.
struct QuoteRequest {
  ColumnRef column;                ///< the matrix column (theme and sub-theme both set)
  int by = -1;                     ///< the attribute to group by (an index), -1: one group
  std::size_t max_words = 0;       ///< cut each quote after this many words (0: whole)
  bool ids = false;                ///< participant ids shown (implies `allow_identifying`)
  bool allow_identifying = false;  ///< attributions in full, however few they fit
  int min_group = 3;               ///< the smallest group shown, and an attribution must fit
};

/// The quotes of one column, grouped, and what they were chosen from.
struct QuoteSet {
  std::string theme;           ///< theme id
  std::string theme_label;     ///< theme label
  std::string subtheme;        ///< sub-theme id
  std::string subtheme_label;  ///< sub-theme label
  std::string code;            ///< theme.subtheme
  std::string by;              ///< the grouping attribute's name, or ""
  bool ids = false;            ///< as requested
  /// Grouping by `by` is refused by disclosure control (the groups under min_group, merged,
  /// are still too few): there are no groups.
  bool refused = false;
  std::vector<QuoteGroup> groups;  ///< in group order; groups without quotes left out
  std::size_t count = 0;           ///< quotes
  std::size_t participants = 0;    ///< participants quoted
  std::size_t left_out = 0;        ///< segments with no participant speech, not quoted
};

/// The quotes of `request.column`: every segment coded there that has participant speech, as
/// that speech (an interviewer's turn inside it cut, the parts joined by " … "), participants
/// in natural order, then by line; a passage coded twice into the column is one quote. Each
/// is attributed by framework.yaml's template as PlanAttribution gives it (coarsened to fit
/// `min_group` unless identifying). With `by`, grouped as PlanGroups groups (values in declared
/// or natural order, "(not recorded)", then "(other)"), each quote under the heading
/// TextHeadings gives its participant (unless identifying), an "(other)" the plan has not
/// last.
QuoteSet CollectQuotes(const Study& study, const QuoteRequest& request);
/// The same, from `matrix`, the matrix of `request.column`'s theme as IndexTheme gives it (or
/// TakeTheme, which takes the segments from the study instead of copying them).
QuoteSet CollectQuotes(const Study& study, const QuoteRequest& request, const Matrix& matrix);

/// The quotes as Markdown: a title, where they come from, a blockquote per quote ending in its
/// attribution and line ref, a "##" heading per group when grouped.
std::string QuotesMarkdown(const QuoteSet& quotes);

/// The quotes as RFC 4180 CSV with CRLF: group, attribution, text, lines (and participant with
/// `ids`); formula-like cells neutralised.
std::string QuotesCsv(const QuoteSet& quotes);

/// The quotes as JSON (schemas/quotes-output.schema.json): format, version, column, by,
/// groups (value, kind, quotes: text, attribution, line_start, line_end, and participant with
/// `ids`). Laid out as nlohmann's dump(2), with a final line break.
std::string QuotesJson(const QuoteSet& quotes);

}  // namespace framework
