// Extractive draft summaries for uncharted cells.
#pragma once

#include <string>
#include <vector>

#include "framework/matrix.h"

namespace framework {

/// A drafted summary and the line references it cites.
struct Draft {
  std::string summary;
  std::vector<std::string> refs;
};

/// Drafts a summary of `cell` from its excerpts: deterministic and extractive — ICU sentence
/// boundaries; the sentences that best cover the cell's excerpts within `word_budget` words,
/// in transcript order, each followed by its line ref, e.g. "... nothing on perpetrators (L12-14)."
Draft DraftSummary(const MatrixCell& cell, std::size_t word_budget = 45);

}  // namespace framework
