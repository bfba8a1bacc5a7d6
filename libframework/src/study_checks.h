// The checks LoadStudy runs across files once every transcript is folded (internal to the
// library): chart files against the transcripts, and transcripts against the participants.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/source_text.h"
#include "framework/study.h"
#include "warning_cap.h"

namespace framework {

// Each participant's first transcript (as Study::FindTranscript finds it), by id, so that
// checking a chart costs the same per cell whatever the study's size.
using TranscriptIndex = std::map<std::string, int, std::less<>>;

// What `framework check` says about one chart: unknown theme, orphan and stale cells, moved
// refs, refs beyond the transcript. Every cell is kept whatever is found. Reads only `study`'s
// framework, participants and folded transcripts (Transcript::columns), so charts are checked
// in parallel, each once loaded (its text dropped after); what it finds goes to `out`.
struct ChartCheck {
  // A second chart of the same theme cannot be told from one chart alone: where in the chart's
  // diagnostics the "duplicate-chart" errors go (npos: none may), and the error with its
  // excerpt, all but the message (DuplicateChartErrors completes it).
  std::size_t duplicate_at = std::string::npos;
  Diagnostic duplicate;
};
ChartCheck CheckChart(const Study& study, const Chart& chart, std::string_view text,
                      const TranscriptIndex& transcript_of, Diagnostics& out);

// CheckChart a cell at a time, for a chart whose cells are not kept (StreamChart): made from
// the chart's path and theme (`header`, its cells not read), handed each cell, then Finish.
// The diagnostics go to `out` as CheckChart puts them, the warnings capped (WarningCap) until
// the checker is destroyed.
class ChartChecker {
 public:
  ChartChecker(const Study& study, const Chart& header, std::string_view text,
               const TranscriptIndex& transcript_of, Diagnostics& out);
  void Cell(const ChartCell& cell);
  ChartCheck Finish();
  ChartChecker(const ChartChecker&) = delete;
  ChartChecker& operator=(const ChartChecker&) = delete;

 private:
  void At(Severity severity, const char* rule, Position p, std::string message, std::string hint);

  const Study& study_;
  const TranscriptIndex& transcript_of_;
  Diagnostics& out_;
  SourceText source_;
  WarningCap cap_;
  std::string path_, theme_id_;
  Position theme_at_;
  int theme_ = -1;
  std::vector<std::string> sub_ids_;
  std::size_t cells_ = 0;
  ChartCheck check_;
};

// Inserts into `out` (the chart's diagnostics) the "a second chart for theme" errors of
// `chart`, one for each chart of `charts` (Study::charts, in path order) with its theme and an
// earlier path, where `check` says, as one pass over all charts would give them.
void AddDuplicateChartErrors(const Chart& chart, const ChartCheck& check,
                             const std::vector<Chart>& charts, Diagnostics& out);

// Each transcript's participant declared (when the participants file lists them all) and
// unique: "undeclared-participant" and "duplicate-participant" errors at the front matter's
// `participant:` (its line re-read through `fs` for the excerpt). Fills `owner` with each
// participant's first transcript.
void CheckTranscriptParticipants(const FileSystem& fs, const Study& study,
                                 std::map<std::string, std::size_t>& owner, Diagnostics& out);

// "participant-without-transcript" warnings (capped) for declared participants with no
// transcript in `owner` and none among `unread_stems` (transcripts that could not be read).
void CheckParticipantsHaveTranscripts(const Study& study, std::string_view participants_text,
                                      const std::map<std::string, std::size_t>& owner,
                                      const std::set<std::string>& unread_stems, Diagnostics& out);

// "unknown-placeholder" warnings, at framework.yaml's `attribution` (`framework_source`), for
// each placeholder of the template written there that names no attribute of the participants
// file (`{id}` is known: `quotes --ids` fills it). A template not written (the default) draws none.
void CheckAttributionPlaceholders(const SourceText& framework_source, const Study& study,
                                  Diagnostics& out);

}  // namespace framework
