// SPDX-License-Identifier: MIT
// The runqueue's view of task execution: start a planned task, hear when it ends.
#pragma once

#include "common/result.h"
#include "server/exec/task_message.h"
#include "server/exec/task_plan.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::exec {

/// How a task's process ended.
struct ExitStatus {
  int exit_code = -1; ///< valid when `signal` is 0
  int signal = 0;     ///< the signal that killed it, or 0

  bool success() const { return signal == 0 && exit_code == 0; }
  bool operator==(const ExitStatus&) const = default;
  /// "exit code 2" or "killed by SIGTERM".
  std::string describe() const;
};

struct TaskOutcome {
  ExitStatus status;
  /// The log file of a task that failed (which may not exist if set-up failed early); empty
  /// for one that succeeded, whose log nobody shows.
  std::filesystem::path log;
};

/// Starts tasks and reports their end. An interface so that the runqueue can be tested with a
/// fake that finishes tasks when the test says so. Called on the event-loop thread.
class Executor {
public:
  using Done = std::function<void(TaskOutcome)>;
  using OnMessage = std::function<void(const TaskMessage&)>;
  virtual ~Executor() = default;

  /// Start `plan` under the caller's `id`. Each message the task writes to its message channel
  /// (task_message.h) goes to `on_message` (if set) as it comes, every one before `done`, which
  /// runs once when the task ends; both on the event loop. Fails with ErrorKind::io when the
  /// task cannot be started at all.
  virtual common::Result<void> start(uint32_t id, TaskPlan plan, Done done,
                                     OnMessage on_message) = 0;
  /// Every task started from now on inherits `fds` (at k_first_inherited_fd on, its message
  /// channel after them) until the next call: one build's jobserver, lent for the build and
  /// taken back with an empty call. Borrowed: they must stay open until the next call returns.
  virtual common::Result<void> lend_fds(std::vector<int> fds) = 0;
  /// Send `sig` to the process group of every running task.
  virtual void signal_all(int sig) = 0;
  virtual size_t running() const = 0;
};

/// Decode `bytes` from a task's message channel with `decoder` (and, once the task has
/// `ended`, a record it cut short) and hand each message to `on_message`, if set.
void hand_over_messages(TaskMessageDecoder& decoder, std::string_view bytes, bool ended,
                        const Executor::OnMessage& on_message);

} // namespace bbrun::server::exec
