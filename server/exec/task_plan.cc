// SPDX-License-Identifier: MIT
// TaskPlan <-> JSON.
#include "server/exec/task_plan.h"

#include <nlohmann/json.hpp>

namespace bbrun::server::exec {

namespace {

std::vector<std::string> strings(const std::vector<std::filesystem::path>& paths) {
  return {paths.begin(), paths.end()};
}

std::vector<std::filesystem::path> paths(const std::vector<std::string>& strings) {
  return {strings.begin(), strings.end()};
}

} // namespace

nlohmann::json plan_to_json(const TaskPlan& plan) {
  return {{"recipe", plan.recipe},
          {"task", plan.task},
          {"log_dir", plan.log_dir.string()},
          {"dirs", strings(plan.dirs)},
          {"cleandirs", strings(plan.cleandirs)},
          {"lockfiles", strings(plan.lockfiles)},
          {"umask", plan.umask},
          {"script", plan.script},
          {"environment", plan.environment}};
}

common::Result<TaskPlan> plan_from_json(const nlohmann::json& json) {
  try {
    TaskPlan plan;
    plan.recipe = json.at("recipe").get<std::string>();
    plan.task = json.at("task").get<std::string>();
    plan.log_dir = json.at("log_dir").get<std::string>();
    plan.dirs = paths(json.at("dirs").get<std::vector<std::string>>());
    plan.cleandirs = paths(json.at("cleandirs").get<std::vector<std::string>>());
    plan.lockfiles = paths(json.at("lockfiles").get<std::vector<std::string>>());
    plan.umask = json.at("umask").get<mode_t>();
    plan.script = json.at("script").get<std::string>();
    plan.environment = json.at("environment").get<std::vector<std::string>>();
    return plan;
  } catch (const nlohmann::json::exception& e) {
    return common::fail(common::ErrorKind::protocol, std::string("bad task plan: ") + e.what());
  }
}

} // namespace bbrun::server::exec
