// SPDX-License-Identifier: MIT
// fork + pidfd child processes.
#include "server/exec/process.h"

#include <fmt/core.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::server::exec {

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const char* name = ::sigabbrev_np(signal);
    return name != nullptr ? fmt::format("killed by SIG{}", name)
                           : fmt::format("killed by signal {}", signal);
  }
  return fmt::format("exit code {}", exit_code);
}

common::Result<std::unique_ptr<ChildProcess>>
ChildProcess::spawn(boost::asio::io_context& io, const std::function<int()>& child_main,
                    ExitHandler on_exit) {
  pid_t pid = ::fork();
  if (pid < 0) {
    return common::fail(common::ErrorKind::io, common::errno_message("fork"));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::_exit(child_main());
  }
  // Set the group from both sides so that a kill of the group right after fork cannot miss it.
  ::setpgid(pid, pid);
  // glibc 2.36's <sys/pidfd.h> lacks C++ linkage markers: call the system call directly.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return common::fail(common::ErrorKind::io, common::errno_message("pidfd_open", err));
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(io, pid, pidfd, std::move(on_exit)));
}

ChildProcess::ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, ExitHandler on_exit)
    : m_pid(pid), m_pidfd(io, pidfd), m_on_exit(std::move(on_exit)) {
  wait_for_exit();
}

ChildProcess::~ChildProcess() {
  *m_alive = false;
  if (m_running) {
    signal_group(SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
}

void ChildProcess::signal_group(int sig) const {
  if (m_running) {
    ::kill(-m_pid, sig);
  }
}

void ChildProcess::wait_for_exit() {
  m_pidfd.async_wait(boost::asio::posix::descriptor_base::wait_read,
                     [this, alive = m_alive](const boost::system::error_code& ec) {
                       if (!*alive || ec == boost::asio::error::operation_aborted) {
                         return;
                       }
                       int status = 0;
                       pid_t reaped;
                       do {
                         reaped = ::waitpid(m_pid, &status, WNOHANG);
                       } while (reaped < 0 && errno == EINTR);
                       if (reaped == 0) {
                         wait_for_exit(); // readable but not yet reapable: wait again
                         return;
                       }
                       m_running = false;
                       ExitStatus exit;
                       if (reaped > 0 && WIFSIGNALED(status)) {
                         exit.signal = WTERMSIG(status);
                       } else if (reaped > 0) {
                         exit.exit_code = WEXITSTATUS(status);
                       }
                       m_on_exit(exit);
                     });
}

} // namespace bbrun::server::exec
