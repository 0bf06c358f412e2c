// SPDX-License-Identifier: MIT
// The hash equivalence database: first mappings win, and nothing but unique hashes comes out.
#include "server/sstate/equivalence_db.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace bbrun::server::sstate {
namespace {

const std::string k_first(32, '1');
const std::string k_second(32, '2');
const std::string k_outhash(64, 'f');
const std::string k_junk = "<html>captive portal</html>";

class EquivalenceDbTest : public ::testing::Test {
protected:
  std::filesystem::path path() const { return m_temp.path() / "hashequiv.db"; }
  EquivalenceDb open() const {
    auto db = EquivalenceDb::open(path());
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
  }
  // What an older bbrun left after a cache answered a login page for every request.
  void poison(const std::string& method, const std::string& taskhash) const {
    open();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    auto sql = "INSERT INTO unihashes VALUES('" + method + "', '" + taskhash + "', '" + k_junk +
               "'); INSERT INTO outhashes VALUES('" + method + "', '" + k_outhash + "', '" +
               k_junk + "');";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  testing::TempDir m_temp;
};

TEST_F(EquivalenceDbTest, SameOutputsMapToTheFirstTaskHash) {
  // Given two task hashes of one task with the same outputs, we should map both to the first.
  auto db = open();
  EXPECT_EQ(db.report("lib:do_install", k_first, k_outhash, std::nullopt), k_first);
  EXPECT_EQ(db.report("lib:do_install", k_second, k_outhash, std::nullopt), k_first);
  EXPECT_EQ(db.unihash("lib:do_install", k_second), k_first);
  EXPECT_EQ(db.unihash("app:do_install", k_second), std::nullopt);
}

TEST_F(EquivalenceDbTest, RecordedJunkIsNeitherReturnedNorKept) {
  // Given rows whose unique hash is a login page, we should answer nothing for them, and
  // replace them at the next report.
  poison("lib:do_install", k_second);
  auto db = open();
  EXPECT_EQ(db.unihash("lib:do_install", k_second), std::nullopt);
  EXPECT_EQ(db.by_outhash("lib:do_install", k_outhash), std::nullopt);
  EXPECT_EQ(db.report("lib:do_install", k_second, k_outhash, std::nullopt), k_second);
  EXPECT_EQ(db.unihash("lib:do_install", k_second), k_second);
  EXPECT_EQ(db.by_outhash("lib:do_install", k_outhash), k_second);
}

TEST_F(EquivalenceDbTest, JunkFromElsewhereIsNotRecorded) {
  // Given a caller that passes on what a cache answered, we should record only a unique hash.
  auto db = open();
  EXPECT_EQ(db.report("lib:do_install", k_first, k_outhash, k_junk), k_first);
  EXPECT_EQ(db.unihash("lib:do_install", k_first), k_first);
}

} // namespace
} // namespace bbrun::server::sstate
