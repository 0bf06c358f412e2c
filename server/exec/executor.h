// SPDX-License-Identifier: MIT
// The runqueue's view of task execution: start a planned task, hear when it ends.
#pragma once

#include "common/result.h"
#include "server/exec/process.h"
#include "server/exec/task_plan.h"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

namespace bbrun::server::exec {

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

/// Runs each task as a forked child (exec/task_child.h).
class ProcessExecutor final : public Executor {
public:
  explicit ProcessExecutor(boost::asio::io_context& io) : m_io(io) {}

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done) override;
  void signal_all(int sig) override;
  size_t running() const override { return m_children.size(); }

private:
  boost::asio::io_context& m_io;
  std::map<uint32_t, std::unique_ptr<ChildProcess>> m_children;
};

} // namespace bbrun::server::exec
