// SPDX-License-Identifier: MIT
// The runqueue's view of task execution: start a planned task, hear when it ends.
#pragma once

#include "common/result.h"
#include "server/exec/task_plan.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace bbrun::server::exec {

/// How a task's process ended.
struct ExitStatus {
  int exit_code = -1; ///< valid when `signal` is 0
  int signal = 0;     ///< the signal that killed it, or 0

  bool success() const { return signal == 0 && exit_code == 0; }
  /// "exit code 2" or "killed by SIGTERM".
  std::string describe() const;
};

struct TaskOutcome {
  ExitStatus status;
  std::filesystem::path log; ///< the task's log file (may not exist if set-up failed early)
};

/// Starts tasks and reports their end. An interface so that the runqueue can be tested with a
/// fake that finishes tasks when the test says so. Called on the event-loop thread.
class Executor {
public:
  using Done = std::function<void(TaskOutcome)>;
  virtual ~Executor() = default;

  /// Start `plan` under the caller's `id`; `done` runs once, on the event loop, when it ends.
  /// Fails with ErrorKind::io when the task cannot be started at all.
  virtual common::Result<void> start(uint32_t id, TaskPlan plan, Done done) = 0;
  /// Send `sig` to the process group of every running task.
  virtual void signal_all(int sig) = 0;
  virtual size_t running() const = 0;
};

} // namespace bbrun::server::exec
