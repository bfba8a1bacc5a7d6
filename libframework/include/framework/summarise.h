// Summarising (the method's interpreting stage): reading the charted matrices down a theme and
// across a case. `Summarise` builds a plain model from a study and its charted matrices —
// coverage, the range of views, a comparison of groups, co-occurrence of codes, one case — and
// the renderers turn that model into text, Markdown, JSON or HTML. Nothing here re-reads files.
//
// Anonymity: a group of participants smaller than `min_group` is never shown on its own, in any
// view or format. Such groups are merged into one "(other)" group; when that is still too small
// the breakdown is refused (see `GroupPlan`). Attributions are coarsened until they fit
// `min_group` participants (disclosure.h; docs/disclosure.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/matrix.h"
#include "framework/study.h"

namespace framework {

/// Where two codes count as occurring together.
enum class Within : std::uint8_t {
  kSegment,  ///< their segments overlap in the text
  kTurn,     ///< their segments open in the same speaker turn
};

/// "segment" or "turn".
std::string_view WithinName(Within within);

/// The `Within` named `name` as `WithinName` gives it ("segment", "turn"), or nothing.
std::optional<Within> ParseWithin(std::string_view name);

/// What to summarise, and how.
struct SummariseOptions {
  std::vector<int> themes;  ///< indexes into `framework.themes`, in order (empty: none)
  int by = -1;              ///< participant attribute to group by (index), -1 for none
  int min_group = 3;        ///< smallest group shown on its own (at least 1)
  bool words = false;       ///< shares as words ("a few", "most") instead of numbers
  Within within = Within::kSegment;
  bool coverage = true;
  bool range = true;         ///< the range of views
  bool compare = false;      ///< the group comparison (needs `by`)
  bool cooccurrence = true;  ///< the code x code table
  std::string participant;   ///< non-empty: the case view of this participant, and nothing else
  std::size_t top = 10;      ///< strongest pairs and "differ most" sub-themes listed
  bool allow_identifying = false;  ///< attributions in full, even those fitting few participants
  unsigned jobs = 1;  ///< threads building the themes' matrices and views (0: every core), each
                      ///< holding one matrix at a time; the report is the same with any number
};

/// One group of participants by an attribute's value.
struct SummaryGroup {
  enum class Kind : std::uint8_t {
    kValue,        ///< the participants with one value
    kNotRecorded,  ///< those without a value
    kOther,        ///< the groups smaller than min_group, merged
  };
  Kind kind = Kind::kValue;
  std::string value;                      ///< the attribute's value (kValue only)
  std::string label;                      ///< the value, "(not recorded)" or "(other)"
  std::vector<std::string> participants;  ///< members, natural order; never printed
};

/// How participants are grouped by an attribute: the groups shown (each with at least
/// `min_group` participants: values in declared or natural order, "(not recorded)", then
/// "(other)"), every participant in one of them. When the groups under `min_group` together
/// are still fewer than `min_group`, the breakdown is `refused` and `groups` is empty: no
/// output may show it, since the total minus the groups shown would give the rest.
struct GroupPlan {
  std::string attribute;
  int min_group = 3;
  std::vector<SummaryGroup> groups;
  bool refused = false;  ///< no breakdown by this attribute can be shown
  bool merged = false;   ///< some groups were merged into "(other)"
  /// Each grouped participant's index in `groups` (the first group holding them), as
  /// `PlanGroups` fills it in; a plan built by hand may leave it empty.
  std::unordered_map<std::string, int> index;
  /// The index in `groups` of `participant`'s group, or -1 when it is not shown: by `index`
  /// (constant time), or by looking through `groups` when `index` is empty.
  int GroupOf(std::string_view participant) const;
};

/// Groups `participants` (ids) by attribute `attribute` of `study`, enforcing `min_group`.
/// Linear in the participants (n log n in the groups, to order them).
GroupPlan PlanGroups(const Study& study, const std::vector<std::string>& participants,
                     int attribute, int min_group);

/// Where texts (summaries in the range of views, quotes) stand when grouped by a plan: the one
/// group order for every output that groups texts.
struct TextGrouping {
  /// The headings in order: the plan's groups (their `participants` left empty), then one
  /// "(other)" (kind kOther) for texts moved out of their group when the plan has no "(other)"
  /// of its own; when it has, the last heading stays empty. Outputs leave out headings
  /// without texts.
  std::vector<SummaryGroup> headings;
  /// Each participant's heading, an index into `headings`.
  std::unordered_map<std::string, int> heading_of;
  bool moved = false;  ///< some participant's texts stand under "(other)", not their group
};

/// Groups the texts of `population` (ids, with `labels[i]` the attribution of participant i,
/// as `PlanAttribution` gives it) by `plan`: each under its group, or under "(other)" (the
/// plan's own, else the last heading) where the texts with that attribution in that group would
/// come from fewer than `plan.min_group` participants (`TextHeadings`, disclosure.h); with
/// `identifying`, every text under its group. A participant the plan does not group goes under
/// "(other)" too.
TextGrouping GroupTexts(const GroupPlan& plan, const std::vector<std::string>& population,
                        const std::vector<std::string>& labels, bool identifying);

/// The word for `count` of `size` participants: "none", "a few", "some", "many", "most", "all",
/// by `words` (percent thresholds; a share at or above a threshold takes its word).
std::string ShareWord(std::size_t count, std::size_t size, const ShareWords& words);

/// `count` of `size` as a whole percentage, rounded half up (0 when `size` is 0).
int SharePercent(std::size_t count, std::size_t size);

/// Shade level of a coverage cell: 0 without words, else 1..4 by quarters of `max_words`.
int ShadeLevel(std::size_t words, std::size_t max_words);

/// One sub-theme's column of the coverage grid.
struct CoverageColumn {
  std::string id;
  std::string label;
  std::size_t words = 0;            ///< coded words, all participants
  std::size_t participants = 0;     ///< participants with data
  bool little_data = false;         ///< see `Summarise`
  std::vector<std::string> silent;  ///< participants without data, natural order
};

/// A theme's coverage: coded words per participant x sub-theme.
struct Coverage {
  std::string theme;
  std::string label;
  std::vector<std::string> participants;        ///< rows, natural order
  std::vector<CoverageColumn> columns;          ///< framework order
  std::vector<std::vector<std::size_t>> words;  ///< [row][column]
  std::size_t max_words = 0;                    ///< the largest cell
};

/// One charted summary in the range of views.
struct RangeEntry {
  std::string participant;  ///< never printed; for ordering and tests
  std::string attribution;  ///< framework.yaml's attribution template, filled
  ChartStatus status = ChartStatus::kCharted;
  bool stale = false;
  std::string summary;
  std::vector<std::string> refs;
};

/// The summaries of one group on one sub-theme.
struct RangeGroup {
  int group = -1;     ///< index into `GroupPlan::groups`, -1 without --by; `groups.size()`: an
                      ///< "(other)" the plan has not (see `TextHeadings`)
  std::string label;  ///< the heading: the group's label, "(other)", or empty without --by
  std::vector<RangeEntry> entries;
};

/// One sub-theme's range of views.
struct RangeColumn {
  std::string id;
  std::string label;
  std::size_t charted = 0;         ///< summaries (any status), including those not shown by group
  std::size_t uncharted = 0;       ///< participants with data and no summary
  std::size_t withheld = 0;        ///< always 0: a breakdown that would hide some is refused
  std::vector<RangeGroup> groups;  ///< groups with summaries, in plan order
};

/// A theme's range of views.
struct RangeTheme {
  std::string theme;
  std::string label;
  std::vector<RangeColumn> columns;
};

/// How many of a group spoke to a sub-theme.
struct Share {
  std::size_t spoke = 0;  ///< participants of the group with data in the column
  std::size_t size = 0;   ///< participants in the group
};

/// One sub-theme in the group comparison.
struct CompareColumn {
  std::string id;
  std::string label;
  std::vector<Share> shares;  ///< aligned with `GroupPlan::groups`
  int spread = 0;             ///< highest minus lowest percentage (0 with fewer than 2 groups)
  int highest = -1;           ///< group with the highest share (first such), -1 if none
  int lowest = -1;            ///< group with the lowest share (first such)
};

/// A theme in the group comparison.
struct CompareTheme {
  std::string theme;
  std::string label;
  std::vector<CompareColumn> columns;
};

/// A sub-theme where the groups differ most.
struct DifferMost {
  int theme = 0;   ///< index into `Comparison::themes`
  int column = 0;  ///< index into its columns
};

/// The group comparison.
struct Comparison {
  std::vector<CompareTheme> themes;
  std::vector<DifferMost> differ_most;  ///< spread > 0, largest first, at most `top`
};

/// A pair of codes that occur together.
struct CooccurrencePair {
  int a = 0;  ///< index into `Cooccurrence::codes`, a < b
  int b = 0;
  std::size_t count = 0;
  std::size_t participants = 0;
};

/// Co-occurrence of the selected themes' columns (each named by its code `theme.subtheme`;
/// aliases count as their column).
struct Cooccurrence {
  Within within = Within::kSegment;
  std::vector<std::string> codes;   ///< theme.subtheme, framework order
  std::vector<std::string> labels;  ///< sub-theme labels
  std::vector<std::size_t> totals;  ///< segments per code (kSegment) or turns with it (kTurn)
  std::vector<std::vector<std::size_t>> counts;  ///< symmetric; diagonal 0
  std::vector<CooccurrencePair> pairs;           ///< count > 0, strongest first, at most `top`
};

/// One cell of the case view.
struct CaseCell {
  std::string id;
  std::string label;
  std::size_t segments = 0;
  std::size_t words = 0;
  std::vector<std::string> excerpt_refs;  ///< line refs of the coded excerpts
  std::optional<ChartCell> chart;         ///< the summary, if charted
  bool stale = false;
};

/// One theme of the case view.
struct CaseTheme {
  std::string theme;
  std::string label;
  std::vector<CaseCell> cells;
};

/// One participant across every selected theme: a row of each matrix.
struct CaseView {
  std::string participant;
  std::string attribution;
  bool has_transcript = false;
  std::vector<CaseTheme> themes;
};

/// Everything `Summarise` found.
struct SummaryReport {
  std::string title;  ///< the study's title
  SummariseOptions options;
  ShareWords share_words;
  std::size_t population = 0;     ///< participants (matrix rows)
  std::optional<GroupPlan> plan;  ///< with `by`
  std::vector<Coverage> coverage;
  std::vector<RangeTheme> range;
  std::optional<Comparison> comparison;
  std::optional<Cooccurrence> cooccurrence;
  std::optional<CaseView> case_view;
  std::vector<std::string> notes;  ///< about withheld groups; never name a small group
};

/// Summarises `matrices` (the charted matrices of `options.themes`, in that order, as
/// `ChartedMatrices` gives them) of `study` (loaded with its segments, for co-occurrence; the
/// text is not needed).
///
/// - Coverage: a sub-theme has little data when fewer than half the participants spoke to it, or
///   its coded words are under a quarter of the median of its theme's sub-themes.
/// - The population is every row of the matrices (declared participants and any with a
///   transcript); a participant "spoke to" a sub-theme when their cell has coded data.
/// - Range of views: every chart entry (draft, charted, reviewed) with its attribution, grouped
///   by `options.by` under the headings `TextHeadings` gives, attributed as `PlanAttribution`
///   gives (coarsened unless `options.allow_identifying`). A refused plan (`plan->refused`)
///   leaves every view out, with a note.
/// - Comparison: per sub-theme the share of each group with data; "differ most" ranks
///   sub-themes by spread (highest minus lowest whole percentage), then framework order.
/// - Co-occurrence: pairs of columns counted per overlapping pair of segments (kSegment) or per
///   turn holding both (kTurn, a segment belonging to the turn it opens in); pairs ranked by
///   count, then participants, then framework order.
/// Deterministic.
SummaryReport Summarise(const Study& study, const std::vector<Matrix>& matrices,
                        const SummariseOptions& options);

/// The same report, building the charted matrix of each of `options.themes` in turn and
/// dropping it before the next, so one theme's matrix is held at a time. Cheapest with `study`
/// loaded by `SummariseLoadOptions`: segments and word counts, no text.
SummaryReport Summarise(const Study& study, const SummariseOptions& options);

/// How to load a study for `Summarise`: without the transcripts' text, keeping their segments
/// (co-occurrence and excerpt refs need them) and each column's word count (coverage).
LoadOptions SummariseLoadOptions();

/// Receives a renderer's output a piece at a time, in order (pieces of about 1 MiB, split
/// between rows and entries): the whole output is the pieces joined.
using SummarySink = std::function<void(std::string_view)>;

/// How the text renderer lays out.
struct SummaryTextOptions {
  std::size_t width = 80;
  bool color = false;
  bool unicode = true;  ///< shaded blocks and box drawing; false: ASCII
  unsigned jobs = 1;    ///< threads to render with (a theme's view at a time), 0: every core;
                        ///< the text is the same with any number
};

/// The report for a terminal: tables by `RenderTable`, the coverage heatmap in shaded blocks
/// (· ░ ▒ ▓ █) with a legend.
std::string RenderSummaryText(const SummaryReport& report, const SummaryTextOptions& options);

/// The same text handed to `sink` a piece at a time, so that it is never held whole.
void RenderSummaryText(const SummaryReport& report, const SummaryTextOptions& options,
                       const SummarySink& sink);

/// The report as Markdown (headings, pipe tables, lists).
std::string RenderSummaryMarkdown(const SummaryReport& report);

/// The same Markdown handed to `sink` a piece at a time.
void RenderSummaryMarkdown(const SummaryReport& report, const SummarySink& sink);

/// The report as JSON, `{"format": "framework-summarise", "version": 1, ...}`, described by
/// schemas/summarise-output.schema.json. Never holds a participant id outside the coverage and
/// case views.
std::string RenderSummaryJson(const SummaryReport& report);

/// The same JSON handed to `sink` a piece at a time.
void RenderSummaryJson(const SummaryReport& report, const SummarySink& sink);

/// The report as one self-contained HTML page (html.h's frame), the heatmap as a CSS grid.
std::string RenderSummaryHtml(const SummaryReport& report);

/// The same page handed to `sink` a piece at a time.
void RenderSummaryHtml(const SummaryReport& report, const SummarySink& sink);

}  // namespace framework
