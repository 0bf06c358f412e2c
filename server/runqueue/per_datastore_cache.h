// SPDX-License-Identifier: MIT
// What a recipe's datastore alone determines, remembered between builds for unchanged recipes.
#pragma once

#include "server/metadata/datastore.h"

#include <memory>
#include <unordered_map>

namespace bbrun::server::runqueue {

/// `Facts` kept across builds, per recipe datastore. The server keeps a recipe's datastore
/// until the recipe (or anything it reads, configuration included) changes on disk, and a
/// datastore is not modified once parsed; so while the same datastore object lives, what was
/// worked out from it stands, and a build works it out again only for what was reparsed.
///
/// Not thread-safe: call `of` from one thread; the Facts it returns may then be filled on
/// other threads, one thread per recipe.
template <typename Facts>
class PerDatastoreCache {
public:
  /// The facts recorded so far for `data`: default-constructed for a datastore not seen
  /// before. The reference stays valid until the next `forget_dead()`.
  Facts& of(const std::shared_ptr<metadata::DataStore>& data) {
    auto& entry = m_entries[data.get()];
    if (entry.owner.lock() != data) {
      // Never seen, or a datastore that died and left its address to this one.
      entry = Entry{data, {}};
    }
    return entry.facts;
  }

  /// Forget the datastores that no longer exist, so the cache never outgrows the metadata.
  void forget_dead() {
    std::erase_if(m_entries, [](const auto& item) { return item.second.owner.expired(); });
  }

private:
  struct Entry {
    std::weak_ptr<metadata::DataStore> owner; ///< tells it from a new one at the same address
    Facts facts;
  };
  std::unordered_map<const metadata::DataStore*, Entry> m_entries;
};

} // namespace bbrun::server::runqueue
