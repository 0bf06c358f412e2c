// SPDX-License-Identifier: MIT
// `--explain`: why each task that would run does, in words.
#pragma once

#include "server/runqueue/rerun_decision.h"

#include <map>
#include <string>
#include <vector>

namespace bbrun::server::runqueue {

/// What the shared-state cache would do, for --explain.
struct SceneOutcome {
  std::vector<bool> needed;  ///< the tasks that would still run; empty: all that would run
  std::vector<bool> covered; ///< the tasks that would be restored; empty: none
  /// For each task looked up in the cache: where its object is, or why there is none.
  std::map<TaskIndex, std::string> lookups;
};

/// For every task of `graph` that runs, in run order, one line per reason, as
/// "pn:do_task: variable CFLAGS changed from '-O2' to '-O3'"; a changed function is followed
/// by a short diff of its lines, indented. A task the cache would restore says so instead, and
/// the tasks only it needed are left out. Ends with a count of the tasks that would run.
/// Compares with the inputs recorded in `stamps` (may be null).
std::string explain_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                           const std::vector<TaskDecision>& decisions, stamps::StampDb* stamps,
                           const SceneOutcome& scene = {});

} // namespace bbrun::server::runqueue
