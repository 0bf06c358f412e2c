// SPDX-License-Identifier: MIT
// The hash equivalence database.
#include "server/sstate/equivalence_db.h"

#include "server/sstate/cache_entries.h"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <utility>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;

namespace {

constexpr std::string_view k_schema = R"(
CREATE TABLE IF NOT EXISTS unihashes(
  method TEXT NOT NULL, taskhash TEXT NOT NULL, unihash TEXT NOT NULL,
  PRIMARY KEY(method, taskhash));
CREATE TABLE IF NOT EXISTS outhashes(
  method TEXT NOT NULL, outhash TEXT NOT NULL, unihash TEXT NOT NULL,
  PRIMARY KEY(method, outhash));
)";

std::string sqlite_message(sqlite3* db, std::string_view what) {
  return fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

common::Result<sqlite3*> open_database(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    std::string setup = fmt::format("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                    "BEGIN IMMEDIATE; {} PRAGMA user_version={}; COMMIT;",
                                    k_schema, EquivalenceDb::k_schema_version);
    rc = sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    auto message = sqlite_message(db, "open " + path.string());
    sqlite3_close(db);
    return fail(ErrorKind::io, message);
  }
  return db;
}

void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// Run `sql` once with `texts` bound to ?1, ?2, ...; whether it ran to the end.
bool execute(sqlite3* db, const std::string& sql, std::initializer_list<std::string_view> texts) {
  sqlite3_stmt* stmt = nullptr;
  bool ok = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK;
  int index = 0;
  for (auto text : texts) {
    if (ok) {
      bind_text(stmt, ++index, text);
    }
  }
  ok = ok && sqlite3_step(stmt) == SQLITE_DONE;
  sqlite3_finalize(stmt);
  return ok;
}

// Add the row (method, hash, unihash) to `table`. The first mapping of a hash stays, unless it
// is no unique hash: an older bbrun recorded whatever a cache answered, and lookups skip that.
std::string insert_sql(std::string_view table) {
  return fmt::format("INSERT INTO {} VALUES(?1, ?2, ?3) ON CONFLICT DO UPDATE SET "
                     "unihash = excluded.unihash "
                     "WHERE length(unihash) != {} OR unihash GLOB '*[^0-9a-f]*'",
                     table, k_task_hash_digits);
}

// Run `body` in one transaction, committed when it returns true. IMMEDIATE takes the write
// lock before anything is read, so that two reporters of the same outputs cannot both decide
// to be the first.
common::Result<void> in_transaction(sqlite3* db, const std::function<bool()>& body) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(ErrorKind::io, sqlite_message(db, "hash equivalence"));
  }
  if (!body() || sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(db, "hash equivalence");
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return fail(ErrorKind::io, message);
  }
  return {};
}

} // namespace

common::Result<EquivalenceDb> EquivalenceDb::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto db = open_database(path);
  if (!db) {
    std::filesystem::rename(path, path.string() + ".corrupt", ec);
    std::filesystem::remove(path.string() + "-wal", ec);
    std::filesystem::remove(path.string() + "-shm", ec);
    db = open_database(path);
    if (!db) {
      return fail(db.error());
    }
  }
  return EquivalenceDb(*db);
}

EquivalenceDb::EquivalenceDb(EquivalenceDb&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)) {}

EquivalenceDb& EquivalenceDb::operator=(EquivalenceDb&& other) noexcept {
  if (this != &other) {
    sqlite3_close(m_db);
    m_db = std::exchange(other.m_db, nullptr);
  }
  return *this;
}

EquivalenceDb::~EquivalenceDb() {
  sqlite3_close(m_db);
}

std::optional<std::string> EquivalenceDb::lookup(const char* sql, std::string_view method,
                                                 std::string_view hash) {
  sqlite3_stmt* stmt = nullptr;
  std::optional<std::string> found;
  if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) == SQLITE_OK) {
    bind_text(stmt, 1, method);
    bind_text(stmt, 2, hash);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      found = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    // An older bbrun recorded whatever a cache answered: such a row is no unique hash.
    if (found && !is_task_hash(*found)) {
      found.reset();
    }
  }
  sqlite3_finalize(stmt);
  return found;
}

std::optional<std::string> EquivalenceDb::unihash(std::string_view method,
                                                  std::string_view taskhash) {
  return lookup("SELECT unihash FROM unihashes WHERE method=?1 AND taskhash=?2", method, taskhash);
}

std::optional<std::string> EquivalenceDb::by_outhash(std::string_view method,
                                                     std::string_view outhash) {
  return lookup("SELECT unihash FROM outhashes WHERE method=?1 AND outhash=?2", method, outhash);
}

common::Result<std::string> EquivalenceDb::report(std::string_view method,
                                                  std::string_view taskhash,
                                                  std::string_view outhash,
                                                  const std::optional<std::string>& known) {
  std::string unihash;
  auto recorded = in_transaction(m_db, [&] {
    auto first = known && is_task_hash(*known) ? known : by_outhash(method, outhash);
    unihash = first.value_or(std::string(taskhash));
    return execute(m_db, insert_sql("outhashes"), {method, outhash, unihash}) &&
           execute(m_db, insert_sql("unihashes"), {method, taskhash, unihash});
  });
  if (!recorded) {
    return fail(recorded.error());
  }
  // The mapping that counts is the one in the table (an earlier report may have won).
  return this->unihash(method, taskhash).value_or(unihash);
}

common::Result<void> EquivalenceDb::learn(const std::vector<Mapping>& mappings) {
  auto sql = insert_sql("unihashes");
  return in_transaction(m_db, [&] {
    return std::all_of(mappings.begin(), mappings.end(), [&](const Mapping& mapping) {
      return !is_task_hash(mapping.unihash) ||
             execute(m_db, sql, {mapping.method, mapping.taskhash, mapping.unihash});
    });
  });
}

} // namespace bbrun::server::sstate
