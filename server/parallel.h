// SPDX-License-Identifier: MIT
// Running independent pieces of work on every core, all joined before returning.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bbrun::server {

/// Call `work(i)` for each i in [0, count), on up to one thread per core, with at least
/// `min_per_thread` items per thread (below that, threads cost more than they save). The calls
/// for distinct i must not touch the same data. Returns once every call has returned, so no
/// thread outlives it (the server later forks).
template <typename Work>
void parallel_for(size_t count, size_t min_per_thread, Work work) {
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

/// Rounds of independent items that one thread works through and another may join when it
/// has nothing better to do: a new server reads its parse cache on a thread while its main
/// thread parses the configuration, then helps check the files rather than wait. Each item
/// runs once, on whichever thread claims it; `run` returns when every item of its round has.
class JoinableRounds {
public:
  /// Call `work(i)` for each i in [0, count), here and on a thread in `join`.
  void run(size_t count, const std::function<void(size_t)>& work);
  /// No more rounds: `join` returns.
  void finish();
  /// Work on each round as it comes, until `finish`.
  void join();

private:
  struct Round {
    size_t count;
    const std::function<void(size_t)>* work;
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
  };
  void drain(Round& round);

  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::shared_ptr<Round> m_round; ///< the round with items left to claim, if any
  bool m_finished = false;
};

} // namespace bbrun::server
