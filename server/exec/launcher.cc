// SPDX-License-Identifier: MIT
// The task launcher process.
#include "server/exec/launcher.h"

#include "common/fd_passing.h"
#include "server/exec/launcher_frames.h"
#include "server/exec/message_channel.h"
#include "server/exec/task_child.h"
#include "server/exec/task_plan.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/close_range.h>
#include <map>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::server::exec {

using nlohmann::json;

namespace {

constexpr int k_socket_fd = 3;
constexpr int k_signal_fd = 4;
constexpr int k_fd_socket_fd = 5;
// Where launcher_main parks fds before putting them at the numbers above.
constexpr int k_parking_fd = 16;
// How long a started task's pid waits to be reported on its own. Most tasks end sooner, and
// then it comes with their exit: one message, and one wakeup of the cooker, per task. The
// cooker needs a pid only to signal a task, which it defers until the pid comes.
constexpr int k_pid_report_delay_ms = 20;

// The launcher's whole state: its tasks by pid, each with its message channel, and the fds
// lent for the tasks it starts.
class LauncherLoop {
public:
  explicit LauncherLoop(StartedPids& started) : m_started(started) {}

  [[noreturn]] void run() {
    std::vector<json> frames;
    std::vector<struct pollfd> fds;
    std::vector<pid_t> polled; ///< the task of each channel in `fds`, after the first two
    char buffer[65536];
    while (true) {
      fds.assign({{k_socket_fd, POLLIN, 0}, {k_signal_fd, POLLIN, 0}});
      polled.clear();
      for (const auto& [pid, task] : m_tasks) {
        if (task.channel.fd() >= 0) {
          fds.push_back({task.channel.fd(), POLLIN, 0});
          polled.push_back(pid);
        }
      }
      if (::poll(fds.data(), fds.size(), pid_report_timeout()) < 0 && errno != EINTR) {
        shut_down();
      }
      if (pid_report_timeout() == 0) {
        report_pids();
      }
      // Messages before ends: a task's last messages are read when it is reaped.
      for (size_t i = 0; i < polled.size(); ++i) {
        if ((fds[i + 2].revents & (POLLIN | POLLHUP)) != 0) {
          forward_messages(polled[i]);
        }
      }
      if ((fds[1].revents & POLLIN) != 0) {
        reap();
      }
      if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) {
        ssize_t n = ::read(k_socket_fd, buffer, sizeof buffer);
        if (n <= 0 && !(n < 0 && errno == EINTR)) {
          shut_down();
        }
        if (n > 0 && !m_decoder.feed(std::string_view(buffer, static_cast<size_t>(n)), frames)) {
          shut_down();
        }
        for (const auto& frame : frames) {
          if (frame.contains("lend")) {
            lend(frame);
          } else {
            start(frame);
          }
        }
        frames.clear();
      }
    }
  }

private:
  // One byte more than the cooker's decoder keeps, so that it says the rest were dropped:
  // what it would drop need not cross.
  static constexpr size_t k_forwarded_cap = TaskMessageDecoder::k_default_limit + 1;

  struct Task {
    uint32_t id = 0;
    MessageChannel channel;
    size_t forwarded = 0; ///< bytes of its messages sent to the cooker
  };

  void send(const LauncherReport& report) {
    if (!common::write_all(k_socket_fd, encode_report(report))) {
      shut_down();
    }
  }

  void fail(uint32_t id, std::string why) {
    send({LauncherReport::Kind::failed, id, 0, {}, std::move(why)});
  }

  void forward(Task& task, std::string bytes) {
    bytes.resize(std::min(bytes.size(), k_forwarded_cap - task.forwarded));
    if (!bytes.empty()) {
      task.forwarded += bytes.size();
      send({LauncherReport::Kind::messages, task.id, 0, {}, std::move(bytes)});
    }
  }

  void forward_messages(pid_t pid) {
    auto& task = m_tasks.at(pid);
    std::string bytes;
    task.channel.read(bytes);
    forward(task, std::move(bytes));
  }

  // The fds announced by a lend frame, already waiting on the fd socket, replace those lent
  // before (closed here: the tasks started with them hold their own copies).
  void lend(const json& frame) {
    m_lent.clear();
    m_lend_error.clear();
    size_t count = frame.value("lend", size_t{0});
    if (count == 0) {
      return;
    }
    auto received = common::receive_fds(k_fd_socket_fd);
    if (received && received->fds.size() == count) {
      m_lent = std::move(received->fds);
    } else {
      // Every task would now run without the build's jobserver: tell the cooker, which then
      // fails them rather than let them run unbounded.
      m_lend_error = received ? "the lent fds did not come with their message"
                              : "cannot receive the lent fds: " + received.error().message;
    }
  }

  void start(const json& frame) {
    auto id = frame.value("id", uint32_t{0});
    if (!m_lend_error.empty()) {
      fail(id, m_lend_error);
      return;
    }
    auto plan = plan_from_json(frame.value("plan", json::object()));
    if (!plan) {
      fail(id, plan.error().message);
      return;
    }
    auto channel = MessageChannel::open();
    if (!channel) {
      fail(id, channel.error().message);
      return;
    }
    for (const auto& fd : m_lent) {
      plan->inherited_fds.push_back(fd.get());
    }
    add_message_channel(*plan, channel->second.get());
    pid_t launcher = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
      fail(id, common::errno_message("fork"));
      return;
    }
    if (pid == 0) {
      ::setpgid(0, 0);
      // Recorded here too: the launcher may be preempted right after the fork and killed
      // before it records us, and the cooker must still find our process group. A launcher
      // gone before this record may have been looked at already: then we end here.
      m_started.record(id, ::getpid());
      if (::getppid() != launcher) {
        ::_exit(127);
      }
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::_exit(run_task_child(*plan, plan->inherited_fds));
    }
    ::setpgid(pid, pid);
    m_started.record(id, pid);
    m_tasks.insert_or_assign(pid, Task{id, std::move(channel->first), 0});
    if (m_unreported.empty()) {
      m_report_due = now_ms() + k_pid_report_delay_ms;
    }
    m_unreported.push_back(pid);
  }

  static int64_t now_ms() {
    struct timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
  }

  // How long poll may wait before the pids are due: forever when none waits.
  int pid_report_timeout() const {
    return m_unreported.empty() ? -1
                                : static_cast<int>(std::max<int64_t>(0, m_report_due - now_ms()));
  }

  // The pids of the tasks started since the last report that still run.
  void report_pids() {
    for (pid_t pid : m_unreported) {
      if (auto it = m_tasks.find(pid); it != m_tasks.end()) {
        send({LauncherReport::Kind::started, it->second.id, pid, {}, {}});
      }
    }
    m_unreported.clear();
  }

  void reap() {
    struct signalfd_siginfo info {};
    while (::read(k_signal_fd, &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGTERM) {
        shut_down(); // the cooker died (our parent-death signal) or we are asked to go
      }
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = m_tasks.find(pid);
      if (it == m_tasks.end()) {
        continue;
      }
      std::string last_messages;
      it->second.channel.finish(last_messages);
      forward(it->second, std::move(last_messages));
      LauncherReport ended{LauncherReport::Kind::ended, it->second.id, pid, {}, {}};
      if (WIFSIGNALED(status)) {
        ended.status.signal = WTERMSIG(status);
      } else {
        ended.status.exit_code = WEXITSTATUS(status);
      }
      m_tasks.erase(it);
      send(ended);
    }
  }

  // The cooker is gone: nobody will ever collect these tasks' results.
  [[noreturn]] void shut_down() {
    for (const auto& [pid, task] : m_tasks) {
      ::kill(-pid, SIGKILL);
    }
    ::_exit(0);
  }

  StartedPids& m_started;
  FrameDecoder m_decoder;
  std::map<pid_t, Task> m_tasks;
  std::vector<common::UniqueFd> m_lent;
  std::string m_lend_error;        ///< why the last lend failed, if it did
  std::vector<pid_t> m_unreported; ///< started since the last report
  int64_t m_report_due = 0;        ///< when they are to be reported (CLOCK_MONOTONIC, ms)
};

[[noreturn]] void launcher_main(int socket, int fd_socket, pid_t cooker, StartedPids& started) {
  // Hear of the cooker's death even if it is killed before it can close the socket, as a
  // SIGTERM read from the signalfd: the tasks still running are then killed, not orphaned.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != cooker) {
    ::_exit(0);
  }
  // Park both sockets above the fixed numbers first: either may sit on the other's number.
  int parked_socket = ::fcntl(socket, F_DUPFD, k_parking_fd);
  int parked_fd_socket = ::fcntl(fd_socket, F_DUPFD, k_parking_fd);
  ::dup2(parked_socket, k_socket_fd);
  ::dup2(parked_fd_socket, k_fd_socket_fd);
  // The cooker's signal handlers and ignored signals are not the launcher's.
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
    std::signal(sig, SIG_DFL);
  }
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  sigaddset(&child, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &child, nullptr);
  int signal_fd = ::signalfd(-1, &child, SFD_NONBLOCK);
  // A report written to the socket of a cooker already gone must fail with EPIPE, after which
  // shut_down kills the tasks, not end the launcher before it could: SIGPIPE stays blocked
  // here (each task's fork unblocks every signal).
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::sigprocmask(SIG_BLOCK, &pipe, nullptr);
  ::dup2(signal_fd, k_signal_fd);
  // Nothing of the cooker's (lock, sockets, the event loop's fds) stays open here. Received fds
  // therefore get numbers above k_fd_socket_fd, as run_task_child needs.
  ::close_range(k_fd_socket_fd + 1, ~0U, 0);
  LauncherLoop(started).run();
}

} // namespace

common::Result<Launcher> start_launcher() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return common::fail(common::ErrorKind::io, common::errno_message("socketpair"));
  }
  common::UniqueFd ours(fds[0]);
  common::UniqueFd theirs(fds[1]);
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return common::fail(common::ErrorKind::io, common::errno_message("socketpair"));
  }
  common::UniqueFd our_fd_socket(fds[0]);
  // The cooker's end never blocks: see LauncherExecutor::start.
  if (auto nonblocking = common::set_nonblocking(our_fd_socket.get(), true); !nonblocking) {
    return common::fail(nonblocking.error());
  }
  common::UniqueFd their_fd_socket(fds[1]);
  auto started = StartedPids::create();
  if (!started) {
    return common::fail(started.error());
  }
  pid_t cooker = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    return common::fail(common::ErrorKind::io, common::errno_message("fork"));
  }
  if (pid == 0) {
    launcher_main(theirs.get(), their_fd_socket.get(), cooker, **started);
  }
  return Launcher{std::move(ours), std::move(our_fd_socket), pid, std::move(*started)};
}

} // namespace bbrun::server::exec
