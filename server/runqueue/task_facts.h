// SPDX-License-Identifier: MIT
// What a task's recipe alone says of it, remembered between builds for unchanged recipes.
#pragma once

#include "server/metadata/datastore.h"
#include "server/sstate/archive.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bbrun::server::runqueue {

/// The facts of one task that depend only on its recipe's datastore.
struct TaskFacts {
  bool noexec = false;
  bool nostamp = false;
  /// [sstate-outputs], expanded (only for tasks that are neither noexec nor nostamp).
  std::vector<sstate::OutputDir> sstate_outputs;
  std::string inputs_hash; ///< of its own inputs (stamps/signature.h)
};

/// The facts of one recipe's tasks, by task name.
using RecipeFacts = std::unordered_map<std::string, TaskFacts>;

/// Task facts kept across builds, per recipe datastore. The server keeps a recipe's datastore
/// until the recipe (or anything it reads, configuration included) changes on disk, and a
/// datastore is not modified once parsed; so while the same datastore object lives, its
/// tasks' facts stand, and a no-op build works them out only for what was reparsed.
///
/// Not thread-safe: call `facts_of` from one thread; the RecipeFacts it returns may then be
/// filled on other threads, one thread per recipe.
class TaskFactsCache {
public:
  /// The facts recorded so far for `data`: empty for a datastore not seen before. The
  /// reference stays valid until the next `forget_dead()`.
  RecipeFacts& facts_of(const std::shared_ptr<metadata::DataStore>& data);

  /// Forget the datastores that no longer exist, so the cache never outgrows the metadata.
  void forget_dead();

private:
  struct Entry {
    std::weak_ptr<metadata::DataStore> owner; ///< tells it from a new one at the same address
    RecipeFacts tasks;
  };
  std::unordered_map<const metadata::DataStore*, Entry> m_entries;
};

} // namespace bbrun::server::runqueue
