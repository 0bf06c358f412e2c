// SPDX-License-Identifier: MIT
// Running independent pieces of work on every core, all joined before returning.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace bbrun::server {

/// Call `work(i)` for each i in [0, count), on up to one thread per core, with at least
/// `min_per_thread` items per thread (below that, threads cost more than they save). The calls
/// for distinct i must not touch the same data. Returns once every call has returned, so no
/// thread outlives it (the server later forks).
template <typename Work> void parallel_for(size_t count, size_t min_per_thread, Work work) {
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  size_t threads = std::clamp<size_t>(count / std::max<size_t>(min_per_thread, 1), 1, cores);
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next++; i < count; i = next++) {
      work(i);
    }
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) {
    helpers.emplace_back(drain);
  }
  drain();
  for (auto& helper : helpers) {
    helper.join();
  }
}

} // namespace bbrun::server
