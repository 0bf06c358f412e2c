// SPDX-License-Identifier: MIT
// A forked child in its own process group, awaited through a pidfd on the event loop.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

namespace bbrun::server::exec {

/// How a child ended.
struct ExitStatus {
  int exit_code = -1; ///< valid when `signal` is 0
  int signal = 0;     ///< the signal that killed it, or 0

  bool success() const { return signal == 0 && exit_code == 0; }
  /// "exit code 2" or "killed by SIGTERM".
  std::string describe() const;
};

/// One child process. The child runs `child_main` right after fork and `_exit`s with its
/// result; it never returns into the server. The pidfd makes the exit an ordinary readable fd,
/// so no SIGCHLD handler and no waitpid(-1) can reap someone else's child. The child is reaped
/// before `on_exit` runs. Destroying a ChildProcess whose child still runs kills its group.
class ChildProcess {
public:
  using ExitHandler = std::function<void(ExitStatus)>;

  /// Fork; in the child, make a new process group and call `child_main`. Fails with
  /// ErrorKind::io when fork or pidfd_open fails.
  static common::Result<std::unique_ptr<ChildProcess>>
  spawn(boost::asio::io_context& io, const std::function<int()>& child_main, ExitHandler on_exit);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }
  bool running() const { return m_running; }
  /// Send `sig` to the child's whole process group.
  void signal_group(int sig) const;

private:
  ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, ExitHandler on_exit);
  void wait_for_exit();

  pid_t m_pid;
  boost::asio::posix::stream_descriptor m_pidfd;
  ExitHandler m_on_exit;
  bool m_running = true;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::exec
