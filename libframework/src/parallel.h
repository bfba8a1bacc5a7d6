// Work spread over threads: the load (study.cc) and the renderers.
// Private to the library.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace framework {

/// Runs `work(i)` for every i in [0, n) on up to `jobs` threads (0: every core), this one among
/// them, each taking the next index as it finishes one. With one job (or one item) everything
/// runs on this thread, in order. If the system starts no more threads, those started (and this
/// one) do the work.
template <typename Work>
void ParallelFor(std::size_t n, unsigned jobs, const Work& work) {
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(n, 1)));
  std::atomic<std::size_t> next{0};
  auto run = [&] {
    for (std::size_t i = next++; i < n; i = next++) work(i);
  };
  if (jobs <= 1) {
    run();
    return;
  }
  std::vector<std::thread> threads;
  try {
    for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(run);
  } catch (const std::system_error&) {
  }
  run();
  for (auto& t : threads) t.join();
}

/// How many threads `jobs` means (0: every core), at least 1.
inline unsigned ResolveJobs(unsigned jobs) {
  return jobs == 0 ? std::max(1u, std::thread::hardware_concurrency()) : jobs;
}

}  // namespace framework
