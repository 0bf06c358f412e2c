// SPDX-License-Identifier: MIT
// Shared-state entries: what is written is read back, and nothing else is trusted.
#include "server/sstate/cache_entries.h"
#include "server/stamps/signature.h"

#include <gtest/gtest.h>

#include <vector>

namespace bbrun::server::sstate {
namespace {

const std::string k_taskhash(32, 'a');
const std::string k_unihash(32, 'b');
const std::string k_sha256(64, 'c');

TEST(CacheEntriesTest, TaskHashesHaveTheLengthOfSignatures) {
  // Given a real signature, we should take it for a task hash, and refuse near misses.
  EXPECT_TRUE(is_task_hash(stamps::task_signature("inputs", {})));
  EXPECT_FALSE(is_task_hash(std::string(31, 'a')));
  EXPECT_FALSE(is_task_hash(std::string(33, 'a')));
  EXPECT_FALSE(is_task_hash(std::string(31, 'a') + "A"));
  EXPECT_FALSE(is_task_hash("<html>captive portal</html>"));
  EXPECT_TRUE(is_sha256(k_sha256));
  EXPECT_FALSE(is_sha256("../../../../etc/passwd" + std::string(42, 'a')));
}

TEST(CacheEntriesTest, EquivalenceEntriesReadBackOnlyForTheirTaskAndHash) {
  // Given entries we wrote, we should read their unique hash back for the same task and hash,
  // and nothing for another task, another hash, or the other kind of entry.
  auto by_taskhash = taskhash_entry("lib:do_install", k_taskhash, k_unihash);
  EXPECT_EQ(unihash_of_taskhash(by_taskhash, "lib:do_install", k_taskhash), k_unihash);
  EXPECT_EQ(unihash_of_taskhash(by_taskhash, "app:do_install", k_taskhash), std::nullopt);
  EXPECT_EQ(unihash_of_taskhash(by_taskhash, "lib:do_install", k_unihash), std::nullopt);
  EXPECT_EQ(unihash_of_outhash(by_taskhash, "lib:do_install", k_taskhash), std::nullopt);
  auto by_outhash = outhash_entry("lib:do_install", k_sha256, k_unihash);
  EXPECT_EQ(unihash_of_outhash(by_outhash, "lib:do_install", k_sha256), k_unihash);
  EXPECT_EQ(unihash_of_outhash(by_outhash, "app:do_install", k_sha256), std::nullopt);
}

TEST(CacheEntriesTest, JunkAndBadHashesAreRefused) {
  // Given answers a captive portal or a confused server could give, we should trust none.
  for (const std::string& text : std::vector<std::string>{
           "<html>captive portal</html>", "", "null", "[]", k_unihash,
           R"({"method": "lib:do_install", "taskhash": ")" + k_taskhash + R"(", "unihash": 7})",
           R"({"method": "lib:do_install", "taskhash": ")" + k_taskhash +
               R"(", "unihash": "<html>"})"}) {
    EXPECT_EQ(unihash_of_taskhash(text, "lib:do_install", k_taskhash), std::nullopt) << text;
    EXPECT_EQ(object_of(text, "lib:do_install"), std::nullopt) << text;
  }
}

TEST(CacheEntriesTest, ObjectEntryNamesItsTask) {
  // Given an object entry of lib's install, we should find its object for lib only, and refuse
  // one whose object name could leave the cache directory.
  PackedObject packed{k_sha256, 10, std::string(64, 'd')};
  auto entry = object_entry("lib:do_install", packed, {{"${D}", "/work/image"}});
  EXPECT_EQ(object_of(entry, "lib:do_install"), k_sha256);
  EXPECT_EQ(object_of(entry, "app:do_install"), std::nullopt);
  packed.sha256 = "../../outside";
  EXPECT_EQ(object_of(object_entry("lib:do_install", packed, {}), "lib:do_install"), std::nullopt);
}

} // namespace
} // namespace bbrun::server::sstate
