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

std::string flag_or_empty(const metadata::DataStore& data, std::string_view name,
                          std::string_view flag) {
  auto value = data.get_flag(name, flag);
  return value && *value ? **value : std::string();
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
  settings.ignored_variables = word_set(metadata::value_or_empty(config, "BB_BASEHASH_IGNORE_VARS"));
  if (config.get_var_unexpanded("BB_SIGNATURE_EXCLUDE_FLAGS")) {
    settings.excluded_flags =
        word_set(metadata::value_or_empty(config, "BB_SIGNATURE_EXCLUDE_FLAGS"));
  }
  return settings;
}

TaskInputScanner::TaskInputScanner(const metadata::DataStore& recipe,
                                   const SignatureSettings& settings)
    : m_data(recipe), m_settings(settings) {}

TaskInputs TaskInputScanner::inputs_of(std::string_view task) {
  // Breadth-first over the dependencies; every name reached is an input once.
  std::vector<std::string> queue{std::string(task)};
  std::unordered_set<std::string> seen{queue.front()};
  TaskInputs inputs;
  for (size_t i = 0; i < queue.size(); ++i) {
    const Variable& found = variable(queue[i]);
    inputs.push_back({queue[i], found.value, found.function});
    for (const auto& dep : found.deps) {
      if (seen.insert(dep).second) {
        queue.push_back(dep);
      }
    }
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const TaskInput& a, const TaskInput& b) { return a.name < b.name; });
  return inputs;
}

const TaskInputScanner::Variable& TaskInputScanner::variable(const std::string& name) {
  auto it = m_variables.find(name);
  if (it == m_variables.end()) {
    it = m_variables.emplace(name, scan(name)).first;
  }
  return it->second;
}

TaskInputScanner::Variable TaskInputScanner::scan(const std::string& name) {
  if (size_t bracket = name.find('['); bracket != std::string::npos && name.ends_with(']')) {
    return scan_flag(name, bracket);
  }
  Variable out;
  std::vector<std::string> deps;
  if (auto fixed = m_data.get_flag_unexpanded(name, "vardepvalue")) {
    out.value = std::move(*fixed);
  } else {
    auto parts = m_data.get_var_with_removes(name);
    out.value = std::move(parts.value);
    if (out.value) {
      out.function = m_data.is_function(name);
      if (out.function) {
        add_function_deps(name, *out.value, deps);
      } else {
        deps = metadata::value_references(*out.value);
      }
    }
    for (const auto& removed : parts.removes) {
      out.value = out.value.value_or("") + "\n:remove " + removed;
      for (auto& dep : metadata::value_references(removed)) {
        deps.push_back(std::move(dep));
      }
    }
  }
  if (auto exclusions = m_data.get_flag_unexpanded(name, "vardepvalueexclude"); exclusions && out.value) {
    cut_out(*out.value, *exclusions);
  }
  if (m_settings.excluded_flags) {
    for (const auto& [flag, value] : m_data.flags(name)) {
      if (!m_settings.excluded_flags->contains(flag)) {
        deps.push_back(name + "[" + flag + "]");
      }
    }
  }
  for (auto& extra : metadata::split_words(flag_or_empty(m_data, name, "vardeps"))) {
    deps.push_back(std::move(extra));
  }
  auto excluded = word_set(flag_or_empty(m_data, name, "vardepsexclude"));
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
  out.value = m_data.get_flag_unexpanded(name.substr(0, bracket),
                                         std::string_view(name).substr(bracket + 1).substr(
                                             0, name.size() - bracket - 2));
  if (out.value) {
    out.deps = metadata::value_references(*out.value);
    std::erase_if(out.deps, [&](const std::string& dep) {
      return m_settings.ignored_variables.contains(dep);
    });
  }
  return out;
}

void TaskInputScanner::add_function_deps(std::string_view name, const std::string& body,
                                         std::vector<std::string>& deps) {
  if (m_data.is_python_function(name)) {
    deps = metadata::python_references(body);
    for (auto& callee : metadata::python_calls(body)) {
      if (m_data.is_function(callee)) {
        deps.push_back(std::move(callee));
      }
    }
  } else {
    deps = metadata::value_references(body);
    // `${X}` is always the datastore's; `$X` only when the datastore has an X to export.
    for (auto& parameter : metadata::shell_parameters(body)) {
      if (is_set(parameter)) {
        deps.push_back(std::move(parameter));
      }
    }
    for (std::string_view word : metadata::shell_words(body)) {
      if (m_data.is_function(word) && !m_data.is_python_function(word)) {
        deps.emplace_back(word);
      }
    }
    const auto& exports = exported();
    deps.insert(deps.end(), exports.begin(), exports.end());
  }
  for (std::string_view flag : {"prefuncs", "postfuncs", "exports"}) {
    for (auto& extra : metadata::split_words(flag_or_empty(m_data, name, flag))) {
      deps.push_back(std::move(extra));
    }
  }
}

const std::vector<std::string>& TaskInputScanner::exported() {
  if (!m_exported) {
    m_exported.emplace();
    for (auto& name : m_data.keys()) {
      if (m_data.is_exported(name) && !m_data.is_function(name)) {
        m_exported->push_back(std::move(name));
      }
    }
  }
  return *m_exported;
}

bool TaskInputScanner::is_set(const std::string& name) const {
  return m_data.get_var_unexpanded(name).has_value();
}

} // namespace bbrun::server::stamps
