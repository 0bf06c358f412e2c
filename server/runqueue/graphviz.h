// SPDX-License-Identifier: MIT
// The task graph as Graphviz text, in the form of BitBake's task-depends.dot.
#pragma once

#include "server/runqueue/recipe_index.h"
#include "server/runqueue/task_graph.h"

#include <string>

namespace bbrun::server::runqueue {

/// `digraph depends { ... }` with one node per task ("pn.do_task", labelled with the task,
/// PV-PR and the recipe file) and one edge from each task to each task it depends on.
std::string task_graph_dot(const TaskGraph& graph, const RecipeIndex& recipes);

} // namespace bbrun::server::runqueue
