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

/// How to load a study.
struct LoadOptions {
  unsigned jobs = 0;      ///< parser threads; 0 = every core
  bool keep_text = true;  ///< keep transcript text (false for checks that do not need it)
  /// false (with keep_text false): once a transcript's cell sources are recorded, drop its
  /// segments and turns too, so a study of any size costs a few hundred bytes per transcript
  /// and cell. For commands that need only chart entries and staleness (summary exports).
  bool keep_segments = true;
  /// true (with keep_text false): keep each transcript's coded segments as matrix cells hold them
  /// (Transcript::cells), for the themes in `cell_themes` (ids; every theme when empty), and
  /// drop its text, segments and turns. For commands whose output needs coded text but not the
  /// rest of the transcripts (chart, quotes, segment exports): memory grows with the coded text
  /// only.
  bool keep_cells = false;
  std::vector<std::string> cell_themes;
  /// true: record each transcript's coded words per column (Transcript::words) while its text
  /// is at hand, so IndexTheme counts words even with keep_text false (`summarise`).
  bool count_words = false;
  /// When not empty, only the transcripts whose study-relative path (e.g.
  /// "transcripts/P01.txt") or file stem ("P01") matches one of these globs (`*`, `?`, `[...]`)
  /// are read: a part of the study, for exports split across machines (`export --only`).
  /// Participants without a transcript in the part are then not reported.
  std::vector<std::string> only;
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

/// Loads and checks a whole study: framework.yaml, the participants file, every transcript (in
/// parallel), then the checks across files (participants declared and unique, each with a
/// transcript, codes known). Never throws.
Study LoadStudy(const FileSystem& fs, const LoadOptions& options = {});

}  // namespace framework
