// SPDX-License-Identifier: MIT
// Which tasks of a graph must run, and why: the one place that decides "up to date".
#pragma once

#include "server/runqueue/task_graph.h"
#include "server/stamps/stamp_db.h"
#include "server/stamps/task_inputs.h"

#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::runqueue {

/// Why a task runs; the first that applies, in this order.
enum class RerunReason {
  none,                 ///< up to date: it does not run
  forced,               ///< -f on a target
  nostamp,              ///< [nostamp]
  never_ran,            ///< no successful run recorded
  unfinished,           ///< it started again after its last success and never succeeded
  signature_changed,    ///< its inputs or its dependencies' signatures changed
  dependency_reruns,    ///< same signature, but a dependency runs in this build
  dependency_ran_later, ///< same signature, but a dependency ran after it
};

struct TaskDecision {
  bool noexec = false;
  bool nostamp = false;
  std::string signature;
  stamps::TaskInputs inputs; ///< only for tasks that run
  /// "recipe:do_task" and signature of each dependency, sorted: recorded with the stamp.
  std::vector<std::pair<std::string, std::string>> dep_signatures;
  std::optional<stamps::StampDb::Stamp> stamp;
  RerunReason reason = RerunReason::none;
  TaskIndex because = 0; ///< the dependency, for dependency_reruns and dependency_ran_later

  bool runs() const { return reason != RerunReason::none; }
};

/// Decide, in dependency order, for every task of `graph` whether it runs: a task runs when it
/// is forced, [nostamp], has no complete stamp for its current signature, depends on a task
/// that runs, or depends on a task that ran after it did. `stamps` may be null (no database:
/// everything runs).
std::vector<TaskDecision> decide_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                                        stamps::StampDb* stamps,
                                        const stamps::SignatureSettings& settings,
                                        const std::vector<bool>& forced);

/// "pn:do_task" of a node.
std::string task_label(const TaskGraph& graph, const RecipeIndex& recipes, TaskIndex index);

} // namespace bbrun::server::runqueue
