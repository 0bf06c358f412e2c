// SPDX-License-Identifier: MIT
// The cooker's executor: python tasks in children forked from the cooker, the rest elsewhere.
#pragma once

// A python task needs the recipe's datastore and the interpreter, which live only in the
// cooker, so its child is forked from the cooker itself, unlike a shell task's (see
// launcher.h for why those go to the launcher). The fork happens on the event-loop thread,
// between builds' parses, when no parse thread is alive (parallel.h): no datastore mutex can
// be held by a thread that does not exist in the child, and the interpreter's own locks are
// handled by Interpreter::fork_child. The child then sets up exactly as a shell task's child
// (task_child.h) and runs the task function instead of exec'ing /bin/sh.

#include "server/exec/executor.h"
#include "server/exec/message_channel.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <map>
#include <memory>
#include <vector>

namespace bbrun::server::exec {

/// Starts tasks whose plan has `python_data` in forked children, reads their message channels
/// as messages come and awaits their end on a pidfd; hands every other task to `shell`.
/// Event-loop thread only.
class PythonTaskExecutor final : public Executor {
public:
  PythonTaskExecutor(boost::asio::io_context& io, std::unique_ptr<Executor> shell);
  ~PythonTaskExecutor() override;

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done, OnMessage on_message) override;
  common::Result<void> lend_fds(std::vector<int> fds) override;
  void signal_all(int sig) override;
  size_t running() const override { return m_tasks.size() + m_shell->running(); }

private:
  struct Running {
    pid_t pid = 0;
    std::filesystem::path log;
    std::unique_ptr<boost::asio::posix::stream_descriptor> exit_watch; ///< a pidfd
    MessageChannel channel;
    /// A second descriptor of the channel, only to wait on: the channel reads its own.
    std::unique_ptr<boost::asio::posix::stream_descriptor> channel_watch;
    TaskMessageDecoder messages;
    Done done;
    OnMessage on_message;
  };

  void watch_channel(uint32_t id);
  void reap(uint32_t id);

  boost::asio::io_context& m_io;
  std::unique_ptr<Executor> m_shell;
  std::vector<int> m_lent;
  std::map<uint32_t, Running> m_tasks;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

/// Run in a python task's forked child: set up as a shell task's child, run the task function
/// with the plan's datastore, and return the exit code: 0 on success, 1 with the traceback (or
/// bb.fatal's message) in the log, k_setup_failed_exit when set-up failed.
int run_python_task_child(const TaskPlan& plan);

} // namespace bbrun::server::exec
