// SPDX-License-Identifier: MIT
// Signature inputs of tasks.
#include "server/stamps/task_inputs.h"

#include "server/metadata/code_references.h"
#include "server/metadata/tasks.h"

#include <algorithm>

namespace bbrun::server::stamps {

namespace {

std::unordered_set<std::string> word_set(const std::string& text) {
  auto words = metadata::split_words(text);
  return {words.begin(), words.end()};
}

// Cut each '|'-separated text of `exclusions` out of `value`.
void cut_out(std::string& value, std::string_view exclusions) {
  size_t start = 0;
  while (start <= exclusions.size()) {
    size_t bar = std::min(exclusions.find('|', start), exclusions.size());
    std::string_view text = exclusions.substr(start, bar - start);
    for (size_t at; !text.empty() && (at = value.find(text)) != std::string::npos;) {
      value.erase(at, text.size());
    }
    start = bar + 1;
  }
}

} // namespace

SignatureSettings SignatureSettings::from(const metadata::DataStore& config) {
  SignatureSettings settings;
  settings.ignored_variables =
      word_set(metadata::value_or_empty(config, "BB_BASEHASH_IGNORE_VARS"));
  if (config.get_var_unexpanded("BB_SIGNATURE_EXCLUDE_FLAGS")) {
    settings.excluded_flags =
        word_set(metadata::value_or_empty(config, "BB_SIGNATURE_EXCLUDE_FLAGS"));
  }
  return settings;
}

TaskInputScanner::TaskInputScanner(const metadata::DataStore& recipe,
                                   const SignatureSettings& settings)
    : m_data(recipe), m_settings(settings), m_exported(recipe.exported_variables()),
      m_functions(recipe.function_names()) {}

const std::vector<TaskInputScanner::Variable*>& TaskInputScanner::reach(std::string_view task) {
  // Breadth-first over the dependencies, marking each variable with this walk's number.
  ++m_walk;
  m_reached.clear();
  Variable& root = variable(std::string(task));
  root.walk = m_walk;
  m_reached.push_back(&root);
  for (size_t i = 0; i < m_reached.size(); ++i) {
    Variable& current = *m_reached[i];
    if (!current.linked) {
      for (const auto& dep : current.deps) {
        current.dep_nodes.push_back(&variable(dep));
      }
      current.linked = true;
    }
    for (Variable* dep : current.dep_nodes) {
      if (dep->walk != m_walk) {
        dep->walk = m_walk;
        m_reached.push_back(dep);
      }
    }
  }
  return m_reached;
}

std::string TaskInputScanner::inputs_hash(std::string_view task) {
  std::vector<Digest> digests;
  for (const Variable* reached : reach(task)) {
    digests.push_back(reached->digest);
  }
  return stamps::inputs_hash(std::move(digests));
}

TaskInputs TaskInputScanner::inputs_of(std::string_view task) {
  TaskInputs inputs;
  for (const Variable* reached : reach(task)) {
    inputs.push_back({*reached->name, reached->value, reached->function});
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const TaskInput& a, const TaskInput& b) { return a.name < b.name; });
  return inputs;
}

TaskInputScanner::Variable& TaskInputScanner::variable(const std::string& name) {
  auto it = m_variables.find(name);
  if (it == m_variables.end()) {
    it = m_variables.emplace(name, scan(name)).first;
    it->second.name = &it->first;
    it->second.digest = input_digest(name, it->second.value);
  }
  return it->second;
}

// One flags() and one value lookup per variable: the datastore is asked as little as possible,
// since a build's signatures visit thousands of variables.
TaskInputScanner::Variable TaskInputScanner::scan(const std::string& name) {
  if (size_t bracket = name.find('['); bracket != std::string::npos && name.ends_with(']')) {
    return scan_flag(name, bracket);
  }
  Flags flags = m_data.flags(name);
  auto flag = [&flags](std::string_view wanted) -> const std::string* {
    auto it =
        std::lower_bound(flags.begin(), flags.end(), wanted,
                         [](const auto& entry, std::string_view key) { return entry.first < key; });
    return it != flags.end() && it->first == wanted ? &it->second : nullptr;
  };
  auto expanded_flag = [&](std::string_view wanted) {
    const std::string* value = flag(wanted);
    if (value == nullptr) {
      return std::string();
    }
    auto expanded = m_data.expand(*value);
    return expanded ? *expanded : *value;
  };
  Variable out;
  std::vector<std::string> deps;
  if (const std::string* fixed = flag("vardepvalue")) {
    out.value = *fixed;
  } else {
    auto parts = m_data.get_var_with_removes(name);
    out.value = std::move(parts.value);
    const std::string* func = flag("func");
    out.function = func != nullptr && metadata::flag_is_true(*func);
    if (out.value && out.function) {
      const std::string* python = flag("python");
      add_function_deps(python != nullptr && metadata::flag_is_true(*python), *out.value, deps);
      for (std::string_view list : {"prefuncs", "postfuncs", "exports"}) {
        for (auto& extra : metadata::split_words(expanded_flag(list))) {
          deps.push_back(std::move(extra));
        }
      }
    } else if (out.value) {
      deps = metadata::value_references(*out.value);
      add_inline_calls(*out.value, deps);
    }
    for (const auto& removed : parts.removes) {
      out.value = out.value.value_or("") + "\n:remove " + removed;
      for (auto& dep : metadata::value_references(removed)) {
        deps.push_back(std::move(dep));
      }
    }
  }
  if (const std::string* exclusions = flag("vardepvalueexclude"); exclusions && out.value) {
    cut_out(*out.value, *exclusions);
  }
  if (m_settings.excluded_flags) {
    for (const auto& [flag_name, value] : flags) {
      if (!m_settings.excluded_flags->contains(flag_name)) {
        deps.push_back(name + "[" + flag_name + "]");
      }
    }
  }
  for (auto& extra : metadata::split_words(expanded_flag("vardeps"))) {
    deps.push_back(std::move(extra));
  }
  auto excluded = word_set(expanded_flag("vardepsexclude"));
  std::erase_if(deps, [&](const std::string& dep) {
    return dep == name || excluded.contains(dep) || m_settings.ignored_variables.contains(dep);
  });
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  out.deps = std::move(deps);
  return out;
}

TaskInputScanner::Variable TaskInputScanner::scan_flag(const std::string& name, size_t bracket) {
  Variable out;
  out.value = m_data.get_flag_unexpanded(
      name.substr(0, bracket),
      std::string_view(name).substr(bracket + 1).substr(0, name.size() - bracket - 2));
  if (out.value) {
    out.deps = metadata::value_references(*out.value);
    std::erase_if(out.deps, [&](const std::string& dep) {
      return m_settings.ignored_variables.contains(dep);
    });
  }
  return out;
}

void TaskInputScanner::add_function_deps(bool python, const std::string& body,
                                         std::vector<std::string>& deps) {
  if (python) {
    deps = metadata::python_references(body);
    for (auto& callee : metadata::python_calls(body)) {
      if (is_function(callee, true) || is_function(callee, false)) {
        deps.push_back(std::move(callee));
      }
    }
    return;
  }
  deps = metadata::value_references(body);
  // `${X}` is always the datastore's; `$X` only when the datastore has an X to export.
  for (auto& parameter : metadata::shell_parameters(body)) {
    if (m_data.get_var_unexpanded(parameter)) {
      deps.push_back(std::move(parameter));
    }
  }
  for (std::string_view word : metadata::shell_words(body)) {
    if (is_function(word, false)) {
      deps.emplace_back(word);
    }
  }
  add_inline_calls(body, deps);
  deps.insert(deps.end(), m_exported.begin(), m_exported.end());
}

// A `def` that `${@...}` calls shapes the value as much as a variable it reads does.
void TaskInputScanner::add_inline_calls(std::string_view text, std::vector<std::string>& deps) {
  if (text.find("${@") == std::string_view::npos) {
    return;
  }
  for (auto& callee : metadata::inline_python_calls(text)) {
    if (is_function(callee, true)) {
      deps.push_back(std::move(callee));
    }
  }
}

bool TaskInputScanner::is_function(std::string_view word, bool python) {
  if (!std::binary_search(m_functions->begin(), m_functions->end(), word,
                          [](std::string_view a, std::string_view b) { return a < b; })) {
    return false;
  }
  return m_data.is_python_function(word) == python;
}

} // namespace bbrun::server::stamps
