// SPDX-License-Identifier: MIT
// What a task's recipe alone says of it, remembered between builds for unchanged recipes.
#pragma once

#include "server/exec/task_plan.h"
#include "server/runqueue/per_datastore_cache.h"
#include "server/sstate/archive.h"
#include "server/stamps/task_inputs.h"

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
  /// The inputs themselves, worked out the first time the task runs.
  std::shared_ptr<const stamps::TaskInputs> inputs;
  /// How it runs (exec::plan_task), worked out the first time it runs; never for a python
  /// task, whose plan holds the datastore this cache must not keep alive.
  std::shared_ptr<const exec::TaskPlan> plan;
};

/// The facts of one recipe's tasks, by task name.
using RecipeFacts = std::unordered_map<std::string, TaskFacts>;

/// Task facts kept across builds (see PerDatastoreCache).
using TaskFactsCache = PerDatastoreCache<RecipeFacts>;

} // namespace bbrun::server::runqueue
