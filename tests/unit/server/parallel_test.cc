// SPDX-License-Identifier: MIT
// Tests for rounds of work another thread joins, with real threads.
#include "server/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace bbrun::server {
namespace {

TEST(JoinableRoundsTest, EveryItemRunsOnceWhoeverClaimsIt) {
  // Given three rounds worked through by their owner and joined by a second thread, we should
  // see each item of each round run exactly once, both threads take part, and `run` return
  // only once its round's items have all run.
  JoinableRounds rounds;
  constexpr size_t k_items = 2000;
  std::vector<std::atomic<int>> runs(3 * k_items);
  std::atomic<int> by_joiner{0};
  std::thread owner([&] {
    const auto owner_id = std::this_thread::get_id();
    for (size_t round = 0; round < 3; ++round) {
      rounds.run(k_items, [&](size_t i) {
        ++runs[round * k_items + i];
        if (std::this_thread::get_id() != owner_id) {
          ++by_joiner;
        }
        // Slow enough for the joiner to claim a share.
        std::this_thread::sleep_for(std::chrono::microseconds(5));
      });
      for (size_t i = 0; i < k_items; ++i) {
        EXPECT_EQ(runs[round * k_items + i].load(), 1) << "round " << round << " item " << i;
      }
    }
    rounds.finish();
  });
  std::thread joiner([&] { rounds.join(); });
  owner.join();
  joiner.join();
  for (const auto& count : runs) {
    EXPECT_EQ(count.load(), 1);
  }
  EXPECT_GT(by_joiner.load(), 0);
}

TEST(JoinableRoundsTest, ARoundNobodyJoinsRunsOnItsOwner) {
  JoinableRounds rounds;
  size_t sum = 0;
  rounds.run(100, [&](size_t i) { sum += i; });
  EXPECT_EQ(sum, 4950u);
  rounds.run(0, [&](size_t) { ADD_FAILURE() << "an empty round ran an item"; });
}

TEST(JoinableRoundsTest, JoiningAfterTheLastRoundReturns) {
  // Given an owner that finished before anyone joined, joining should return at once.
  JoinableRounds rounds;
  rounds.run(10, [](size_t) {});
  rounds.finish();
  auto joined = std::async(std::launch::async, [&] { rounds.join(); });
  EXPECT_EQ(joined.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

} // namespace
} // namespace bbrun::server
