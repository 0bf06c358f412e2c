// SPDX-License-Identifier: MIT
// Shared-state objects in and out of the stores: packed from a task's outputs and unpacked over
// them. Apart from the lookups (operations.cc), so that the server, which only looks up, does not
// link the archive code and its compressor.
#include "server/sstate/archive.h"
#include "server/sstate/cache_entries.h"
#include "server/sstate/cache_keys.h"
#include "server/sstate/equivalence_db.h"
#include "server/sstate/operations.h"

#include <fmt/core.h>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
namespace fs = std::filesystem;

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
      stores.reject_entry(*store, key, query.method);
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

// The unique hash of `request`'s task, given that its outputs hash to `outhash`: what the
// local database or, failing that, the HTTP cache says the first such outputs were stored
// under, else the task hash itself. Recorded both ways for the next build.
std::string equivalent_hash(Stores& stores, const StoreRequest& request,
                            const std::string& outhash) {
  auto db = EquivalenceDb::open(stores.sstate_dir() / "hashequiv.db");
  auto known = db ? db->by_outhash(request.method, outhash) : std::nullopt;
  auto key = outhash_key(request.method, outhash);
  for (CacheStore* store : stores.shared()) {
    if (known) {
      break;
    }
    auto entry = store->get_entry(key);
    if (!entry) {
      stores.failed(*store, entry.error());
    } else if (*entry) {
      known = unihash_of_outhash(**entry, request.method, outhash);
      if (!known) {
        stores.reject_entry(*store, key, request.method);
      }
    }
  }
  std::string unihash = known.value_or(request.taskhash);
  if (db) {
    auto reported = db->report(request.method, request.taskhash, outhash, known);
    unihash = reported ? *reported : unihash;
  }
  for (CacheStore* store : stores.shared()) {
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

} // namespace bbrun::server::sstate
