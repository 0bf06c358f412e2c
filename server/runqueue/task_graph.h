// SPDX-License-Identifier: MIT
// The task graph of one build: which tasks, and what each waits for.
#pragma once

#include "common/result.h"
#include "server/runqueue/per_datastore_cache.h"
#include "server/runqueue/recipe_index.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bbrun::server::runqueue {

using TaskIndex = uint32_t;

struct TaskNode {
  uint32_t recipe = 0; ///< index in the RecipeIndex
  std::string task;    ///< "do_compile"
  std::vector<TaskIndex> deps;
  std::vector<TaskIndex> dependents;
};

/// A requested `recipe:task`; `task` empty means the default task.
struct TargetRequest {
  std::string recipe;
  std::string task;
  bool operator==(const TargetRequest&) const = default;
};

struct TaskGraph {
  std::vector<TaskNode> nodes;
  std::vector<TaskIndex> targets;
  std::vector<TaskIndex> order; ///< topological: every task after its deps
};

/// A task as its recipe declares it: the tasks of its own recipe it runs after (`[deps]`), and
/// the words of the flags linking it to other recipes' tasks, expanded.
struct TaskLinks {
  std::vector<std::string> after;
  std::vector<std::string> deptask;
  std::vector<std::string> rdeptask;
  std::vector<std::string> recdeptask;
  std::vector<std::string> recrdeptask;
  std::vector<std::string> depends;
};

/// A recipe's tasks by name, or why they cannot be read; nullopt until worked out.
using RecipeTaskLinks = std::optional<common::Result<std::unordered_map<std::string, TaskLinks>>>;

/// The task links of recipes kept across builds: after one recipe changed, a new graph reads
/// only that recipe's flags again.
using TaskLinksCache = PerDatastoreCache<RecipeTaskLinks>;

/// "compile" -> "do_compile"; "do_compile" unchanged.
std::string normalise_task_name(std::string_view name);

/// Build the graph of every task the targets need: `addtask` order inside a recipe
/// (`[deps]`), `[deptask]` over DEPENDS, `[depends]` = "recipe:do_task". Walks are iterative,
/// so chains of any length work. Fails with ErrorKind::usage for an unknown target, task or
/// dependency (naming who asked), and for a cycle (naming the whole cycle). Recipes' task links
/// are taken from `links`, when given, and kept there.
common::Result<TaskGraph> build_task_graph(const RecipeIndex& recipes,
                                           const std::vector<TargetRequest>& targets,
                                           TaskLinksCache* links = nullptr);

} // namespace bbrun::server::runqueue
