// SPDX-License-Identifier: MIT
// What the shared-state helper does: find objects, restore one, store one, clean a recipe's.
// These run in `bbrun-sstate`, a process of their own, so that network waits and unpacking
// never hold up the server's event loop; they block, and return everything they have to say.
#pragma once

#include "common/result.h"
#include "server/sstate/archive.h"
#include "server/sstate/cache_keys.h"
#include "server/sstate/cache_store.h"
#include "server/sstate/dir_store.h"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::sstate {

/// Where the cache is, as the server resolved it from SSTATE_DIR, SSTATE_MIRRORS and
/// SSTATE_HTTP_CACHE.
struct Locations {
  std::filesystem::path sstate_dir;
  std::vector<std::filesystem::path> mirrors; ///< read-only, in lookup order
  std::string http_url;                       ///< empty: no HTTP cache
  std::chrono::milliseconds timeout{2000};    ///< of each network request
};

nlohmann::json locations_to_json(const Locations& locations);
/// Fails with ErrorKind::protocol when a field is missing or mistyped.
common::Result<Locations> locations_from_json(const nlohmann::json& json);

/// A store that stopped answering, and why.
struct StoreWarning {
  std::string where; ///< the store's directory or URL
  std::string message;
};

/// The stores of one helper run, in lookup order: SSTATE_DIR, the mirrors, the HTTP cache. A
/// store that fails once (a server down, a mirror unreadable) is reported once and not asked
/// again: the rest of the run treats it as empty.
class Stores {
public:
  /// `http_cache`: the store of `locations.http_url`, when there is one. The caller makes it,
  /// so that only the helper links an HTTP client and the server starts without one.
  explicit Stores(const Locations& locations, std::unique_ptr<CacheStore> http_cache = nullptr);

  DirStore& local() { return m_local; }
  /// Every store still in use, SSTATE_DIR first.
  std::vector<CacheStore*> readers();
  /// The stores objects are written to: SSTATE_DIR, and the HTTP cache while it answers.
  std::vector<CacheStore*> writers();
  /// The stores that hold hash equivalences besides SSTATE_DIR's database: the HTTP cache,
  /// while it answers.
  std::vector<CacheStore*> shared();
  /// Stop using `store` after `error`, with one warning.
  void failed(CacheStore& store, const common::Error& error);
  /// `store` answered for `key` with an entry that is not one of `method` (cache_entries.h).
  /// In a directory (SSTATE_DIR, a mirror) it is one an older bbrun wrote under a unique hash
  /// that was not one: it counts as absent, and the next store of the task replaces it. A
  /// server that answers with one is not a shared-state cache (a captive portal, a misrouted
  /// proxy): it is dropped, as one that is down. Returns whether it was.
  bool reject_entry(CacheStore& store, std::string_view key, std::string_view method);
  const std::vector<StoreWarning>& warnings() const { return m_warnings; }
  const std::filesystem::path& sstate_dir() const { return m_sstate_dir; }

private:
  std::filesystem::path m_sstate_dir;
  DirStore m_local;
  std::vector<std::unique_ptr<CacheStore>> m_others;
  std::vector<CacheStore*> m_failed;
  std::vector<StoreWarning> m_warnings;
};

/// Which of `queries` have an object, by unique hash, and in which store first. Only an entry
/// that names the task counts (cache_entries.h): elsewhere than SSTATE_DIR, any other answer
/// drops the store, as a failure does.
std::map<std::string, StoreKind> find_objects(Stores& stores,
                                              const std::vector<ObjectQuery>& queries);

/// The unique hash the shared caches (the HTTP cache) have for each of `tasks`, in order;
/// nullopt where none has one. Asks for all at once, several requests in flight. A store that
/// answers anything but an entry of the task asked about is dropped, and none of its answers
/// count.
std::vector<std::optional<std::string>> shared_unihashes(Stores& stores,
                                                         const std::vector<UnihashQuery>& tasks);
/// Record in SSTATE_DIR's database the `unihashes` found for `tasks` (as shared_unihashes
/// returns them), so that later builds sign the tasks after them alike without asking.
void record_unihashes(Stores& stores, const std::vector<UnihashQuery>& tasks,
                      const std::vector<std::optional<std::string>>& unihashes);

/// Restore the object of `query` over `outputs`; an object found elsewhere than SSTATE_DIR is
/// first copied into it. Returns the store it came from, or nullopt when no store has an
/// object of that task under that unique hash (an entry naming another task is never used).
/// Fails when the object is corrupt or cannot be unpacked (a corrupt object in SSTATE_DIR is
/// removed, so that the next successful run stores a good one).
common::Result<std::optional<StoreKind>> restore_object(Stores& stores, const ObjectQuery& query,
                                                        const std::vector<OutputDir>& outputs);

struct StoreRequest {
  std::string method;   ///< "pn:do_task"
  std::string taskhash; ///< the task's signature
  std::vector<OutputDir> outputs;
};

struct Stored {
  std::string unihash; ///< the task's unique hash, the key its object is stored under
  std::string outhash;
  std::string sha256;
};

/// Pack the outputs of a task that just ran, record its output hash for hash equivalence
/// (locally and in the HTTP cache) and store the object under the resulting unique hash in
/// every writable store. Fails only when packing fails; a store that cannot take the object
/// is a warning.
common::Result<Stored> store_outputs(Stores& stores, const StoreRequest& request);

/// Remove from SSTATE_DIR (never from mirrors or the HTTP cache) the entries of every task of
/// recipe `pn`, and the objects no other entry names. Returns how many entries went.
common::Result<size_t> clean_recipe(Stores& stores, const std::string& pn);

} // namespace bbrun::server::sstate
