// SPDX-License-Identifier: MIT
// Which tasks of a graph must run, and why: the one place that decides "up to date".
#pragma once

#include "server/runqueue/task_facts.h"
#include "server/runqueue/task_graph.h"
#include "server/sstate/archive.h"
#include "server/stamps/stamp_db.h"
#include "server/stamps/task_inputs.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  /// [sstate-outputs], expanded: the task's outputs can come from the shared-state cache.
  std::vector<sstate::OutputDir> sstate_outputs;
  std::string inputs_hash; ///< of its own inputs: with its dependencies', the signature
  std::string signature;
  /// The signature its dependents see: the unique hash hash equivalence maps `signature` to,
  /// else `signature` itself. Shared-state objects are stored under it.
  std::string unihash;
  std::shared_ptr<const stamps::TaskInputs> inputs; ///< only for tasks that run
  /// "recipe:do_task" and unique hash of each dependency, sorted: recorded with the stamp.
  std::vector<std::pair<std::string, std::string>> dep_signatures;
  std::optional<stamps::StampDb::Stamp> stamp;
  RerunReason reason = RerunReason::none;
  TaskIndex because = 0; ///< the dependency, for dependency_reruns and dependency_ran_later

  bool runs() const { return reason != RerunReason::none; }
};

/// The unique hash recorded for `taskhash` of `method` ("pn:do_task"), if any.
using UnihashLookup =
    std::function<std::optional<std::string>(std::string_view method, std::string_view taskhash)>;

/// Decide, in dependency order, for every task of `graph` whether it runs: a task runs when it
/// is forced, [nostamp], has no complete stamp for its current signature, depends on a task
/// that runs, or depends on a task that ran after it did. A task with [sstate-outputs] whose
/// stamp matches does not run because a dependency runs: its signature covers its
/// dependencies', and its outputs are those of that signature (they may have been restored
/// without the dependencies ever running here). `stamps` may be null (no database: everything
/// runs); `unihashes` may be empty (no hash equivalence). `facts` may be null (nothing kept
/// from one call to the next); else it must have been filled with the same `settings`.
std::vector<TaskDecision>
decide_reruns(const TaskGraph& graph, const RecipeIndex& recipes, stamps::StampDb* stamps,
              const stamps::SignatureSettings& settings, const std::vector<bool>& forced,
              const UnihashLookup& unihashes = {}, TaskFactsCache* facts = nullptr);

/// "pn:do_task" of a node.
std::string task_label(const TaskGraph& graph, const RecipeIndex& recipes, TaskIndex index);

} // namespace bbrun::server::runqueue
