// A cap on the warnings a file lists (internal to the library).
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "framework/diagnostic.h"
#include "framework/source_text.h"

namespace framework {

// The most warnings a chart or participants file lists; past them a "too-many-warnings" note
// counts the rest (its `unlisted`, counted as warnings by CountDiagnostics), so a file of
// 300,000 orphan cells costs 100 rendered lines, not 300,000.
constexpr std::size_t kMaxWarningsPerFile = 100;

// Lists `out`'s warnings up to kMaxWarningsPerFile, then only counts them.
class WarningCap {
 public:
  explicit WarningCap(Diagnostics& out) : out_(out) {}
  // Whether the next warning, at `p` of `source`, is listed; if not, it is counted.
  bool Take(const SourceText& source, Position p) {
    if (++warnings_ <= kMaxWarningsPerFile) return true;
    if (warnings_ == kMaxWarningsPerFile + 1) {
      note_ = out_.size();
      out_.push_back(source.AtPosition(Severity::kNote, "too-many-warnings", p,
                                       "too many warnings in this file; later ones are not shown",
                                       "fix these and run the check again"));
    }
    return false;
  }
  ~WarningCap() {
    if (warnings_ <= kMaxWarningsPerFile) return;
    Diagnostic& note = out_[note_];
    note.unlisted = warnings_ - kMaxWarningsPerFile;
    note.message = "too many warnings in this file: " + std::to_string(note.unlisted) +
                   " more are counted but not shown";
  }
  WarningCap(const WarningCap&) = delete;
  WarningCap& operator=(const WarningCap&) = delete;

 private:
  Diagnostics& out_;
  std::size_t warnings_ = 0;
  std::size_t note_ = 0;
};

// Caps the warnings of one file's diagnostics `ds` (sorted by position) the same way, after the
// fact: the first kMaxWarningsPerFile are kept, later ones (with the notes that follow them)
// are dropped and counted on one "too-many-warnings" note, which also takes over the counts of
// any such note already there (from a WarningCap).
inline void CapWarnings(Diagnostics& ds) {
  std::size_t warnings = 0, unlisted = 0;
  std::size_t note = ds.size();  // index in `out` of the note, ds.size() while there is none
  bool dropping = false;         // the diagnostic just before was dropped, so are its notes
  Diagnostics out;
  for (Diagnostic& d : ds) {
    if (d.severity == Severity::kNote && d.rule == "too-many-warnings") {
      unlisted += d.unlisted;
      if (note == ds.size()) {
        note = out.size();
        out.push_back(std::move(d));
      }
      continue;
    }
    if (d.severity == Severity::kNote) {
      if (!dropping) out.push_back(std::move(d));
      continue;
    }
    dropping = d.severity == Severity::kWarning && ++warnings > kMaxWarningsPerFile;
    if (!dropping) {
      out.push_back(std::move(d));
      continue;
    }
    ++unlisted;
    if (note == ds.size()) {
      note = out.size();
      Diagnostic n = std::move(d);
      n.severity = Severity::kNote;
      n.rule = "too-many-warnings";
      n.hint = "fix these and run the check again";
      out.push_back(std::move(n));
    }
  }
  if (note != ds.size()) {
    out[note].unlisted = unlisted;
    out[note].message = "too many warnings in this file: " + std::to_string(unlisted) +
                        " more are counted but not shown";
  }
  ds = std::move(out);
}

}  // namespace framework
