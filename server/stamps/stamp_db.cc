// SPDX-License-Identifier: MIT
// sqlite stamps database.
#include "server/stamps/stamp_db.h"

#include <fmt/core.h>
#include <sqlite3.h>

#include <utility>

namespace bbrun::server::stamps {

using common::ErrorKind;
using common::fail;

namespace {

constexpr std::string_view k_schema = R"(
CREATE TABLE IF NOT EXISTS stamps(
  recipe TEXT NOT NULL,
  task TEXT NOT NULL,
  signature TEXT NOT NULL,
  started REAL NOT NULL,
  duration REAL NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY(recipe, task));
CREATE INDEX IF NOT EXISTS stamps_by_seq ON stamps(seq);
CREATE TABLE IF NOT EXISTS durations(
  recipe TEXT NOT NULL,
  task TEXT NOT NULL,
  seconds REAL NOT NULL,
  PRIMARY KEY(recipe, task));
)";

std::string sqlite_message(sqlite3* db, std::string_view what) {
  return fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

// Open `path` and bring it to this schema. Fails when the file is not a usable stamps database.
common::Result<sqlite3*> open_and_migrate(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(db, "open " + path.string());
    sqlite3_close(db);
    return fail(ErrorKind::io, message);
  }
  sqlite3_busy_timeout(db, 5000);
  int version = -1;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  std::string setup = fmt::format("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; {} "
                                  "PRAGMA user_version={};",
                                  k_schema, StampDb::k_schema_version);
  if (version != 0 && version != StampDb::k_schema_version) {
    sqlite3_close(db);
    return fail(ErrorKind::io, fmt::format("{} has schema version {}, expected {}", path.string(),
                                           version, StampDb::k_schema_version));
  }
  if (version < 0 || sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(db, "set up " + path.string());
    sqlite3_close(db);
    return fail(ErrorKind::io, message);
  }
  return db;
}

} // namespace

common::Result<StampDb> StampDb::open(const std::filesystem::path& path, std::string* warning) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto db = open_and_migrate(path);
  if (!db) {
    // Keep the unusable file for inspection and start afresh.
    auto aside = path;
    aside += ".corrupt";
    std::filesystem::rename(path, aside, ec);
    std::filesystem::remove(path.string() + "-wal", ec);
    std::filesystem::remove(path.string() + "-shm", ec);
    if (warning != nullptr) {
      *warning = fmt::format("stamps database unusable ({}); moved to {} and recreated: every "
                             "task will run again",
                             db.error().message, aside.string());
    }
    db = open_and_migrate(path);
    if (!db) {
      return fail(db.error());
    }
  }
  StampDb stamps(path, *db);
  const char* select = "SELECT signature, seq FROM stamps WHERE recipe=?1 AND task=?2";
  const char* upsert = "INSERT OR REPLACE INTO stamps VALUES(?1, ?2, ?3, ?4, ?5, "
                       "(SELECT coalesce(max(seq), 0) + 1 FROM stamps))";
  const char* remove = "DELETE FROM stamps WHERE recipe=?1 AND task=?2";
  const char* duration = "INSERT OR REPLACE INTO durations VALUES(?1, ?2, ?3)";
  if (sqlite3_prepare_v2(*db, select, -1, &stamps.m_select, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(*db, upsert, -1, &stamps.m_upsert, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(*db, remove, -1, &stamps.m_delete, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(*db, duration, -1, &stamps.m_duration, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::io, sqlite_message(*db, "prepare"));
  }
  return stamps;
}

StampDb::StampDb(std::filesystem::path path, sqlite3* db) : m_path(std::move(path)), m_db(db) {}

StampDb::StampDb(StampDb&& other) noexcept
    : m_path(std::move(other.m_path)), m_db(std::exchange(other.m_db, nullptr)),
      m_select(std::exchange(other.m_select, nullptr)),
      m_upsert(std::exchange(other.m_upsert, nullptr)),
      m_delete(std::exchange(other.m_delete, nullptr)),
      m_duration(std::exchange(other.m_duration, nullptr)) {}

StampDb& StampDb::operator=(StampDb&& other) noexcept {
  if (this != &other) {
    close();
    m_path = std::move(other.m_path);
    m_db = std::exchange(other.m_db, nullptr);
    m_select = std::exchange(other.m_select, nullptr);
    m_upsert = std::exchange(other.m_upsert, nullptr);
    m_delete = std::exchange(other.m_delete, nullptr);
    m_duration = std::exchange(other.m_duration, nullptr);
  }
  return *this;
}

StampDb::~StampDb() {
  close();
}

void StampDb::close() {
  sqlite3_finalize(m_select);
  sqlite3_finalize(m_upsert);
  sqlite3_finalize(m_delete);
  sqlite3_finalize(m_duration);
  sqlite3_close(m_db);
  m_select = m_upsert = m_delete = m_duration = nullptr;
  m_db = nullptr;
}

std::optional<StampDb::Stamp> StampDb::stamp(std::string_view recipe, std::string_view task) {
  sqlite3_reset(m_select);
  sqlite3_bind_text(m_select, 1, recipe.data(), int(recipe.size()), SQLITE_STATIC);
  sqlite3_bind_text(m_select, 2, task.data(), int(task.size()), SQLITE_STATIC);
  std::optional<Stamp> result;
  if (sqlite3_step(m_select) == SQLITE_ROW) {
    result = Stamp{reinterpret_cast<const char*>(sqlite3_column_text(m_select, 0)),
                   sqlite3_column_int64(m_select, 1)};
  }
  sqlite3_reset(m_select);
  return result;
}

std::string StampDb::duration_key(std::string_view recipe, std::string_view task) {
  std::string key(recipe);
  key += '\0';
  key += task;
  return key;
}

std::unordered_map<std::string, double> StampDb::durations() {
  std::unordered_map<std::string, double> result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db, "SELECT recipe, task, seconds FROM durations", -1, &stmt, nullptr) ==
      SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      auto text = [stmt](int column) {
        return std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)),
                                static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
      };
      result[duration_key(text(0), text(1))] = sqlite3_column_double(stmt, 2);
    }
  }
  sqlite3_finalize(stmt);
  return result;
}

namespace {

// Bind recipe and task as ?1 and ?2, run `stmt` to completion, and reset it.
bool run_keyed(sqlite3_stmt* stmt, std::string_view recipe, std::string_view task) {
  sqlite3_bind_text(stmt, 1, recipe.data(), int(recipe.size()), SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, task.data(), int(task.size()), SQLITE_STATIC);
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE;
}

} // namespace

common::Result<void> StampDb::record(std::string_view recipe, std::string_view task,
                                     std::string_view signature, double started, double duration) {
  sqlite3_bind_text(m_upsert, 3, signature.data(), int(signature.size()), SQLITE_STATIC);
  sqlite3_bind_double(m_upsert, 4, started);
  sqlite3_bind_double(m_upsert, 5, duration);
  sqlite3_bind_double(m_duration, 3, duration);
  bool ok = sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK &&
            run_keyed(m_upsert, recipe, task) && run_keyed(m_duration, recipe, task) &&
            sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!ok) {
    auto message = sqlite_message(m_db, "record stamp");
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(ErrorKind::io, message);
  }
  return {};
}

common::Result<void> StampDb::forget(std::string_view recipe, std::string_view task) {
  if (!run_keyed(m_delete, recipe, task)) {
    return fail(ErrorKind::io, sqlite_message(m_db, "forget stamp"));
  }
  return {};
}

} // namespace bbrun::server::stamps
