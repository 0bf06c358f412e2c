// SPDX-License-Identifier: MIT
// Scene queue decisions.
#include "server/runqueue/scene_plan.h"

namespace bbrun::server::runqueue {

std::vector<bool> tasks_needed(const TaskGraph& graph, const std::vector<bool>& runs,
                               const std::vector<bool>& covered) {
  std::vector<bool> needed(graph.nodes.size(), false);
  for (TaskIndex target : graph.targets) {
    needed[target] = true;
  }
  // Dependents come after their dependencies in `order`: walk it backwards.
  for (auto it = graph.order.rbegin(); it != graph.order.rend(); ++it) {
    TaskIndex index = *it;
    bool is_covered = !covered.empty() && covered[index];
    if (!runs[index] || is_covered) {
      needed[index] = false;
      continue;
    }
    for (TaskIndex dependent : graph.nodes[index].dependents) {
      if (needed[dependent]) {
        needed[index] = true;
        break;
      }
    }
  }
  return needed;
}

} // namespace bbrun::server::runqueue
