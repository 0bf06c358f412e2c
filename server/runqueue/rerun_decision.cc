// SPDX-License-Identifier: MIT
// Rerun decisions.
#include "server/runqueue/rerun_decision.h"

#include "server/stamps/signature.h"

#include <fmt/core.h>

#include <algorithm>
#include <memory>

namespace bbrun::server::runqueue {

namespace {

bool flag_set(const metadata::DataStore& data, std::string_view task, std::string_view flag) {
  auto value = data.get_flag(task, flag);
  return metadata::flag_is_true(value ? *value : std::nullopt);
}

} // namespace

std::string task_label(const TaskGraph& graph, const RecipeIndex& recipes, TaskIndex index) {
  const auto& node = graph.nodes[index];
  return fmt::format("{}:{}", recipes[node.recipe].pn, node.task);
}

std::vector<TaskDecision> decide_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                                        stamps::StampDb* stamps,
                                        const stamps::SignatureSettings& settings,
                                        const std::vector<bool>& forced) {
  std::vector<TaskDecision> decisions(graph.nodes.size());
  // One scanner per recipe, so that a recipe's tasks share the work on common variables.
  std::vector<std::unique_ptr<stamps::TaskInputScanner>> scanners(recipes.size());
  for (TaskIndex index : graph.order) {
    const auto& node = graph.nodes[index];
    const auto& recipe = recipes[node.recipe];
    auto& decision = decisions[index];
    decision.noexec = flag_set(*recipe.data, node.task, "noexec");
    decision.nostamp = flag_set(*recipe.data, node.task, "nostamp");
    auto& scanner = scanners[node.recipe];
    if (!scanner) {
      scanner = std::make_unique<stamps::TaskInputScanner>(*recipe.data, settings);
    }
    decision.inputs = scanner->inputs_of(node.task);
    for (TaskIndex dep : node.deps) {
      decision.dep_signatures.emplace_back(task_label(graph, recipes, dep),
                                           decisions[dep].signature);
    }
    std::sort(decision.dep_signatures.begin(), decision.dep_signatures.end());
    std::vector<std::string_view> dep_signatures;
    for (const auto& [label, signature] : decision.dep_signatures) {
      dep_signatures.push_back(signature);
    }
    decision.signature =
        stamps::task_signature(stamps::inputs_hash(decision.inputs), dep_signatures);
    if (stamps) {
      decision.stamp = stamps->stamp(recipe.file.string(), node.task);
    }

    const auto& stamp = decision.stamp;
    auto dep_runs = std::find_if(node.deps.begin(), node.deps.end(),
                                 [&](TaskIndex dep) { return decisions[dep].runs(); });
    auto dep_later = std::find_if(node.deps.begin(), node.deps.end(), [&](TaskIndex dep) {
      return stamp && decisions[dep].stamp && decisions[dep].stamp->seq > stamp->seq;
    });
    if (forced[index]) {
      decision.reason = RerunReason::forced;
    } else if (decision.nostamp) {
      decision.reason = RerunReason::nostamp;
    } else if (!stamp) {
      decision.reason = RerunReason::never_ran;
    } else if (!stamp->complete) {
      decision.reason = RerunReason::unfinished;
    } else if (stamp->signature != decision.signature) {
      decision.reason = RerunReason::signature_changed;
    } else if (dep_runs != node.deps.end()) {
      decision.reason = RerunReason::dependency_reruns;
      decision.because = *dep_runs;
    } else if (dep_later != node.deps.end()) {
      decision.reason = RerunReason::dependency_ran_later;
      decision.because = *dep_later;
    }
    if (!decision.runs()) {
      decision.inputs.clear();
      decision.inputs.shrink_to_fit();
    }
  }
  return decisions;
}

} // namespace bbrun::server::runqueue
