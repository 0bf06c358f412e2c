// SPDX-License-Identifier: MIT
// Shared-state operations of the helper process.
#include "server/sstate/operations.h"

#include "server/sstate/cache_entries.h"
#include "server/sstate/cache_keys.h"
#include "server/sstate/equivalence_db.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
using nlohmann::json;
namespace fs = std::filesystem;

json locations_to_json(const Locations& locations) {
  json mirrors = json::array();
  for (const auto& mirror : locations.mirrors) {
    mirrors.push_back(mirror.string());
  }
  return {{"sstate_dir", locations.sstate_dir.string()},
          {"mirrors", mirrors},
          {"http", locations.http_url},
          {"timeout_ms", locations.timeout.count()}};
}

common::Result<Locations> locations_from_json(const json& in) {
  try {
    Locations out;
    out.sstate_dir = in.at("sstate_dir").get<std::string>();
    for (const auto& mirror : in.at("mirrors")) {
      out.mirrors.emplace_back(mirror.get<std::string>());
    }
    out.http_url = in.at("http").get<std::string>();
    out.timeout = std::chrono::milliseconds(in.at("timeout_ms").get<int64_t>());
    return out;
  } catch (const json::exception& error) {
    return fail(ErrorKind::protocol, fmt::format("shared-state locations: {}", error.what()));
  }
}

Stores::Stores(const Locations& locations, std::unique_ptr<CacheStore> http_cache)
    : m_sstate_dir(locations.sstate_dir), m_local(locations.sstate_dir, StoreKind::local) {
  for (const auto& mirror : locations.mirrors) {
    m_others.push_back(std::make_unique<DirStore>(mirror, StoreKind::mirror));
  }
  if (http_cache) {
    m_others.push_back(std::move(http_cache));
  }
}

std::vector<CacheStore*> Stores::readers() {
  std::vector<CacheStore*> out{&m_local};
  for (const auto& store : m_others) {
    if (std::find(m_failed.begin(), m_failed.end(), store.get()) == m_failed.end()) {
      out.push_back(store.get());
    }
  }
  return out;
}

std::vector<CacheStore*> Stores::writers() {
  auto out = readers();
  std::erase_if(out, [](CacheStore* store) { return !store->writable(); });
  return out;
}

void Stores::failed(CacheStore& store, const common::Error& error) {
  if (&store != &m_local) {
    m_failed.push_back(&store);
  }
  m_warnings.push_back(
      {store.where(),
       fmt::format("shared-state {} cache {} unavailable, carrying on without it: {}",
                   store_kind_name(store.kind()), store.where(), error.message)});
}

namespace {

// An entry that fails its checks (cache_entries.h). In a directory (SSTATE_DIR, a mirror) it is
// one an older bbrun wrote under a unique hash that was not one: it counts as absent, and the
// next store of the task replaces it. A server that answers with one is not a shared-state
// cache (a captive portal, a misrouted proxy): it is dropped, as one that is down. Returns
// whether it was.
bool reject_entry(Stores& stores, CacheStore& store, std::string_view key,
                  std::string_view method) {
  if (store.kind() != StoreKind::http) {
    return false;
  }
  stores.failed(store, {ErrorKind::protocol,
                        fmt::format("its answer for /ac/{} is not an entry of {}", key, method),
                        {}});
  return true;
}

} // namespace

std::map<std::string, StoreKind> find_objects(Stores& stores,
                                              const std::vector<ObjectQuery>& queries) {
  std::map<std::string, StoreKind> found;
  // Store after store, each asked at once for every object not found before it.
  for (CacheStore* store : stores.readers()) {
    std::vector<const ObjectQuery*> asked;
    std::vector<std::string> keys;
    for (const auto& query : queries) {
      if (!found.contains(query.unihash)) {
        asked.push_back(&query);
        keys.push_back(object_key(query.unihash));
      }
    }
    if (keys.empty()) {
      break;
    }
    auto entries = store->get_entries(keys);
    if (!entries) {
      stores.failed(*store, entries.error());
      continue;
    }
    std::map<std::string, StoreKind> in_store;
    bool dropped = false;
    for (size_t i = 0; i < keys.size() && !dropped; ++i) {
      const auto& entry = (*entries)[i];
      if (entry && object_of(*entry, asked[i]->method)) {
        in_store.emplace(asked[i]->unihash, store->kind());
      } else if (entry) {
        dropped = reject_entry(stores, *store, keys[i], asked[i]->method);
      }
    }
    if (!dropped) {
      found.merge(in_store);
    }
  }
  return found;
}

namespace {

// The object named by `entry` of `store`, as a file in SSTATE_DIR (copied there when it came
// from elsewhere); nullopt when the store does not have it after all.
common::Result<std::optional<fs::path>> local_copy(Stores& stores, CacheStore& store,
                                                   const std::string& sha256) {
  auto final_path = stores.local().object_path(sha256);
  if (&store == &stores.local()) {
    std::error_code ec;
    return fs::exists(final_path, ec) ? std::optional<fs::path>(final_path) : std::nullopt;
  }
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  auto temp = DirStore::temp_beside(final_path);
  auto fetched = store.fetch_object(sha256, temp);
  if (!fetched) {
    return fail(fetched.error());
  }
  return *fetched ? std::optional<fs::path>(temp) : std::nullopt;
}

} // namespace

common::Result<std::optional<StoreKind>> restore_object(Stores& stores, const ObjectQuery& query,
                                                        const std::vector<OutputDir>& outputs) {
  auto key = object_key(query.unihash);
  for (CacheStore* store : stores.readers()) {
    auto entry = store->get_entry(key);
    if (!entry) {
      stores.failed(*store, entry.error());
      continue;
    }
    if (!*entry) {
      continue;
    }
    auto sha256 = object_of(**entry, query.method);
    if (!sha256) {
      reject_entry(stores, *store, key, query.method);
      continue;
    }
    auto object = local_copy(stores, *store, *sha256);
    if (!object) {
      stores.failed(*store, object.error());
      continue;
    }
    if (!*object) {
      continue;
    }
    std::error_code ec;
    auto unpacked = unpack_object(**object, *sha256, outputs);
    if (!unpacked) {
      fs::remove(**object, ec);
      return fail(ErrorKind::io, fmt::format("object {} from {}: {}", *sha256, store->where(),
                                             unpacked.error().message));
    }
    if (store != &stores.local()) {
      fs::rename(**object, stores.local().object_path(*sha256), ec);
      (void)stores.local().put_entry(key, **entry);
    }
    return std::optional<StoreKind>(store->kind());
  }
  return std::optional<StoreKind>{};
}

namespace {

// The stores that hold hash equivalences besides SSTATE_DIR's database: the HTTP cache, while
// it answers.
std::vector<CacheStore*> shared_stores(Stores& stores) {
  std::vector<CacheStore*> shared = stores.writers();
  std::erase_if(shared, [&](CacheStore* store) { return store == &stores.local(); });
  return shared;
}

// The unique hash of `request`'s task, given that its outputs hash to `outhash`: what the
// local database or, failing that, the HTTP cache says the first such outputs were stored
// under, else the task hash itself. Recorded both ways for the next build.
std::string equivalent_hash(Stores& stores, const StoreRequest& request,
                            const std::string& outhash) {
  auto db = EquivalenceDb::open(stores.sstate_dir() / "hashequiv.db");
  auto known = db ? db->by_outhash(request.method, outhash) : std::nullopt;
  auto key = outhash_key(request.method, outhash);
  for (CacheStore* store : shared_stores(stores)) {
    if (known) {
      break;
    }
    auto entry = store->get_entry(key);
    if (!entry) {
      stores.failed(*store, entry.error());
    } else if (*entry) {
      known = unihash_of_outhash(**entry, request.method, outhash);
      if (!known) {
        reject_entry(stores, *store, key, request.method);
      }
    }
  }
  std::string unihash = known.value_or(request.taskhash);
  if (db) {
    auto reported = db->report(request.method, request.taskhash, outhash, known);
    unihash = reported ? *reported : unihash;
  }
  for (CacheStore* store : shared_stores(stores)) {
    auto put = store->put_entry(key, outhash_entry(request.method, outhash, unihash));
    if (put) {
      put = store->put_entry(unihash_key(request.method, request.taskhash),
                             taskhash_entry(request.method, request.taskhash, unihash));
    }
    if (!put) {
      stores.failed(*store, put.error());
    }
  }
  return unihash;
}

} // namespace

std::vector<std::optional<std::string>> shared_unihashes(Stores& stores,
                                                         const std::vector<UnihashQuery>& tasks) {
  std::vector<std::optional<std::string>> found(tasks.size());
  std::vector<std::string> keys;
  for (const auto& task : tasks) {
    keys.push_back(unihash_key(task.method, task.taskhash));
  }
  for (CacheStore* store : shared_stores(stores)) {
    auto entries = store->get_entries(keys);
    if (!entries) {
      stores.failed(*store, entries.error());
      continue;
    }
    auto answers = found;
    bool dropped = false;
    for (size_t i = 0; i < keys.size() && !dropped; ++i) {
      const auto& entry = (*entries)[i];
      if (entry && !answers[i]) {
        answers[i] = unihash_of_taskhash(*entry, tasks[i].method, tasks[i].taskhash);
        dropped = !answers[i] && reject_entry(stores, *store, keys[i], tasks[i].method);
      }
    }
    if (!dropped) {
      found = std::move(answers);
    }
  }
  return found;
}

void record_unihashes(Stores& stores, const std::vector<UnihashQuery>& tasks,
                      const std::vector<std::optional<std::string>>& unihashes) {
  std::vector<EquivalenceDb::Mapping> mappings;
  for (size_t i = 0; i < tasks.size() && i < unihashes.size(); ++i) {
    if (unihashes[i]) {
      mappings.push_back({tasks[i].method, tasks[i].taskhash, *unihashes[i]});
    }
  }
  if (mappings.empty()) {
    return;
  }
  // Equivalences only save work: a database that cannot take them costs a later build the same
  // lookups again, nothing more.
  if (auto db = EquivalenceDb::open(stores.sstate_dir() / "hashequiv.db")) {
    (void)db->learn(mappings);
  }
}

common::Result<Stored> store_outputs(Stores& stores, const StoreRequest& request) {
  auto staging = stores.sstate_dir() / "tmp";
  std::error_code ec;
  fs::create_directories(staging, ec);
  auto temp = DirStore::temp_beside(staging / "object");
  auto packed = pack_outputs(request.outputs, temp);
  if (!packed) {
    return fail(packed.error());
  }
  Stored stored{equivalent_hash(stores, request, packed->outhash), packed->outhash, packed->sha256};
  auto entry = object_entry(request.method, *packed, request.outputs);
  for (CacheStore* store : stores.writers()) {
    auto put = store->put_object(packed->sha256, temp);
    if (put) {
      put = store->put_entry(object_key(stored.unihash), entry);
    }
    if (!put) {
      stores.failed(*store, put.error());
    }
  }
  fs::remove(temp, ec);
  return stored;
}

common::Result<size_t> clean_recipe(Stores& stores, const std::string& pn) {
  std::set<std::string> removed_objects;
  std::set<std::string> kept_objects;
  size_t removed = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(stores.sstate_dir() / "ac", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) {
      continue;
    }
    auto text = stores.local().get_entry(it->path().filename().string());
    auto entry = json::parse(text && *text ? **text : "", nullptr, false);
    if (entry.is_discarded() || !entry.is_object()) {
      continue;
    }
    auto sha256 = entry.value("sha256", "");
    if (entry.value("method", "").starts_with(pn + ":")) {
      fs::remove(it->path(), ec);
      removed_objects.insert(sha256);
      ++removed;
    } else {
      kept_objects.insert(sha256);
    }
  }
  for (const auto& sha256 : removed_objects) {
    if (!kept_objects.contains(sha256)) {
      fs::remove(stores.local().object_path(sha256), ec);
    }
  }
  return removed;
}

} // namespace bbrun::server::sstate
