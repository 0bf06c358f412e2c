// SPDX-License-Identifier: MIT
// task-depends.dot output.
#include "server/runqueue/graphviz.h"

#include <fmt/core.h>

namespace bbrun::server::runqueue {

namespace {

std::string node_name(const TaskGraph& graph, const RecipeIndex& recipes, TaskIndex index) {
  const auto& node = graph.nodes[index];
  return fmt::format("\"{}.{}\"", recipes[node.recipe].pn, node.task);
}

} // namespace

std::string task_graph_dot(const TaskGraph& graph, const RecipeIndex& recipes) {
  std::string dot = "digraph depends {\n";
  for (TaskIndex index : graph.order) {
    const auto& node = graph.nodes[index];
    const auto& recipe = recipes[node.recipe];
    dot += fmt::format("{} [label=\"{} {}\\n:{}-{}\\n{}\"]\n", node_name(graph, recipes, index),
                       recipe.pn, node.task, metadata::value_or_empty(*recipe.data, "PV"),
                       metadata::value_or_empty(*recipe.data, "PR"), recipe.file);
  }
  for (TaskIndex index : graph.order) {
    for (TaskIndex dep : graph.nodes[index].deps) {
      dot += fmt::format("{} -> {}\n", node_name(graph, recipes, index),
                         node_name(graph, recipes, dep));
    }
  }
  dot += "}\n";
  return dot;
}

} // namespace bbrun::server::runqueue
