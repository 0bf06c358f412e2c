// SPDX-License-Identifier: MIT
// Stamps: which task last succeeded with which signature, in sqlite under TMPDIR.
//
// Format (PRAGMA user_version = k_schema_version):
//   stamps(recipe TEXT, task TEXT, signature TEXT, started REAL, duration REAL, seq INTEGER,
//          complete INTEGER, inputs TEXT, PRIMARY KEY(recipe, task)) WITHOUT ROWID
// One row per task that ever succeeded: the signature of its last successful run, when it
// started and how long it took, and the inputs of that signature (JSON, see `record`) so that
// a rerun can be explained. `seq` grows by one with every recorded run, so it orders runs
// across builds and servers: a task whose dependency ran after it is out of date, as with
// BitBake's stamp times; the next number is kept in memory, since the server holding the
// build directory's lock is the only writer. `complete` drops to 0 when the task starts again and
// rises only when it succeeds: a task cut off at any moment never counts as done, and the last
// successful run's inputs stay for comparison. `recipe` is the recipe file's path. Successes are
// recorded in a batch transaction that the caller commits (`commit`, soon after); `forget` is one
// transaction of its own. A batch lost with its process loses only stamps of tasks that did end:
// they run again, and since a task ends after its dependencies, a dependency's stamp is never
// lost while a dependent's is kept. WAL mode keeps readers and the one writer (the server) out of
// each other's way.
// A database that cannot be opened or read as this format is moved aside and recreated with a
// warning, one of format 1 or 2 recreated with a note (every task then reruns, which is always
// safe); format 3's rows are kept.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace bbrun::server::stamps {

class StampDb {
public:
  static constexpr int k_schema_version = 4;

  /// Open or create the database at `path` (creating its directory). A database that cannot
  /// be read, however deep the damage, is moved aside and replaced. `warning` receives a
  /// message when an existing database was replaced, or when one this process had open is
  /// gone. Fails only when no database can be made.
  static common::Result<StampDb> open(const std::filesystem::path& path, std::string* warning);

  StampDb(StampDb&& other) noexcept;
  StampDb& operator=(StampDb&& other) noexcept;
  ~StampDb();

  struct Stamp {
    std::string signature; ///< of the last successful run
    int64_t seq = 0;
    bool complete = false; ///< false: the task started again since, and has not succeeded
    double duration = 0;   ///< of that run, in seconds: weighs the task in scheduling
  };
  /// The inputs recorded with the task's last successful run, or "" when there is none.
  std::string inputs(std::string_view recipe, std::string_view task);
  /// Every task's stamp, keyed by `task_key`: one query instead of one per task.
  std::unordered_map<std::string, Stamp> stamps();
  static std::string task_key(std::string_view recipe, std::string_view task);
  /// Record a successful run with its signature's `inputs` (any text; the runqueue stores
  /// JSON), in the open batch (starting one): it is durable once `commit` returns.
  common::Result<void> record(std::string_view recipe, std::string_view task,
                              std::string_view signature, double started, double duration,
                              std::string_view inputs);
  /// Commit the batch of `record`s, if one is open. Closing the database commits it too.
  common::Result<void> commit();
  bool has_batch() const { return m_in_batch; }
  /// Mark tasks (recipe, task) incomplete, in one transaction (committing the batch first):
  /// they are about to run, so they are no longer up to date.
  common::Result<void> forget(const std::vector<std::pair<std::string, std::string>>& tasks);

  const std::filesystem::path& path() const { return m_path; }

private:
  StampDb(std::filesystem::path path, sqlite3* db);
  static common::Result<StampDb> open_ready(const std::filesystem::path& path,
                                            std::string* warning);
  void close();

  std::filesystem::path m_path;
  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_inputs = nullptr;
  sqlite3_stmt* m_upsert = nullptr;
  sqlite3_stmt* m_incomplete = nullptr;
  int64_t m_last_seq = 0;  ///< the highest seq recorded
  bool m_in_batch = false; ///< a transaction of `record`s is open
};

} // namespace bbrun::server::stamps
