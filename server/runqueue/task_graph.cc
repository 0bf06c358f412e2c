// SPDX-License-Identifier: MIT
// Task graph construction and ordering.
#include "server/runqueue/task_graph.h"

#include "server/metadata/tasks.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace bbrun::server::runqueue {

using common::ErrorKind;
using common::fail;

namespace {

std::vector<std::string> flag_words(const metadata::DataStore& data, std::string_view task,
                                    std::string_view flag) {
  auto value = data.get_flag(task, flag);
  return (value && *value) ? metadata::split_words(**value) : std::vector<std::string>{};
}

// DEPENDS / RDEPENDS entries: names, without "(>= 1.0)" version constraints.
std::vector<std::string> dependency_names(std::string_view text) {
  std::string without_versions;
  int depth = 0;
  for (char c : text) {
    depth += (c == '(') ? 1 : 0;
    if (depth == 0) {
      without_versions += c;
    }
    depth -= (c == ')' && depth > 0) ? 1 : 0;
  }
  return metadata::split_words(without_versions);
}

using RecipeTasks = std::unordered_map<std::string, TaskLinks>;

// Every task of the recipe with its links, read from its datastore.
common::Result<RecipeTasks> read_task_links(const metadata::DataStore& data) {
  auto tasks = metadata::recipe_tasks(data);
  if (!tasks) {
    return fail(tasks.error());
  }
  RecipeTasks links;
  for (auto& task : *tasks) {
    links.emplace(task.name,
                  TaskLinks{std::move(task.after), flag_words(data, task.name, "deptask"),
                            flag_words(data, task.name, "rdeptask"),
                            flag_words(data, task.name, "recdeptask"),
                            flag_words(data, task.name, "recrdeptask"),
                            flag_words(data, task.name, "depends")});
  }
  return links;
}

class GraphBuilder {
public:
  GraphBuilder(const RecipeIndex& recipes, TaskLinksCache* links)
      : m_recipes(recipes), m_links(links), m_own_links(links ? 0 : recipes.size()),
        m_tasks(recipes.size(), nullptr), m_build_deps(recipes.size()),
        m_runtime_deps(recipes.size()) {}

  common::Result<TaskIndex> add(uint32_t recipe, const std::string& task, std::string_view asker);
  common::Result<void> expand_all();
  TaskGraph take() { return std::move(m_graph); }

private:
  std::string describe(TaskIndex index) const {
    const auto& node = m_graph.nodes[index];
    return fmt::format("{}:{}", m_recipes[node.recipe].pn, node.task);
  }
  /// The tasks of `recipe` by name, read from its datastore once.
  common::Result<const RecipeTasks*> tasks_of(uint32_t recipe);
  enum class DepKind { build, runtime };
  common::Result<std::vector<uint32_t>> resolve_all(const std::vector<std::string>& names,
                                                    DepKind kind, std::string_view asker);
  std::vector<std::string> runtime_names(uint32_t recipe) const;
  /// The recipes `recipe` DEPENDS (or RDEPENDS) on, resolved once.
  common::Result<const std::vector<uint32_t>*> direct_deps(uint32_t recipe, DepKind kind,
                                                           std::string_view asker);
  common::Result<std::vector<uint32_t>> closure(uint32_t recipe, bool runtime, TaskIndex asker);
  common::Result<void> expand(TaskIndex index);
  common::Result<void> check_build_providers();
  common::Result<void> link_recipe_flags(TaskIndex index);
  common::Result<void> link_where_present(TaskIndex index, const std::vector<uint32_t>& providers,
                                          const std::string& task);
  common::Result<void> link(TaskIndex index, uint32_t recipe, const std::string& task);

  const RecipeIndex& m_recipes;
  TaskLinksCache* m_links;                  ///< null: each recipe's links are read here
  std::vector<RecipeTaskLinks> m_own_links; ///< by recipe, without m_links
  TaskGraph m_graph;
  std::map<std::pair<uint32_t, std::string>, TaskIndex> m_index;
  std::vector<const RecipeTasks*> m_tasks;
  std::vector<std::optional<std::vector<uint32_t>>> m_build_deps;
  std::vector<std::optional<std::vector<uint32_t>>> m_runtime_deps;
};

common::Result<const RecipeTasks*> GraphBuilder::tasks_of(uint32_t recipe) {
  if (m_tasks[recipe] == nullptr) {
    const auto& data = m_recipes[recipe].data;
    RecipeTaskLinks& links = m_links ? m_links->of(data) : m_own_links[recipe];
    if (!links) {
      links = read_task_links(*data);
    }
    if (!*links) {
      return fail(links->error());
    }
    m_tasks[recipe] = &**links;
  }
  return m_tasks[recipe];
}

const TaskLinks* find_task(const RecipeTasks& tasks, const std::string& name) {
  auto it = tasks.find(name);
  return it == tasks.end() ? nullptr : &it->second;
}

common::Result<TaskIndex> GraphBuilder::add(uint32_t recipe, const std::string& task,
                                            std::string_view asker) {
  auto key = std::make_pair(recipe, task);
  if (auto it = m_index.find(key); it != m_index.end()) {
    return it->second;
  }
  auto tasks = tasks_of(recipe);
  if (!tasks) {
    return fail(tasks.error());
  }
  if (find_task(**tasks, task) == nullptr) {
    return fail(ErrorKind::usage,
                fmt::format("{} has no task {}{}", m_recipes[recipe].pn, task,
                            asker.empty() ? "" : fmt::format(" (wanted by {})", asker)));
  }
  auto index = static_cast<TaskIndex>(m_graph.nodes.size());
  m_graph.nodes.push_back(TaskNode{recipe, task, {}, {}});
  m_index.emplace(key, index);
  return index;
}

common::Result<void> GraphBuilder::link(TaskIndex index, uint32_t recipe, const std::string& task) {
  auto dep = add(recipe, task, describe(index));
  if (!dep) {
    return fail(dep.error());
  }
  auto& deps = m_graph.nodes[index].deps;
  if (std::find(deps.begin(), deps.end(), *dep) == deps.end()) {
    deps.push_back(*dep);
  }
  return {};
}

common::Result<std::vector<uint32_t>>
GraphBuilder::resolve_all(const std::vector<std::string>& names, DepKind kind,
                          std::string_view asker) {
  std::vector<uint32_t> providers;
  for (const auto& name : names) {
    auto provider = kind == DepKind::build ? m_recipes.resolve(name, asker)
                                           : m_recipes.resolve_runtime(name, asker);
    if (!provider) {
      return fail(provider.error());
    }
    providers.push_back(*provider);
  }
  return providers;
}

std::vector<std::string> GraphBuilder::runtime_names(uint32_t recipe) const {
  const auto& data = *m_recipes[recipe].data;
  std::vector<std::string> packages =
      metadata::split_words(metadata::value_or_empty(data, "PACKAGES"));
  packages.push_back(m_recipes[recipe].pn);
  std::vector<std::string> names;
  for (const auto& package : packages) {
    auto value = data.get_var("RDEPENDS:" + package);
    if (value && *value) {
      for (auto& name : dependency_names(**value)) {
        names.push_back(std::move(name));
      }
    }
  }
  return names;
}

common::Result<const std::vector<uint32_t>*>
GraphBuilder::direct_deps(uint32_t recipe, DepKind kind, std::string_view asker) {
  auto& cached = (kind == DepKind::build ? m_build_deps : m_runtime_deps)[recipe];
  if (!cached) {
    auto names =
        kind == DepKind::build
            ? dependency_names(metadata::value_or_empty(*m_recipes[recipe].data, "DEPENDS"))
            : runtime_names(recipe);
    auto providers = resolve_all(names, kind, asker);
    if (!providers) {
      return fail(providers.error());
    }
    cached = std::move(*providers);
  }
  return &*cached;
}

// Every recipe reachable from `recipe` through DEPENDS (and RDEPENDS with `runtime`), found
// breadth-first without recursion; `recipe` itself is not included.
common::Result<std::vector<uint32_t>> GraphBuilder::closure(uint32_t recipe, bool runtime,
                                                            TaskIndex asker) {
  std::string asker_label = describe(asker);
  std::vector<bool> seen(m_recipes.size(), false);
  seen[recipe] = true;
  std::vector<uint32_t> found{recipe};
  for (size_t at = 0; at < found.size(); ++at) {
    for (DepKind kind : {DepKind::build, DepKind::runtime}) {
      if (kind == DepKind::runtime && !runtime) {
        continue;
      }
      auto deps = direct_deps(found[at], kind, asker_label);
      if (!deps) {
        return fail(deps.error());
      }
      for (uint32_t dep : **deps) {
        if (!seen[dep]) {
          seen[dep] = true;
          found.push_back(dep);
        }
      }
    }
  }
  found.erase(found.begin());
  return found;
}

// Link `index` to `task` of each recipe in `providers` that has it: BitBake ignores deptask
// entries naming a task a dependency does not have.
common::Result<void> GraphBuilder::link_where_present(TaskIndex index,
                                                      const std::vector<uint32_t>& providers,
                                                      const std::string& task) {
  for (uint32_t provider : providers) {
    auto tasks = tasks_of(provider);
    if (!tasks) {
      return fail(tasks.error());
    }
    if (find_task(**tasks, task) != nullptr) {
      if (auto linked = link(index, provider, task); !linked) {
        return linked;
      }
    }
  }
  return {};
}

common::Result<void> GraphBuilder::link_recipe_flags(TaskIndex index) {
  uint32_t recipe = m_graph.nodes[index].recipe;
  std::string task = m_graph.nodes[index].task;
  auto tasks = tasks_of(recipe);
  if (!tasks) {
    return fail(tasks.error());
  }
  const TaskLinks& links = *find_task(**tasks, task);
  struct FlagRule {
    std::vector<std::string> TaskLinks::*words;
    DepKind kind;
    bool recursive;
    bool runtime_closure;
  };
  for (const FlagRule& rule : {FlagRule{&TaskLinks::deptask, DepKind::build, false, false},
                               FlagRule{&TaskLinks::rdeptask, DepKind::runtime, false, false},
                               FlagRule{&TaskLinks::recdeptask, DepKind::build, true, false},
                               FlagRule{&TaskLinks::recrdeptask, DepKind::build, true, true}}) {
    const auto& wanted = links.*rule.words;
    if (wanted.empty()) {
      continue;
    }
    common::Result<std::vector<uint32_t>> providers =
        rule.recursive ? closure(recipe, rule.runtime_closure, index)
                       : direct_deps(recipe, rule.kind, describe(index)).map([](const auto* deps) {
                           return *deps;
                         });
    if (!providers) {
      return fail(providers.error());
    }
    for (const auto& dep_task : wanted) {
      if (auto linked = link_where_present(index, *providers, normalise_task_name(dep_task));
          !linked) {
        return linked;
      }
    }
  }
  return {};
}

common::Result<void> GraphBuilder::expand(TaskIndex index) {
  uint32_t recipe = m_graph.nodes[index].recipe;
  std::string task = m_graph.nodes[index].task;
  auto tasks = tasks_of(recipe);
  if (!tasks) {
    return fail(tasks.error());
  }
  // A [deps] entry naming a task the recipe does not have is ignored, as BitBake does.
  for (const auto& dep : find_task(**tasks, task)->after) {
    if (find_task(**tasks, dep) != nullptr) {
      if (auto linked = link(index, recipe, dep); !linked) {
        return linked;
      }
    }
  }
  if (auto linked = link_recipe_flags(index); !linked) {
    return linked;
  }
  for (const auto& entry : find_task(**tasks, task)->depends) {
    auto colon = entry.find(':');
    if (colon == std::string::npos) {
      return fail(ErrorKind::usage,
                  fmt::format("{}[depends] entry '{}' is not recipe:task", describe(index), entry));
    }
    auto provider = m_recipes.resolve(entry.substr(0, colon), describe(index));
    if (!provider) {
      return fail(provider.error());
    }
    if (auto linked = link(index, *provider, normalise_task_name(entry.substr(colon + 1)));
        !linked) {
      return linked;
    }
  }
  return {};
}

// Nodes are appended as they are discovered, so walking the vector by index visits every one
// exactly once without recursion.
common::Result<void> GraphBuilder::expand_all() {
  for (TaskIndex i = 0; i < m_graph.nodes.size(); ++i) {
    if (auto expanded = expand(i); !expanded) {
      return expanded;
    }
  }
  for (TaskIndex i = 0; i < m_graph.nodes.size(); ++i) {
    for (TaskIndex dep : m_graph.nodes[i].deps) {
      m_graph.nodes[dep].dependents.push_back(i);
    }
  }
  return check_build_providers();
}

// BitBake resolves the DEPENDS of every recipe a build involves, and theirs in turn, whether
// or not a [deptask] links their tasks: a misspelt DEPENDS is an error, never silently nothing.
common::Result<void> GraphBuilder::check_build_providers() {
  std::vector<bool> seen(m_recipes.size(), false);
  std::vector<uint32_t> recipes;
  for (const auto& node : m_graph.nodes) {
    if (!seen[node.recipe]) {
      seen[node.recipe] = true;
      recipes.push_back(node.recipe);
    }
  }
  for (size_t at = 0; at < recipes.size(); ++at) {
    auto deps = direct_deps(recipes[at], DepKind::build,
                            fmt::format("DEPENDS of {}", m_recipes[recipes[at]].pn));
    if (!deps) {
      return fail(deps.error());
    }
    for (uint32_t dep : **deps) {
      if (!seen[dep]) {
        seen[dep] = true;
        recipes.push_back(dep);
      }
    }
  }
  return {};
}

// Find one cycle among the tasks Kahn's algorithm could not order, and name it.
std::string describe_cycle(const TaskGraph& graph, const RecipeIndex& recipes,
                           const std::vector<size_t>& pending) {
  TaskIndex start = 0;
  while (pending[start] == 0) {
    ++start;
  }
  // Every unordered task has an unordered dependency: follow those until one repeats.
  std::vector<int> seen_at(graph.nodes.size(), -1);
  std::vector<TaskIndex> path;
  TaskIndex current = start;
  while (seen_at[current] < 0) {
    seen_at[current] = static_cast<int>(path.size());
    path.push_back(current);
    for (TaskIndex dep : graph.nodes[current].deps) {
      if (pending[dep] > 0) {
        current = dep;
        break;
      }
    }
  }
  std::string text;
  for (size_t i = static_cast<size_t>(seen_at[current]); i < path.size(); ++i) {
    const auto& node = graph.nodes[path[i]];
    text += fmt::format("{}:{} -> ", recipes[node.recipe].pn, node.task);
  }
  const auto& node = graph.nodes[current];
  return text + fmt::format("{}:{}", recipes[node.recipe].pn, node.task);
}

common::Result<void> order_tasks(TaskGraph& graph, const RecipeIndex& recipes) {
  std::vector<size_t> pending(graph.nodes.size());
  std::vector<TaskIndex> ready;
  for (TaskIndex i = 0; i < graph.nodes.size(); ++i) {
    pending[i] = graph.nodes[i].deps.size();
    if (pending[i] == 0) {
      ready.push_back(i);
    }
  }
  graph.order.clear();
  while (!ready.empty()) {
    TaskIndex next = ready.back();
    ready.pop_back();
    graph.order.push_back(next);
    for (TaskIndex dependent : graph.nodes[next].dependents) {
      if (--pending[dependent] == 0) {
        ready.push_back(dependent);
      }
    }
  }
  if (graph.order.size() != graph.nodes.size()) {
    return fail(ErrorKind::usage,
                "Task dependency cycle: " + describe_cycle(graph, recipes, pending));
  }
  return {};
}

} // namespace

std::string normalise_task_name(std::string_view name) {
  return name.starts_with("do_") ? std::string(name) : "do_" + std::string(name);
}

common::Result<TaskGraph> build_task_graph(const RecipeIndex& recipes,
                                           const std::vector<TargetRequest>& targets,
                                           TaskLinksCache* links) {
  if (links != nullptr) {
    links->forget_dead();
  }
  GraphBuilder builder(recipes, links);
  std::vector<TaskIndex> target_indices;
  for (const auto& target : targets) {
    auto recipe = recipes.resolve(target.recipe, {});
    if (!recipe) {
      return fail(recipe.error());
    }
    auto index = builder.add(*recipe, normalise_task_name(target.task), {});
    if (!index) {
      return fail(index.error());
    }
    target_indices.push_back(*index);
  }
  if (auto expanded = builder.expand_all(); !expanded) {
    return fail(expanded.error());
  }
  TaskGraph graph = builder.take();
  graph.targets = std::move(target_indices);
  if (auto ordered = order_tasks(graph, recipes); !ordered) {
    return fail(ordered.error());
  }
  return graph;
}

} // namespace bbrun::server::runqueue
