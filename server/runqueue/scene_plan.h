// SPDX-License-Identifier: MIT
// The scene queue's decisions (BitBake's setscene): which tasks could be restored from the
// shared-state cache instead of running, and which of the tasks that would run are still
// needed once some are restored.
#pragma once

#include "server/runqueue/task_graph.h"

#include <vector>

namespace bbrun::server::runqueue {

/// The tasks worth looking up in the cache, in graph order: those in `needed` that are not
/// forced and declare [sstate-outputs]; `decisions(index)` gives a task's TaskDecision.
template <typename Decisions>
std::vector<TaskIndex> setscene_candidates(const TaskGraph& graph, const Decisions& decisions,
                                           const std::vector<bool>& needed,
                                           const std::vector<bool>& forced) {
  std::vector<TaskIndex> out;
  for (TaskIndex index : graph.order) {
    if (needed[index] && !forced[index] && !decisions(index).sstate_outputs.empty()) {
      out.push_back(index);
    }
  }
  return out;
}

/// Which tasks still have to run: a task that would run is needed when it is a target, or a
/// task that is needed depends on it. A task in `covered` (restored) is never needed, and it
/// needs nothing: the tasks only it depends on "didn't need to be rerun". `covered` may be
/// empty (nothing restored).
/// `runs` says whether a task would run (TaskDecision::runs).
std::vector<bool> tasks_needed(const TaskGraph& graph, const std::vector<bool>& runs,
                               const std::vector<bool>& covered);

} // namespace bbrun::server::runqueue
