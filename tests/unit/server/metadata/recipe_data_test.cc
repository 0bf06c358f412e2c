// SPDX-License-Identifier: MIT
// Tests for RecipeData: a store built once, on first use, whoever asks first.
#include "server/metadata/recipe_data.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace bbrun::server::metadata {
namespace {

TEST(RecipeDataTest, ADeferredStoreIsBuiltOnceOnFirstUseAndSharedByCopies) {
  // Given a deferred store copied before first use and read from 8 threads at once, it should
  // be built exactly once, and every copy should see that one store.
  std::atomic<int> builds{0};
  RecipeData data = RecipeData::deferred([&builds] {
    ++builds;
    auto store = std::make_shared<DataStore>();
    store->set_var("A", "built");
    return store;
  });
  RecipeData copy = data;
  EXPECT_EQ(builds, 0);
  EXPECT_FALSE(copy.built());
  std::vector<std::thread> readers;
  std::vector<const DataStore*> seen(8);
  for (size_t i = 0; i < seen.size(); ++i) {
    readers.emplace_back([&, i] { seen[i] = (i % 2 == 0 ? data : copy).get().get(); });
  }
  for (auto& reader : readers) {
    reader.join();
  }
  EXPECT_EQ(builds, 1);
  for (const auto* store : seen) {
    EXPECT_EQ(store, data.get().get());
  }
  EXPECT_TRUE(data.built());
  EXPECT_EQ(*copy->get_var("A"), "built");
}

TEST(RecipeDataTest, AStoreGivenOutrightNeedsNoBuilding) {
  auto store = std::make_shared<DataStore>();
  RecipeData data = store;
  EXPECT_TRUE(data.built());
  EXPECT_EQ(data.get(), store);
}

} // namespace
} // namespace bbrun::server::metadata
