// SPDX-License-Identifier: MIT
// Shared-state operations of the helper process: the stores, and what is looked up in them.
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

std::vector<CacheStore*> Stores::shared() {
  std::vector<CacheStore*> shared = writers();
  std::erase_if(shared, [&](CacheStore* store) { return store == &m_local; });
  return shared;
}

bool Stores::reject_entry(CacheStore& store, std::string_view key, std::string_view method) {
  if (store.kind() != StoreKind::http) {
    return false;
  }
  failed(store, {ErrorKind::protocol,
                 fmt::format("its answer for /ac/{} is not an entry of {}", key, method),
                 {}});
  return true;
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
        dropped = stores.reject_entry(*store, keys[i], asked[i]->method);
      }
    }
    if (!dropped) {
      found.merge(in_store);
    }
  }
  return found;
}

std::vector<std::optional<std::string>> shared_unihashes(Stores& stores,
                                                         const std::vector<UnihashQuery>& tasks) {
  std::vector<std::optional<std::string>> found(tasks.size());
  std::vector<std::string> keys;
  for (const auto& task : tasks) {
    keys.push_back(unihash_key(task.method, task.taskhash));
  }
  for (CacheStore* store : stores.shared()) {
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
        dropped = !answers[i] && stores.reject_entry(*store, keys[i], tasks[i].method);
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
