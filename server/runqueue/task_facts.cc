// SPDX-License-Identifier: MIT
// Task facts kept across builds.
#include "server/runqueue/task_facts.h"

namespace bbrun::server::runqueue {

RecipeFacts& TaskFactsCache::facts_of(const std::shared_ptr<metadata::DataStore>& data) {
  auto& entry = m_entries[data.get()];
  if (entry.owner.lock() != data) {
    // Never seen, or a datastore that died and left its address to this one.
    entry = Entry{data, {}};
  }
  return entry.tasks;
}

void TaskFactsCache::forget_dead() {
  std::erase_if(m_entries, [](const auto& item) { return item.second.owner.expired(); });
}

} // namespace bbrun::server::runqueue
