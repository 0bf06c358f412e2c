// SPDX-License-Identifier: MIT
// Rerun decisions.
#include "server/runqueue/rerun_decision.h"

#include "server/metadata/tasks.h"
#include "server/parallel.h"
#include "server/stamps/signature.h"

#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace bbrun::server::runqueue {

namespace {

// Expanding is costly and flags like [noexec] are nearly always a plain "1": expand only when
// there is something to expand.
bool flag_set(const metadata::DataStore& data, std::string_view task, std::string_view flag) {
  auto raw = data.get_flag_unexpanded(task, flag);
  if (raw && raw->find('$') != std::string::npos) {
    auto value = data.get_flag(task, flag);
    return metadata::flag_is_true(value ? *value : std::nullopt);
  }
  return metadata::flag_is_true(raw);
}

// The [sstate-outputs] of `task`: each word as written, and where it is once expanded. A word
// that does not expand to one path is left out, as is every word when one fails to expand.
std::vector<sstate::OutputDir> sstate_outputs(const metadata::DataStore& data,
                                              std::string_view task) {
  auto raw = data.get_flag_unexpanded(task, "sstate-outputs");
  std::vector<sstate::OutputDir> outputs;
  for (auto& word : metadata::split_words(raw.value_or(""))) {
    auto path = data.expand(word);
    if (!path) {
      return {};
    }
    if (!path->empty() && path->find_first_of(" \t\n") == std::string::npos) {
      outputs.push_back({std::move(word), std::move(*path)});
    }
  }
  return outputs;
}

} // namespace

std::string task_label(const TaskGraph& graph, const RecipeIndex& recipes, TaskIndex index) {
  const auto& node = graph.nodes[index];
  return fmt::format("{}:{}", recipes[node.recipe].pn, node.task);
}

namespace {

TaskFacts facts_of(const metadata::DataStore& data, std::string_view task,
                   stamps::TaskInputScanner& scanner) {
  TaskFacts facts;
  facts.noexec = flag_set(data, task, "noexec");
  facts.nostamp = flag_set(data, task, "nostamp");
  if (!facts.noexec && !facts.nostamp) {
    facts.sstate_outputs = sstate_outputs(data, task);
  }
  facts.inputs_hash = scanner.inputs_hash(task);
  return facts;
}

// Fill in each task's own facts: [noexec], [nostamp] and the hash of its inputs, from `cache`
// where the recipe is unchanged. Recipes are independent of each other, so the others are
// scanned on all cores, one scanner per recipe so that its tasks share the work on common
// variables.
std::vector<TaskFacts*> scan_tasks(const TaskGraph& graph, const RecipeIndex& recipes,
                                   const stamps::SignatureSettings& settings, TaskFactsCache& cache,
                                   std::vector<TaskDecision>& decisions) {
  std::vector<std::vector<TaskIndex>> by_recipe(recipes.size());
  for (TaskIndex index = 0; index < graph.nodes.size(); ++index) {
    by_recipe[graph.nodes[index].recipe].push_back(index);
  }
  std::erase_if(by_recipe, [](const auto& tasks) { return tasks.empty(); });
  cache.forget_dead();
  std::vector<RecipeFacts*> known;
  for (const auto& tasks : by_recipe) {
    known.push_back(&cache.of(recipes[graph.nodes[tasks.front()].recipe].data));
  }
  std::vector<TaskFacts*> facts_of_task(graph.nodes.size());
  constexpr size_t k_recipes_per_thread = 32;
  parallel_for(by_recipe.size(), k_recipes_per_thread, [&](size_t group) {
    const auto& data = *recipes[graph.nodes[by_recipe[group].front()].recipe].data;
    std::optional<stamps::TaskInputScanner> scanner;
    for (TaskIndex index : by_recipe[group]) {
      const auto& task = graph.nodes[index].task;
      auto found = known[group]->find(task);
      if (found == known[group]->end()) {
        if (!scanner) {
          scanner.emplace(data, settings);
        }
        found = known[group]->emplace(task, facts_of(data, task, *scanner)).first;
      }
      TaskFacts& facts = found->second;
      decisions[index].noexec = facts.noexec;
      decisions[index].nostamp = facts.nostamp;
      decisions[index].sstate_outputs = facts.sstate_outputs;
      decisions[index].inputs_hash = facts.inputs_hash;
      facts_of_task[index] = &facts;
    }
  });
  return facts_of_task;
}

// The inputs of the tasks that run, to record with their stamps and to explain: from their
// facts, worked out there the first time.
void collect_inputs(const TaskGraph& graph, const RecipeIndex& recipes,
                    const stamps::SignatureSettings& settings, const std::vector<TaskFacts*>& facts,
                    std::vector<TaskDecision>& decisions) {
  std::vector<std::unique_ptr<stamps::TaskInputScanner>> scanners(recipes.size());
  for (TaskIndex index : graph.order) {
    if (!decisions[index].runs()) {
      continue;
    }
    auto& inputs = facts[index]->inputs;
    if (!inputs) {
      const auto& node = graph.nodes[index];
      auto& scanner = scanners[node.recipe];
      if (!scanner) {
        scanner = std::make_unique<stamps::TaskInputScanner>(*recipes[node.recipe].data, settings);
      }
      inputs = std::make_shared<const stamps::TaskInputs>(scanner->inputs_of(node.task));
    }
    decisions[index].inputs = inputs;
  }
}

} // namespace

std::vector<TaskDecision> decide_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                                        stamps::StampDb* stamps,
                                        const stamps::SignatureSettings& settings,
                                        const std::vector<bool>& forced,
                                        const UnihashLookup& unihashes, TaskFactsCache* facts) {
  std::vector<TaskDecision> decisions(graph.nodes.size());
  TaskFactsCache this_build_only;
  auto facts_of_task =
      scan_tasks(graph, recipes, settings, facts ? *facts : this_build_only, decisions);
  auto recorded =
      stamps ? stamps->stamps() : std::unordered_map<std::string, stamps::StampDb::Stamp>{};
  for (TaskIndex index : graph.order) {
    const auto& node = graph.nodes[index];
    const auto& recipe = recipes[node.recipe];
    auto& decision = decisions[index];
    for (TaskIndex dep : node.deps) {
      decision.dep_signatures.emplace_back(task_label(graph, recipes, dep), decisions[dep].unihash);
    }
    std::sort(decision.dep_signatures.begin(), decision.dep_signatures.end());
    std::vector<std::string_view> dep_signatures;
    for (const auto& [label, signature] : decision.dep_signatures) {
      dep_signatures.push_back(signature);
    }
    decision.signature = stamps::task_signature(decision.inputs_hash, dep_signatures);
    decision.unihash = decision.signature;
    if (unihashes && !decision.sstate_outputs.empty()) {
      decision.unihash = unihashes(task_label(graph, recipes, index), decision.signature)
                             .value_or(decision.signature);
    }
    if (auto found = recorded.find(stamps::StampDb::task_key(recipe.file, node.task));
        found != recorded.end()) {
      decision.stamp = std::move(found->second);
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
    } else if (dep_runs != node.deps.end() && decision.sstate_outputs.empty()) {
      decision.reason = RerunReason::dependency_reruns;
      decision.because = *dep_runs;
    } else if (dep_later != node.deps.end()) {
      decision.reason = RerunReason::dependency_ran_later;
      decision.because = *dep_later;
    }
  }
  collect_inputs(graph, recipes, settings, facts_of_task, decisions);
  return decisions;
}

} // namespace bbrun::server::runqueue
