// SPDX-License-Identifier: MIT
// Task flag resolution.
#include "server/exec/task_planner.h"

#include "server/exec/shell_script.h"
#include "server/metadata/tasks.h"

#include <fmt/core.h>

#include <charconv>

namespace bbrun::server::exec {

using common::ErrorKind;
using common::fail;

namespace {

common::Result<std::vector<std::filesystem::path>>
flag_paths(const metadata::DataStore& data, std::string_view task, std::string_view flag) {
  auto value = data.get_flag(task, flag);
  if (!value) {
    return fail(value.error());
  }
  std::vector<std::filesystem::path> paths;
  for (auto& word : metadata::split_words(value->value_or(""))) {
    paths.emplace_back(std::move(word));
  }
  return paths;
}

common::Result<mode_t> task_umask(const metadata::DataStore& data, std::string_view task) {
  auto value = data.get_flag(task, "umask");
  if (!value) {
    return fail(value.error());
  }
  if (!*value || (*value)->empty()) {
    return mode_t{022};
  }
  const std::string& text = **value;
  unsigned mask = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mask, 8);
  if (ec != std::errc() || end != text.data() + text.size() || mask > 0777) {
    return fail(ErrorKind::usage, fmt::format("{}[umask] is not an octal mode: '{}'", task, text));
  }
  return static_cast<mode_t>(mask);
}

common::Result<std::filesystem::path> required_path(const metadata::DataStore& data,
                                                    std::string_view name) {
  auto value = data.get_var(name);
  if (!value) {
    return fail(value.error());
  }
  if (!*value || (*value)->empty()) {
    return fail(ErrorKind::usage, fmt::format("{} is not set", name));
  }
  return std::filesystem::path(**value);
}

} // namespace

common::Result<TaskPlan> plan_task(const std::shared_ptr<metadata::DataStore>& recipe_data,
                                   std::string_view recipe, std::string_view task) {
  const metadata::DataStore& data = *recipe_data;
  TaskPlan plan;
  plan.recipe = recipe;
  plan.task = task;
  auto pf = data.get_var("PF");
  plan.pf = pf && *pf && !(*pf)->empty() ? **pf : plan.recipe;
  auto log_dir = required_path(data, "T");
  auto dirs = flag_paths(data, task, "dirs");
  auto cleandirs = flag_paths(data, task, "cleandirs");
  auto lockfiles = flag_paths(data, task, "lockfiles");
  auto umask = task_umask(data, task);
  for (const common::Error* error :
       {log_dir ? nullptr : &log_dir.error(), dirs ? nullptr : &dirs.error(),
        cleandirs ? nullptr : &cleandirs.error(), lockfiles ? nullptr : &lockfiles.error(),
        umask ? nullptr : &umask.error()}) {
    if (error != nullptr) {
      return fail(*error);
    }
  }
  plan.log_dir = std::move(*log_dir);
  plan.dirs = std::move(*dirs);
  if (plan.dirs.empty()) {
    auto build_dir = required_path(data, "B");
    if (!build_dir) {
      return fail(build_dir.error());
    }
    plan.dirs.push_back(std::move(*build_dir));
  }
  plan.cleandirs = std::move(*cleandirs);
  plan.lockfiles = std::move(*lockfiles);
  plan.umask = *umask;
  if (data.is_python_function(task)) {
    plan.python_data = recipe_data;
    return plan;
  }
  auto script = build_shell_script(data, task, plan.dirs.back());
  if (!script) {
    return fail(script.error());
  }
  plan.script = std::move(*script);
  return plan;
}

} // namespace bbrun::server::exec
