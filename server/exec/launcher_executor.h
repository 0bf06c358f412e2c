// SPDX-License-Identifier: MIT
// The cooker's executor: tasks are started by the task launcher process (exec/launcher.h).
#pragma once

#include "server/exec/executor.h"
#include "server/exec/launcher.h"
#include "server/exec/launcher_frames.h"
#include "server/line_writer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <map>
#include <memory>
#include <string>

namespace bbrun::server::exec {

/// Sends plans to the launcher and turns its replies into task ends. Signals go straight to
/// each task's process group, which the launcher names when the task starts. If the launcher
/// dies, every running task ends as failed and no new task can start. Event-loop thread only.
class LauncherExecutor final : public Executor {
public:
  LauncherExecutor(boost::asio::io_context& io, Launcher launcher);
  ~LauncherExecutor() override;

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done, OnMessage on_message) override;
  common::Result<void> lend_fds(std::vector<int> fds) override;
  void signal_all(int sig) override;
  size_t running() const override { return m_tasks.size(); }

private:
  struct Running {
    Done done;
    OnMessage on_message;
    TaskMessageDecoder messages;
    std::filesystem::path log_dir;
    std::string task;
    pid_t pid = 0;          ///< 0 until the launcher says the task started
    int pending_signal = 0; ///< a signal asked for before the pid was known
  };

  void read_more();
  void handle(const LauncherReport& report);
  void launcher_died(const std::string& why);

  pid_t m_launcher_pid;
  std::shared_ptr<const StartedPids> m_started;
  common::UniqueFd m_fd_socket;
  boost::asio::posix::stream_descriptor m_socket;
  LineWriter m_writer;
  ReportDecoder m_decoder;
  std::array<char, 65536> m_buffer{};
  std::map<uint32_t, Running> m_tasks;
  bool m_dead = false;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::exec
