// SPDX-License-Identifier: MIT
// What a forked task child does before it becomes the task's shell.
#pragma once

#include "server/exec/task_plan.h"

#include <span>

namespace bbrun::server::exec {

/// Exit code of a child whose set-up (dirs, log, script, locks) failed before the task ran.
inline constexpr int k_setup_failed_exit = 126;

/// The fd number of a task's first inherited fd (TaskPlan::inherited_fds), the next ones
/// following: what the jobserver's MAKEFLAGS names in the task.
inline constexpr int k_first_inherited_fd = 3;

/// Run in the forked child: apply the umask, empty `cleandirs`, create `dirs` and the log
/// directory, open `${T}/log.TASK.PID` (and point `log.TASK` at it) as stdout and stderr, write
/// `${T}/run.TASK.PID`, put `inherited` at k_first_inherited_fd on, take the lock files, close
/// every other fd, cd into the last dir, and exec /bin/sh on the script. `inherited` must be
/// numbered above k_first_inherited_fd + its size. Returns only on failure, with
/// k_setup_failed_exit, after writing why to the log (or to the server log when the log itself
/// could not be opened).
int run_task_child(const TaskPlan& plan, std::span<const int> inherited = {});

/// The set-up part of run_task_child, for a task that runs in the child itself (a python
/// task): everything up to the cd, writing the script only when the plan has one. Returns
/// false after writing why to the log (or the server log), true when the task may run.
bool set_up_task_child(const TaskPlan& plan, std::span<const int> inherited = {});

/// `${T}/log.TASK.PID` of the task child `pid`.
std::filesystem::path task_log_path(const std::filesystem::path& log_dir, std::string_view task,
                                    pid_t pid);

} // namespace bbrun::server::exec
