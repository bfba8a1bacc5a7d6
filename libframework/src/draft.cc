#include "framework/draft.h"

namespace framework {

Draft DraftSummary(const MatrixCell& cell, std::size_t word_budget) {
  (void)cell;
  (void)word_budget;
  return {};
}

}  // namespace framework
