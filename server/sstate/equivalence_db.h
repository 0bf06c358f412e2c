// SPDX-License-Identifier: MIT
// Hash equivalence (BitBake's unihash): task hashes whose tasks produced identical outputs
// share one unique hash, so the tasks after them keep their signatures and their objects.
//
// Format: sqlite at ${SSTATE_DIR}/hashequiv.db, PRAGMA user_version = k_schema_version, WAL:
//   unihashes(method TEXT, taskhash TEXT, unihash TEXT, PRIMARY KEY(method, taskhash))
//   outhashes(method TEXT, outhash TEXT, unihash TEXT, PRIMARY KEY(method, outhash))
// `method` is "pn:do_task". The unique hash of an output hash is the task hash that first
// produced it; a later task hash with the same outputs is mapped to it. Each report is one
// transaction, so a process killed at any point leaves either the whole mapping or none.
// Several processes (the server, its helpers, other build directories sharing SSTATE_DIR) use
// the file at once; sqlite's locking and a busy timeout order them.
#pragma once

#include "common/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace bbrun::server::sstate {

class EquivalenceDb {
public:
  static constexpr int k_schema_version = 1;

  /// Open or create the database at `path`. A file that is not a usable database of this
  /// format is moved to `path.corrupt` and recreated (equivalences are only an optimisation).
  static common::Result<EquivalenceDb> open(const std::filesystem::path& path);

  EquivalenceDb(EquivalenceDb&& other) noexcept;
  EquivalenceDb& operator=(EquivalenceDb&& other) noexcept;
  ~EquivalenceDb();

  /// The unique hash recorded for `taskhash` of `method`, if any. A recorded text that is no
  /// unique hash (is_task_hash; an older bbrun recorded what any cache answered) counts as
  /// none.
  std::optional<std::string> unihash(std::string_view method, std::string_view taskhash);
  /// The unique hash recorded for `outhash` of `method`, if any; as for unihash().
  std::optional<std::string> by_outhash(std::string_view method, std::string_view outhash);
  /// Record that `taskhash` of `method` produced `outhash`, and return its unique hash: that of
  /// the first task hash with the same outputs (`known`, when the caller learnt it elsewhere
  /// and it is a unique hash, else what this database holds, else `taskhash` itself). An
  /// existing mapping of `taskhash` is kept, unless it is no unique hash.
  common::Result<std::string> report(std::string_view method, std::string_view taskhash,
                                     std::string_view outhash,
                                     const std::optional<std::string>& known);

  /// A task hash of `method` and its unique hash.
  struct Mapping {
    std::string method;
    std::string taskhash;
    std::string unihash;
  };
  /// Record `mappings` learnt from a shared cache, in one transaction. An existing mapping of a
  /// task hash is kept, unless it is no unique hash; a mapping to no unique hash is left out.
  common::Result<void> learn(const std::vector<Mapping>& mappings);

private:
  explicit EquivalenceDb(sqlite3* db) : m_db(db) {}
  std::optional<std::string> lookup(const char* sql, std::string_view method,
                                    std::string_view hash);

  sqlite3* m_db = nullptr;
};

} // namespace bbrun::server::sstate
