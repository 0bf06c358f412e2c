// SPDX-License-Identifier: MIT
// Tests for the sqlite stamps database, on real files.
#include "server/stamps/stamp_db.h"
#include "tests/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

namespace bbrun::server::stamps {
namespace {

using bbrun::testing::TempDir;
using ::testing::HasSubstr;

// Run `sql` on the database at `path` with a connection of its own; the first column of the
// first row, or "".
std::string query(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

TEST(StampDbTest, RecordsAndForgetsRuns) {
  TempDir dir;
  auto path = dir.path() / "tmp" / "stamps.db";
  std::string warning;
  auto db = StampDb::open(path, &warning);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(warning, "");
  EXPECT_TRUE(db->stamps().empty());
  ASSERT_TRUE(db->record("r.bb", "do_a", "sig1", 10, 1.5, "{\"in\":1}"));
  ASSERT_TRUE(db->record("r.bb", "do_b", "sig2", 11, 2.5, "{}"));
  auto stamps = db->stamps();
  ASSERT_EQ(stamps.size(), 2u);
  const auto& a = stamps.at(StampDb::task_key("r.bb", "do_a"));
  const auto& b = stamps.at(StampDb::task_key("r.bb", "do_b"));
  EXPECT_EQ(a.signature, "sig1");
  EXPECT_TRUE(a.complete);
  EXPECT_LT(a.seq, b.seq);
  EXPECT_EQ(db->inputs("r.bb", "do_a"), "{\"in\":1}");
  EXPECT_EQ(b.duration, 2.5);

  ASSERT_TRUE(db->forget({{"r.bb", "do_a"}}));
  EXPECT_FALSE(db->stamps().at(StampDb::task_key("r.bb", "do_a")).complete)
      << "a task that started again is not done";
  EXPECT_EQ(db->inputs("r.bb", "do_a"), "{\"in\":1}") << "the last success stays to compare";
  EXPECT_EQ(query(path, "PRAGMA journal_mode"), "wal");
}

TEST(StampDbTest, RecordedRunsAreDurableOnceCommittedOrClosed) {
  // Given runs recorded in a batch, another connection should see none of them until the
  // commit, and a batch left open should be committed when the database is closed.
  TempDir dir;
  auto path = dir.path() / "stamps.db";
  auto count = [&] { return query(path, "SELECT count(*) FROM stamps WHERE complete=1"); };
  {
    auto db = StampDb::open(path, nullptr);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->record("r.bb", "do_a", "sig1", 10, 1, "{}"));
    ASSERT_TRUE(db->record("r.bb", "do_b", "sig2", 11, 1, "{}"));
    EXPECT_TRUE(db->has_batch());
    EXPECT_EQ(db->stamps().size(), 2u) << "the batch is seen by its own connection";
    EXPECT_EQ(count(), "0");
    ASSERT_TRUE(db->commit());
    EXPECT_FALSE(db->has_batch());
    EXPECT_EQ(count(), "2");
    ASSERT_TRUE(db->record("r.bb", "do_c", "sig3", 12, 1, "{}"));
    EXPECT_EQ(count(), "2");
  }
  EXPECT_EQ(count(), "3");
}

TEST(StampDbTest, WhatWasRecordedSurvivesReopening) {
  TempDir dir;
  auto path = dir.path() / "stamps.db";
  {
    auto db = StampDb::open(path, nullptr);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->record("r.bb", "do_a", "sig1", 10, 1.5, "{}"));
  }
  auto db = StampDb::open(path, nullptr);
  ASSERT_TRUE(db);
  ASSERT_EQ(db->stamps().size(), 1u);
  EXPECT_EQ(db->stamps().begin()->second.signature, "sig1");
}

TEST(StampDbTest, ANewDatabaseHasPagesThatHoldManyStamps) {
  // Given a new database, its pages should be 16 KiB (a stamp is a few hundred bytes), and one
  // made before with 4 KiB pages should keep its pages and its stamps.
  TempDir dir;
  auto fresh = dir.path() / "fresh.db";
  ASSERT_TRUE(StampDb::open(fresh, nullptr));
  EXPECT_EQ(query(fresh, "PRAGMA page_size"), "16384");
  auto old = dir.path() / "old.db";
  {
    sqlite3* db = nullptr;
    sqlite3_open(old.c_str(), &db);
    sqlite3_exec(db, "PRAGMA page_size=4096; CREATE TABLE t(x); DROP TABLE t;", nullptr, nullptr,
                 nullptr);
    sqlite3_close(db);
  }
  {
    auto db = StampDb::open(old, nullptr);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->record("r.bb", "do_a", "sig1", 10, 1.5, "{}"));
  }
  EXPECT_EQ(query(old, "PRAGMA page_size"), "4096");
  EXPECT_EQ(query(old, "SELECT signature FROM stamps"), "sig1");
}

TEST(StampDbTest, GarbageIsMovedAsideAndReplacedWithAWarning) {
  TempDir dir;
  auto path = dir.path() / "stamps.db";
  std::ofstream(path) << std::string(5000, 'x');
  std::string warning;
  auto db = StampDb::open(path, &warning);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_THAT(warning, HasSubstr("unusable"));
  EXPECT_THAT(warning, HasSubstr("every task will run again"));
  EXPECT_TRUE(std::filesystem::exists(path.string() + ".corrupt"));
  EXPECT_TRUE(db->record("r.bb", "do_a", "sig", 1, 1, "{}"));
  EXPECT_EQ(query(path, "PRAGMA integrity_check"), "ok");
}

TEST(StampDbTest, AnOlderFormatIsRecreatedWithANote) {
  TempDir dir;
  auto path = dir.path() / "stamps.db";
  ASSERT_EQ(query(path, "CREATE TABLE stamps(recipe, task, signature)"), "");
  ASSERT_EQ(query(path, "PRAGMA user_version=2"), "");
  std::string warning;
  auto db = StampDb::open(path, &warning);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_THAT(warning, HasSubstr("older bbrun"));
  EXPECT_TRUE(db->record("r.bb", "do_a", "sig", 1, 1, "{}"));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".corrupt"));
}

TEST(StampDbTest, Format3RowsAreKept) {
  TempDir dir;
  auto path = dir.path() / "stamps.db";
  ASSERT_EQ(query(path, "CREATE TABLE stamps(recipe TEXT NOT NULL, task TEXT NOT NULL, "
                        "signature TEXT NOT NULL, started REAL NOT NULL, duration REAL NOT NULL, "
                        "seq INTEGER NOT NULL, complete INTEGER NOT NULL, inputs TEXT NOT NULL, "
                        "PRIMARY KEY(recipe, task))"),
            "");
  ASSERT_EQ(query(path, "CREATE INDEX stamps_by_seq ON stamps(seq)"), "");
  ASSERT_EQ(query(path, "INSERT INTO stamps VALUES('r.bb', 'do_a', 'sig1', 1, 2, 7, 1, '{}')"), "");
  ASSERT_EQ(query(path, "PRAGMA user_version=3"), "");
  std::string warning;
  auto db = StampDb::open(path, &warning);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(warning, "");
  auto stamps = db->stamps();
  ASSERT_EQ(stamps.size(), 1u);
  EXPECT_EQ(stamps.at(StampDb::task_key("r.bb", "do_a")).signature, "sig1");
  ASSERT_TRUE(db->record("r.bb", "do_b", "sig2", 3, 1, "{}"));
  EXPECT_EQ(db->stamps().at(StampDb::task_key("r.bb", "do_b")).seq, 8)
      << "run numbers go on from the kept rows";
  EXPECT_EQ(query(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stamps_%'"), "0");
}

} // namespace
} // namespace bbrun::server::stamps
