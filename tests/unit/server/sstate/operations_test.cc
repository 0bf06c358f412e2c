// SPDX-License-Identifier: MIT
// Shared-state operations on SSTATE_DIR: an object is restored only for the task it is of.
#include "server/sstate/operations.h"
#include "tests/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::server::sstate {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
namespace fs = std::filesystem;

class OperationsTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_temp.write("app/image/usr/bin/app", "app\n");
    m_temp.write("lib/image/usr/lib/lib.txt", "lib\n");
  }
  Locations locations() const { return {m_temp.path() / "sstate-cache", {}, {}, {}}; }
  std::vector<OutputDir> image(const std::string& pn) const {
    return {{"${D}", m_temp.path() / pn / "image"}};
  }

  testing::TempDir m_temp;
};

TEST_F(OperationsTest, ObjectOfAnotherTaskIsNeitherFoundNorRestored) {
  // Given app's object stored under a unique hash that lib then asks for (two tasks signed
  // alike, or an equivalence a cache made up), we should find and restore it for app only and
  // leave lib's outputs alone.
  Stores stores(locations());
  const std::string unihash(32, 'a');
  auto stored = store_outputs(stores, {"app:do_install", unihash, image("app")});
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_EQ(stored->unihash, unihash);
  EXPECT_THAT(find_objects(stores, {{"lib:do_install", unihash}}), IsEmpty());
  EXPECT_THAT(find_objects(stores, {{"app:do_install", unihash}}),
              ElementsAre(Pair(unihash, StoreKind::local)));
  auto restored = restore_object(stores, {"lib:do_install", unihash}, image("lib"));
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(*restored, std::nullopt);
  EXPECT_EQ(testing::read_file(m_temp.path() / "lib/image/usr/lib/lib.txt"), "lib\n");
  EXPECT_FALSE(fs::exists(m_temp.path() / "lib/image/usr/bin/app"));
  EXPECT_THAT(stores.warnings(), IsEmpty());
}

} // namespace
} // namespace bbrun::server::sstate
