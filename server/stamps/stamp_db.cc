// SPDX-License-Identifier: MIT
// sqlite stamps database.
#include "server/stamps/stamp_db.h"

#include "common/log.h"

#include <fmt/core.h>
#include <sqlite3.h>

#include <set>
#include <utility>

namespace bbrun::server::stamps {

using common::ErrorKind;
using common::fail;

namespace {

// WITHOUT ROWID: the key is the only way rows are found, and one b-tree instead of a table
// and its key's index halves the pages each recorded run writes.
constexpr std::string_view k_schema = R"(
CREATE TABLE IF NOT EXISTS stamps(
  recipe TEXT NOT NULL,
  task TEXT NOT NULL,
  signature TEXT NOT NULL,
  started REAL NOT NULL,
  duration REAL NOT NULL,
  seq INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  inputs TEXT NOT NULL,
  PRIMARY KEY(recipe, task)) WITHOUT ROWID;
)";

// Format 3 had the same columns in a rowid table with an index on seq: keep its rows.
constexpr std::string_view k_convert_format_3 =
    "ALTER TABLE stamps RENAME TO stamps_format_3; DROP INDEX IF EXISTS stamps_by_seq;";
constexpr std::string_view k_copy_format_3 =
    "INSERT INTO stamps SELECT * FROM stamps_format_3; DROP TABLE stamps_format_3;";

// Tables of the formats before 3; they hold nothing worth converting.
constexpr std::string_view k_drop_old_tables = "DROP TABLE IF EXISTS stamps; "
                                               "DROP TABLE IF EXISTS durations;";

// A stamp is a few hundred bytes (its inputs): with sqlite's default 4 KiB pages, recording
// one cost four times what it does with 16 KiB pages, which hold enough stamps each that a
// rewritten one rarely has to move. Set when a database is created; one made with smaller
// pages keeps them.
constexpr int k_page_size = 16384;

// A build reads every stamp, then writes those of the tasks it runs: with the whole database
// in the page cache, the writes find their pages there instead of reading them again. The
// default (2 MiB) holds about 4000 stamps. Negative: KiB, as sqlite counts it.
constexpr int k_cache_kib = -32768;

std::string sqlite_message(sqlite3* db, std::string_view what) {
  return fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

// Open `path` and bring it to this schema; `note` says when an older format was dropped.
// Fails when the file is not a usable stamps database.
common::Result<sqlite3*> open_and_migrate(const std::filesystem::path& path, std::string* note) {
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
  if (version > StampDb::k_schema_version) {
    sqlite3_close(db);
    return fail(ErrorKind::io, fmt::format("{} has schema version {}, newer than {}", path.string(),
                                           version, StampDb::k_schema_version));
  }
  bool convertible = version == 3;
  bool older = version > 0 && version < 3;
  std::string setup =
      fmt::format("PRAGMA page_size={}; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                  "PRAGMA cache_size={}; BEGIN; {} {} {} PRAGMA user_version={}; COMMIT;",
                  k_page_size, k_cache_kib,
                  convertible ? k_convert_format_3
                  : older     ? k_drop_old_tables
                              : "",
                  k_schema, convertible ? k_copy_format_3 : "", StampDb::k_schema_version);
  if (version < 0 || sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(db, "set up " + path.string());
    sqlite3_close(db);
    return fail(ErrorKind::io, message);
  }
  if (older && note != nullptr) {
    *note = fmt::format("stamps database {} was written by an older bbrun (format {}); "
                        "recreated: every task will run again",
                        path.string(), version);
  }
  return db;
}

// Bind recipe and task as ?1 and ?2.
void bind_key(sqlite3_stmt* stmt, std::string_view recipe, std::string_view task) {
  sqlite3_bind_text(stmt, 1, recipe.data(), int(recipe.size()), SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, task.data(), int(task.size()), SQLITE_STATIC);
}

std::string_view column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return text != nullptr
             ? std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt, column)))
             : std::string_view();
}

} // namespace

// Open `path` as a stamps database ready for use: schema, last run number, statements. Fails
// when anything in it is unreadable, however deep.
common::Result<StampDb> StampDb::open_ready(const std::filesystem::path& path,
                                            std::string* warning) {
  auto db = open_and_migrate(path, warning);
  if (!db) {
    return fail(db.error());
  }
  StampDb stamps(path, *db);
  sqlite3_stmt* last_seq = nullptr;
  if (sqlite3_prepare_v2(*db, "SELECT coalesce(max(seq), 0) FROM stamps", -1, &last_seq, nullptr) !=
          SQLITE_OK ||
      sqlite3_step(last_seq) != SQLITE_ROW) {
    sqlite3_finalize(last_seq);
    return fail(ErrorKind::io, sqlite_message(*db, "read the last run's number"));
  }
  stamps.m_last_seq = sqlite3_column_int64(last_seq, 0);
  sqlite3_finalize(last_seq);
  const char* inputs = "SELECT inputs FROM stamps WHERE recipe=?1 AND task=?2";
  // An upsert, not INSERT OR REPLACE: replacing deletes the row and inserts it again.
  const char* upsert = "INSERT INTO stamps VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) "
                       "ON CONFLICT(recipe, task) DO UPDATE SET signature = excluded.signature, "
                       "started = excluded.started, duration = excluded.duration, "
                       "seq = excluded.seq, complete = 1, inputs = excluded.inputs";
  const char* incomplete = "UPDATE stamps SET complete=0 WHERE recipe=?1 AND task=?2";
  for (auto [sql, stmt] : {std::pair{inputs, &stamps.m_inputs}, std::pair{upsert, &stamps.m_upsert},
                           std::pair{incomplete, &stamps.m_incomplete}}) {
    if (sqlite3_prepare_v2(*db, sql, -1, stmt, nullptr) != SQLITE_OK) {
      return fail(ErrorKind::io, sqlite_message(*db, "prepare"));
    }
  }
  return stamps;
}

common::Result<StampDb> StampDb::open(const std::filesystem::path& path, std::string* warning) {
  // The databases this process has had open: one of them missing now was removed behind its
  // back, and the user should hear that everything reruns because of it. A database never
  // seen is simply a first build.
  static std::set<std::filesystem::path> seen;
  std::error_code ec;
  bool missing = !std::filesystem::exists(path, ec);
  std::filesystem::create_directories(path.parent_path(), ec);
  auto stamps = open_ready(path, warning);
  if (!stamps) {
    // Keep the unusable file for inspection and start afresh.
    auto aside = path;
    aside += ".corrupt";
    std::filesystem::rename(path, aside, ec);
    std::filesystem::remove(path.string() + "-wal", ec);
    std::filesystem::remove(path.string() + "-shm", ec);
    if (warning != nullptr) {
      *warning = fmt::format("stamps database unusable ({}); moved to {} and recreated: every "
                             "task will run again",
                             stamps.error().message, aside.string());
    }
    stamps = open_ready(path, nullptr);
  } else if (missing && seen.contains(path) && warning != nullptr) {
    *warning = fmt::format("stamps database {} was removed; recreated: every task will run again",
                           path.string());
  }
  if (stamps) {
    seen.insert(path);
  }
  return stamps;
}

StampDb::StampDb(std::filesystem::path path, sqlite3* db) : m_path(std::move(path)), m_db(db) {}

StampDb::StampDb(StampDb&& other) noexcept {
  *this = std::move(other);
}

StampDb& StampDb::operator=(StampDb&& other) noexcept {
  if (this != &other) {
    close();
    m_path = std::move(other.m_path);
    m_db = std::exchange(other.m_db, nullptr);
    m_inputs = std::exchange(other.m_inputs, nullptr);
    m_upsert = std::exchange(other.m_upsert, nullptr);
    m_incomplete = std::exchange(other.m_incomplete, nullptr);
    m_last_seq = other.m_last_seq;
    m_in_batch = std::exchange(other.m_in_batch, false);
  }
  return *this;
}

StampDb::~StampDb() {
  close();
}

void StampDb::close() {
  if (auto committed = commit(); !committed) {
    common::log::warning("{}", committed.error().message);
  }
  for (sqlite3_stmt** stmt : {&m_inputs, &m_upsert, &m_incomplete}) {
    sqlite3_finalize(*stmt);
    *stmt = nullptr;
  }
  sqlite3_close(m_db);
  m_db = nullptr;
}

std::string StampDb::inputs(std::string_view recipe, std::string_view task) {
  bind_key(m_inputs, recipe, task);
  std::string result;
  if (sqlite3_step(m_inputs) == SQLITE_ROW) {
    result = column_text(m_inputs, 0);
  }
  sqlite3_reset(m_inputs);
  return result;
}

std::string StampDb::task_key(std::string_view recipe, std::string_view task) {
  std::string key(recipe);
  key += '\0';
  key += task;
  return key;
}

std::unordered_map<std::string, StampDb::Stamp> StampDb::stamps() {
  std::unordered_map<std::string, Stamp> result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(m_db,
                         "SELECT recipe, task, signature, seq, complete, duration FROM stamps", -1,
                         &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      result[task_key(column_text(stmt, 0), column_text(stmt, 1))] =
          Stamp{std::string(column_text(stmt, 2)), sqlite3_column_int64(stmt, 3),
                sqlite3_column_int(stmt, 4) != 0, sqlite3_column_double(stmt, 5)};
    }
  }
  sqlite3_finalize(stmt);
  return result;
}

common::Result<void> StampDb::record(std::string_view recipe, std::string_view task,
                                     std::string_view signature, double started, double duration,
                                     std::string_view inputs) {
  // A transaction per stamp would cost more than the rest of the cooker's work for the task.
  if (!m_in_batch) {
    if (sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(ErrorKind::io, sqlite_message(m_db, "record stamp"));
    }
    m_in_batch = true;
  }
  bind_key(m_upsert, recipe, task);
  sqlite3_bind_text(m_upsert, 3, signature.data(), int(signature.size()), SQLITE_STATIC);
  sqlite3_bind_double(m_upsert, 4, started);
  sqlite3_bind_double(m_upsert, 5, duration);
  sqlite3_bind_int64(m_upsert, 6, m_last_seq + 1);
  sqlite3_bind_text(m_upsert, 7, inputs.data(), int(inputs.size()), SQLITE_STATIC);
  int rc = sqlite3_step(m_upsert);
  sqlite3_reset(m_upsert);
  if (rc != SQLITE_DONE) {
    return fail(ErrorKind::io, sqlite_message(m_db, "record stamp"));
  }
  ++m_last_seq;
  return {};
}

common::Result<void> StampDb::commit() {
  if (!m_in_batch) {
    return {};
  }
  m_in_batch = false;
  if (sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(m_db, "commit stamps");
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(ErrorKind::io, message + ": those tasks will run again");
  }
  return {};
}

common::Result<void>
StampDb::forget(const std::vector<std::pair<std::string, std::string>>& tasks) {
  if (tasks.empty()) {
    return {}; // no transaction, so no write and no sync
  }
  if (auto committed = commit(); !committed) {
    return committed;
  }
  bool ok = sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  for (size_t i = 0; ok && i < tasks.size(); ++i) {
    bind_key(m_incomplete, tasks[i].first, tasks[i].second);
    ok = sqlite3_step(m_incomplete) == SQLITE_DONE;
    sqlite3_reset(m_incomplete);
  }
  if (!ok || sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(m_db, "forget stamps");
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(ErrorKind::io, message);
  }
  return {};
}

} // namespace bbrun::server::stamps
