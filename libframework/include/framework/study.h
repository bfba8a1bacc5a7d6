// A study on disk: loading it whole, and checking it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "framework/chart.h"
#include "framework/codebook.h"
#include "framework/diagnostic.h"
#include "framework/file_system.h"
#include "framework/participants.h"
#include "framework/transcript.h"

namespace framework {

/// What a command asks LoadStudy to keep of each transcript. LoadStudy hands every parsed
/// transcript, while its text is alive, to the indexing sink (FoldTranscript, matrix.h), which
/// folds it into Transcript::columns as asked here; then what was not asked (the text, the
/// segments) is dropped, so memory follows the request, not the transcripts' size.
/// Whatever is asked, each column's `source` is folded when the study has charts (stale cells),
/// and the charts are checked against it.
struct IndexRequest {
  /// Keep the whole transcript as parsed: text, turns, segments (`show --code`, `codes`, the
  /// .qdpx export). IndexTheme then folds the text itself.
  bool text = false;
  /// Keep Transcript::segments and turns without the text (positions and codes only).
  bool segments = false;
  /// Each column's coded segments with their texts and words (chart, quotes, segment and
  /// JSON exports), for the themes in `themes`.
  bool cell_texts = false;
  /// Each column's segments without their texts: code, lines, speaker (`summarise`); keeps
  /// Transcript::segments (without the text) to build them from when a theme is indexed.
  bool cell_shapes = false;
  /// Each column's coded words (`summarise`; always folded with `cell_texts`).
  bool words = false;
  /// Theme ids whose cell texts are kept; every theme when empty.
  std::vector<std::string> themes;
  /// Keep the chart files' cells in Study::charts once checked; false (`check`): each chart is
  /// checked as it is read and only its path and theme are kept, so charts cost memory one file
  /// at a time.
  bool charts = true;
  /// With `charts`: the theme ids whose chart cells are kept; every theme when empty. The
  /// other charts are still read and checked (their diagnostics stand), then only their path
  /// and theme are kept, as without `charts` (`chart THEME` holds one theme's summaries).
  std::vector<std::string> chart_themes;
};

/// How to load a study.
struct LoadOptions {
  unsigned jobs = 0;  ///< parser threads; 0 = every core
  /// What to keep of each transcript. When unset, Request() derives it from the flags below
  /// (kept so that older callers build unchanged).
  std::optional<IndexRequest> index;

  /// Older spelling of the request: keep the transcript text (IndexRequest::text).
  bool keep_text = true;
  /// Older spelling: with keep_text false, keep the segments without text
  /// (IndexRequest::segments); false keeps only what charts need.
  bool keep_segments = true;
  /// Older spelling: with keep_text false, keep the coded text of the themes in `cell_themes`
  /// (IndexRequest::cell_texts and themes).
  bool keep_cells = false;
  std::vector<std::string> cell_themes;
  /// Older spelling: with keep_text false, fold each column's words and segments without text
  /// (IndexRequest::words and cell_shapes).
  bool count_words = false;
  /// When not empty, only the transcripts whose study-relative path (e.g.
  /// "transcripts/P01.txt") or file stem ("P01") matches one of these globs (`*`, `?`, `[...]`)
  /// are read: a part of the study, for exports split across machines (`export --only`).
  /// Participants without a transcript in the part are then not reported.
  std::vector<std::string> only;

  /// `index` when set, else the request the older flags spell.
  IndexRequest Request() const;
};

/// Everything in a study folder, loaded, with what was found wrong with it.
struct Study {
  Framework framework;
  Participants participants;
  std::vector<Transcript> transcripts;  ///< sorted by path
  std::vector<Chart> charts;            ///< charts/*.yaml, sorted by path
  Diagnostics diagnostics;              ///< sorted: framework.yaml, participants, transcripts
  bool framework_loaded = false;        ///< framework.yaml was read (it may still have errors)
  bool participants_loaded = false;
  /// The participants file is there but none of it could be read (refused, not UTF-8, not
  /// valid YAML or CSV as a whole): no participant and no attribute is known.
  bool participants_unread = false;
  bool io_error = false;          ///< a file could not be read (not merely missing)
  std::string participants_path;  ///< as resolved, relative to the root
  bool partial = false;           ///< loaded with LoadOptions::only: a part of the transcripts

  /// Index of the transcript of participant `id`, or -1.
  int FindTranscript(std::string_view participant) const;
  /// Total number of coded segments.
  std::size_t SegmentCount() const;
};

/// The study folder holding `start` or its nearest parent that has a framework.yaml.
std::optional<std::string> FindStudyRoot(const std::string& start);

/// A file a study reads as input, as StudyInputAt finds it.
struct StudyInput {
  std::string path;  ///< relative to the study root, e.g. "charts/training.yaml"
  std::string kind;  ///< "framework.yaml", "the participants file", "a transcript", "a chart file"
};

/// Whether writing to the output path `output` (relative to the current directory, or absolute)
/// would replace or add a file the study at `root` reads as input, `framework` being its
/// framework.yaml as loaded: framework.yaml, the participants file, a transcript (every one,
/// whatever LoadOptions::only says), a chart file. An existing file is matched by device and
/// inode, so through symlinks and hard links too; a file not there yet by where it would go (a
/// new .txt in the transcripts folder, a new .yaml in charts/). Nullopt when it would not.
std::optional<StudyInput> StudyInputAt(const std::string& root, const Framework& framework,
                                       const std::string& output);

/// Loads and checks a whole study in one pass: framework.yaml, the participants file (on its own
/// thread), every transcript (in parallel, each folded by the indexing sink as
/// LoadOptions::Request() asks, then its text dropped), the checks across files (participants
/// declared and unique, each with a transcript, codes known), then the chart files (in parallel,
/// each checked against the folded transcripts as soon as it is read). Never throws.
Study LoadStudy(const FileSystem& fs, const LoadOptions& options = {});

}  // namespace framework
