// SPDX-License-Identifier: MIT
// Stamps: which task last succeeded with which signature, in sqlite under TMPDIR.
//
// Format (PRAGMA user_version = k_schema_version):
//   stamps(recipe TEXT, task TEXT, signature TEXT, started REAL, duration REAL, seq INTEGER,
//          PRIMARY KEY(recipe, task))
// `seq` grows by one with every recorded run, so it orders runs across builds and servers: a
// task whose dependency ran after it is out of date, as with BitBake's stamp times.
//   durations(recipe TEXT, task TEXT, seconds REAL, PRIMARY KEY(recipe, task))
// `durations` outlives a stamp that is forgotten: the scheduler uses the last measured run
// time of a task even while the task is out of date.
// `recipe` is the recipe file's path. A row is written in its own transaction only after the
// task succeeded, so a task cut off at any moment never counts as done. WAL mode keeps readers
// and the one writer (the server) out of each other's way. A database that cannot be opened or
// read as this format is moved aside and recreated with a warning: every task then reruns,
// which is always safe.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace bbrun::server::stamps {

class StampDb {
public:
  static constexpr int k_schema_version = 2;

  /// Open or create the database at `path` (creating its directory). `warning` receives a
  /// message when an unusable database was replaced. Fails only when no database can be made.
  static common::Result<StampDb> open(const std::filesystem::path& path, std::string* warning);

  StampDb(StampDb&& other) noexcept;
  StampDb& operator=(StampDb&& other) noexcept;
  ~StampDb();

  struct Stamp {
    std::string signature;
    int64_t seq = 0;
  };
  /// The task's last successful run, if any.
  std::optional<Stamp> stamp(std::string_view recipe, std::string_view task);
  /// The last measured duration of every task that ever succeeded, keyed by `duration_key`.
  std::unordered_map<std::string, double> durations();
  static std::string duration_key(std::string_view recipe, std::string_view task);
  /// Record a successful run (its stamp and its duration, in one transaction).
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
  sqlite3_stmt* m_duration = nullptr;
};

} // namespace bbrun::server::stamps
