// SPDX-License-Identifier: MIT
// Everything a forked task child needs, resolved in the cooker before the fork.
#pragma once

#include "common/json_writer.h"
#include "common/result.h"
#include "server/metadata/datastore.h"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bbrun::server::exec {

/// A task ready to start: all values expanded, all paths absolute. A shell task's child only
/// acts on it (creates dirs, opens the log, writes the script, execs), so it needs no
/// datastore; a python task's child runs its function with `python_data`.
struct TaskPlan {
  std::string recipe;                           ///< PN, for messages
  std::string pf;                               ///< PF, for messages
  std::string task;                             ///< "do_compile"
  std::filesystem::path log_dir;                ///< ${T}
  std::vector<std::filesystem::path> dirs;      ///< created; the last is the working directory
  std::vector<std::filesystem::path> cleandirs; ///< emptied and recreated first
  std::vector<std::filesystem::path> lockfiles; ///< flock'ed for the task's whole run
  mode_t umask = 022;
  std::string script; ///< the complete /bin/sh script; empty for python
  /// A python task's recipe datastore, which its child (forked from the cooker) runs the task
  /// function with; null for a shell task. Not part of the JSON: only shell tasks go to the
  /// launcher.
  std::shared_ptr<metadata::DataStore> python_data;
  std::vector<std::string> environment; ///< "NAME=value" for execve
  /// Fds the task inherits, at k_first_inherited_fd on (task_child.h): the executor's lent
  /// fds, then the task's message channel. Filled in by whoever forks the task; not part of the
  /// JSON.
  std::vector<int> inherited_fds;
  /// The fd number, in the task, of its message channel (message_channel.h); -1: none. Not
  /// part of the JSON: a shell task finds the channel through its environment.
  int message_fd = -1;
};

/// Write the plan as the next JSON value, to hand it to another process (the task launcher).
void write_plan(common::JsonWriter& out, const TaskPlan& plan);
/// The plan back from JSON. Fails with ErrorKind::protocol when a field is missing or mistyped.
common::Result<TaskPlan> plan_from_json(const nlohmann::json& json);

} // namespace bbrun::server::exec
