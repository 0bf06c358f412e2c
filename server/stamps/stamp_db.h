// SPDX-License-Identifier: MIT
// Stamps: which task last succeeded with which signature, in sqlite under TMPDIR.
//
// Format (PRAGMA user_version = k_schema_version):
//   stamps(recipe TEXT, task TEXT, signature TEXT, started REAL, duration REAL,
//          PRIMARY KEY(recipe, task))
// `recipe` is the recipe file's path. A row is written in its own transaction only after the
// task succeeded, so a task cut off at any moment never counts as done. WAL mode keeps readers
// and the one writer (the server) out of each other's way. A database that cannot be opened or
// read as this format is moved aside and recreated with a warning: every task then reruns,
// which is always safe.
#pragma once

#include "common/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace bbrun::server::stamps {

class StampDb {
public:
  static constexpr int k_schema_version = 1;

  /// Open or create the database at `path` (creating its directory). `warning` receives a
  /// message when an unusable database was replaced. Fails only when no database can be made.
  static common::Result<StampDb> open(const std::filesystem::path& path, std::string* warning);

  StampDb(StampDb&& other) noexcept;
  StampDb& operator=(StampDb&& other) noexcept;
  ~StampDb();

  /// The signature of the task's last successful run, if any.
  std::optional<std::string> signature(std::string_view recipe, std::string_view task);
  /// Record a successful run.
  common::Result<void> record(std::string_view recipe, std::string_view task,
                              std::string_view signature, double started, double duration);
  /// Forget a task (it is running now, or was forced): it is no longer up to date.
  common::Result<void> forget(std::string_view recipe, std::string_view task);

  const std::filesystem::path& path() const { return m_path; }

private:
  StampDb(std::filesystem::path path, sqlite3* db);
  void close();

  std::filesystem::path m_path;
  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_select = nullptr;
  sqlite3_stmt* m_upsert = nullptr;
  sqlite3_stmt* m_delete = nullptr;
};

} // namespace bbrun::server::stamps
