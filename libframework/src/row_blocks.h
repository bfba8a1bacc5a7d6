// Rows of an output written in blocks on several threads and added in order (export and chart
// --format json, export --long as CSV). Private to the library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "framework/matrix.h"
#include "parallel.h"

namespace framework {

/// Rows are written apart only while none holds more coded text than this: a block's text is a
/// copy of its rows', so a study of long passages (a passage is never held twice: hostile cases
/// 15b, 15c) has its rows streamed on one thread as before.
inline constexpr std::size_t kMaxBlockRowBytes = 64 << 10;
/// At most this many blocks at a time, whatever --jobs asks: memory holds that many blocks.
inline constexpr unsigned kMaxRowThreads = 8;

/// The coded text of the largest row of `m` (its segments' texts and chart entries), in bytes.
inline std::size_t LargestRowBytes(const Matrix& m) {
  std::size_t largest = 0;
  for (const auto& row : m.cells) {
    std::size_t bytes = 0;
    for (const MatrixCell& cell : row) {
      for (const CellSegment& s : cell.segments) bytes += s.text.size();
      if (cell.chart) bytes += cell.chart->summary.size() + cell.chart->comment.size();
    }
    largest = std::max(largest, bytes);
  }
  return largest;
}

/// The threads to write rows on: `jobs` (0: every core), at most the cores and kMaxRowThreads;
/// 1 when a row holds more than kMaxBlockRowBytes (`largest_row`): then the caller writes the
/// rows straight to its output, one at a time.
inline unsigned RowThreads(unsigned jobs, std::size_t largest_row) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (jobs == 0) jobs = cores;
  if (largest_row > kMaxBlockRowBytes) return 1;
  return std::max(1u, std::min({jobs, cores, kMaxRowThreads}));
}

/// Rows written apart (see ForEachRowBlock): their text, and how many rows it holds.
struct RowBlock {
  std::string text;
  std::size_t count = 0;
};

/// Calls `write(from, to, block)` for the rows [0, rows) in blocks of kRowsPerBlock, `jobs` blocks
/// at a time on as many threads (this one among them), then `add(block)` for each block in row
/// order before the next blocks are written: the text in memory is `jobs` blocks, whatever the
/// number of rows; the same text whatever `jobs` is (0: every core). An exception on any
/// thread is thrown here once all of them have stopped.
inline constexpr std::size_t kRowsPerBlock = 128;
template <typename Write, typename Add>
void ForEachRowBlock(std::size_t rows, unsigned jobs, const Write& write, const Add& add) {
  std::vector<RowBlock> blocks(ResolveJobs(jobs));
  std::vector<std::exception_ptr> errors(blocks.size());
  const std::size_t step = kRowsPerBlock * blocks.size();
  for (std::size_t first = 0; first < rows; first += step) {
    auto run = [&](std::size_t k) {
      const std::size_t from = first + k * kRowsPerBlock;
      blocks[k].text.clear();
      blocks[k].count = 0;
      try {
        if (from < rows) write(from, std::min(rows, from + kRowsPerBlock), blocks[k]);
      } catch (...) {
        errors[k] = std::current_exception();
      }
    };
    const std::size_t wave =
        std::min(blocks.size(), (rows - first + kRowsPerBlock - 1) / kRowsPerBlock);
    ParallelFor(wave, static_cast<unsigned>(blocks.size()), run);
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      if (errors[k]) std::rethrow_exception(errors[k]);
      if (first + k * kRowsPerBlock < rows) add(blocks[k]);
    }
  }
}

}  // namespace framework
