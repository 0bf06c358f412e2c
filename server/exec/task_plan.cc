// SPDX-License-Identifier: MIT
// TaskPlan <-> JSON.
#include "server/exec/task_plan.h"

#include <nlohmann/json.hpp>

namespace bbrun::server::exec {

namespace {

std::string_view text_of(const std::string& text) {
  return text;
}

std::string_view text_of(const std::filesystem::path& path) {
  return path.native();
}

template <typename Strings>
void write_strings(common::JsonWriter& out, std::string_view key, const Strings& strings) {
  out.key(key).begin_array();
  for (const auto& text : strings) {
    out.value(text_of(text));
  }
  out.end_array();
}

std::vector<std::filesystem::path> paths(const std::vector<std::string>& strings) {
  return {strings.begin(), strings.end()};
}

} // namespace

void write_plan(common::JsonWriter& out, const TaskPlan& plan) {
  out.begin_object();
  out.key("recipe").value(plan.recipe);
  out.key("task").value(plan.task);
  out.key("log_dir").value(plan.log_dir.native());
  write_strings(out, "dirs", plan.dirs);
  write_strings(out, "cleandirs", plan.cleandirs);
  write_strings(out, "lockfiles", plan.lockfiles);
  out.key("umask").value(static_cast<uint64_t>(plan.umask));
  out.key("script").value(plan.script);
  write_strings(out, "environment", plan.environment);
  out.end_object();
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
