// SPDX-License-Identifier: MIT
// Rerun explanations.
#include "server/runqueue/explain.h"

#include "server/metadata/tasks.h"
#include "server/stamps/recorded_inputs.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>

namespace bbrun::server::runqueue {

namespace {

// Values longer than this are compared word by word instead of printed whole.
constexpr size_t k_short_value = 100;
// A function diff shows at most this many changed lines.
constexpr size_t k_diff_lines = 12;
// Above this many line pairs a diff is not worth computing; the sizes are reported instead.
constexpr size_t k_diff_cells = 4'000'000;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The changed lines between `before` and `after` ("-old", "+new"), at most k_diff_lines, from
// a longest-common-subsequence alignment.
std::vector<std::string> line_diff(std::string_view before, std::string_view after) {
  auto a = lines_of(before);
  auto b = lines_of(after);
  if (a.size() * b.size() > k_diff_cells) {
    return {fmt::format("({} lines before, {} lines now)", a.size(), b.size())};
  }
  // common[i][j]: length of the LCS of a[i..] and b[j..].
  std::vector<std::vector<uint32_t>> common(a.size() + 1, std::vector<uint32_t>(b.size() + 1));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      common[i][j] =
          a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::vector<std::string> out;
  size_t changed = 0;
  auto emit = [&](char sign, std::string_view line) {
    if (changed++ < k_diff_lines) {
      out.push_back(fmt::format("{}{}", sign, line));
    }
  };
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      ++i, ++j;
    } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
      emit('-', a[i++]);
    } else {
      emit('+', b[j++]);
    }
  }
  if (changed > k_diff_lines) {
    out.push_back(fmt::format("... {} more changed lines", changed - k_diff_lines));
  }
  return out;
}

std::string shown(const std::optional<std::string>& value) {
  return value ? fmt::format("'{}'", *value) : "(unset)";
}

// Words of `from` missing in `to`, space-separated.
std::string missing_words(const std::string& from, const std::string& to) {
  auto target = metadata::split_words(to);
  std::set<std::string> present(target.begin(), target.end());
  std::string out;
  for (const auto& word : metadata::split_words(from)) {
    if (!present.contains(word)) {
      out += (out.empty() ? "" : " ") + word;
    }
  }
  return out;
}

void describe_value_change(const stamps::TaskInput& before, const stamps::TaskInput& now,
                           std::vector<std::string>& out) {
  const char* kind = now.function ? "function" : "variable";
  bool multiline = (before.value && before.value->find('\n') != std::string::npos) ||
                   (now.value && now.value->find('\n') != std::string::npos);
  if (before.value && now.value && (now.function || multiline)) {
    out.push_back(fmt::format("{} {} changed:", kind, now.name));
    for (const auto& line : line_diff(*before.value, *now.value)) {
      out.push_back("    " + line);
    }
  } else if (before.value && now.value &&
             std::max(before.value->size(), now.value->size()) > k_short_value) {
    auto added = missing_words(*now.value, *before.value);
    auto removed = missing_words(*before.value, *now.value);
    out.push_back(
        fmt::format("{} {} changed: added '{}', removed '{}'", kind, now.name, added, removed));
  } else {
    out.push_back(fmt::format("{} {} changed from {} to {}", kind, now.name, shown(before.value),
                              shown(now.value)));
  }
}

// What differs between the recorded inputs and the current ones.
std::vector<std::string> describe_changes(const stamps::RecordedInputs& before,
                                          const stamps::RecordedInputs& now,
                                          const std::set<std::string>& rerunning) {
  std::vector<std::string> out;
  std::map<std::string_view, const stamps::TaskInput*> old_inputs;
  for (const auto& input : before.inputs) {
    old_inputs[input.name] = &input;
  }
  for (const auto& input : now.inputs) {
    auto found = old_inputs.find(input.name);
    if (found == old_inputs.end()) {
      out.push_back(fmt::format("new {} dependency {} = {}",
                                input.function ? "function" : "variable", input.name,
                                shown(input.value)));
      continue;
    }
    if (found->second->value != input.value) {
      describe_value_change(*found->second, input, out);
    }
    old_inputs.erase(found);
  }
  for (const auto& [name, input] : old_inputs) {
    out.push_back(fmt::format("{} is no longer a dependency", name));
  }
  std::map<std::string_view, std::string_view> old_deps(before.deps.begin(), before.deps.end());
  for (const auto& [label, signature] : now.deps) {
    auto found = old_deps.find(label);
    if (found == old_deps.end()) {
      out.push_back(fmt::format("new dependency {}", label));
    } else if (found->second != signature) {
      out.push_back(rerunning.contains(label)
                        ? fmt::format("dependency {} reruns", label)
                        : fmt::format("dependency {} changed since the last run", label));
    }
    if (found != old_deps.end()) {
      old_deps.erase(found);
    }
  }
  for (const auto& [label, signature] : old_deps) {
    out.push_back(fmt::format("no longer depends on {}", label));
  }
  return out;
}

std::vector<std::string> reasons_for(const TaskGraph& graph, const RecipeIndex& recipes,
                                     const TaskDecision& decision, TaskIndex index,
                                     stamps::StampDb* stamps,
                                     const std::set<std::string>& rerunning) {
  auto label = [&](TaskIndex task) { return task_label(graph, recipes, task); };
  switch (decision.reason) {
  case RerunReason::none:
    return {};
  case RerunReason::forced:
    return {"forced (-f)"};
  case RerunReason::nostamp:
    return {"[nostamp]: it always runs"};
  case RerunReason::never_ran:
    return {"no previous successful run"};
  case RerunReason::dependency_reruns:
    return {fmt::format("dependency {} reruns", label(decision.because))};
  case RerunReason::dependency_ran_later:
    return {fmt::format("dependency {} ran after it", label(decision.because))};
  case RerunReason::unfinished:
  case RerunReason::signature_changed:
    break;
  }
  std::vector<std::string> out;
  if (decision.reason == RerunReason::unfinished) {
    out.push_back("its last run did not succeed (it failed, or a build that was to run it "
                  "stopped first)");
  }
  if (decision.stamp->signature == decision.signature) {
    return out;
  }
  const auto& node = graph.nodes[index];
  auto before = stamps::from_record(stamps->inputs(recipes[node.recipe].file, node.task));
  if (!before) {
    out.push_back("its signature changed (the previous inputs were not recorded)");
    return out;
  }
  auto changes = describe_changes(*before, {*decision.inputs, decision.dep_signatures}, rerunning);
  if (changes.empty()) {
    changes.push_back("its signature changed");
  }
  out.insert(out.end(), changes.begin(), changes.end());
  return out;
}

} // namespace

std::string explain_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                           const std::vector<TaskDecision>& decisions, stamps::StampDb* stamps,
                           const SceneOutcome& scene) {
  auto runs = [&](TaskIndex index) {
    bool covered = !scene.covered.empty() && scene.covered[index];
    bool needed = scene.needed.empty() || scene.needed[index];
    return decisions[index].runs() && needed && !covered;
  };
  std::set<std::string> rerunning;
  for (TaskIndex index : graph.order) {
    if (runs(index)) {
      rerunning.insert(task_label(graph, recipes, index));
    }
  }
  std::string out;
  size_t restored = 0;
  for (TaskIndex index : graph.order) {
    std::string label = task_label(graph, recipes, index);
    auto lookup = scene.lookups.find(index);
    if (!scene.covered.empty() && scene.covered[index]) {
      ++restored;
      out += fmt::format("{}: {}\n", label, lookup->second);
      continue;
    }
    if (!runs(index)) {
      continue;
    }
    for (const auto& reason :
         reasons_for(graph, recipes, decisions[index], index, stamps, rerunning)) {
      out += reason.starts_with("    ") ? reason + "\n" : fmt::format("{}: {}\n", label, reason);
    }
    if (lookup != scene.lookups.end()) {
      out += fmt::format("{}: {}\n", label, lookup->second);
    }
  }
  out += fmt::format("{} of {} tasks would run", rerunning.size(), graph.nodes.size());
  out +=
      restored > 0 ? fmt::format(", {} would be restored from shared state.\n", restored) : ".\n";
  return out;
}

} // namespace bbrun::server::runqueue
