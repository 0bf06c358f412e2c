// SPDX-License-Identifier: MIT
// Python tasks in children forked from the cooker.
#include "server/exec/python_task_executor.h"

#include "common/child_process.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "server/exec/task_child.h"
#include "server/exec/task_message.h"
#include "server/python/functions.h"
#include "server/python/interpreter.h"

#include <fmt/core.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::server::exec {

namespace {

// The cooker's signal handling is not the task's: a task dies of SIGTERM as a shell task does.
void reset_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT}) {
    std::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// A python task is the cooker's child, not the launcher's, so the launcher cannot take it down
// when the cooker dies (exec/launcher.h). The task asks for a signal of its own when its parent
// dies, and kills its whole process group (itself and whatever it started) on it. The
// parent-death signal follows the forking thread: the event-loop thread, which lives as long
// as the cooker.
void die_with_the_cooker(pid_t cooker) {
  struct sigaction action {};
  action.sa_handler = [](int) { ::kill(0, SIGKILL); };
  ::sigaction(SIGRTMIN, &action, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGRTMIN);
  // The cooker may have died before prctl took effect.
  if (::getppid() != cooker) {
    ::kill(0, SIGKILL);
  }
}

ExitStatus exit_status_of(int status) {
  ExitStatus out;
  if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  } else {
    out.exit_code = WEXITSTATUS(status);
  }
  return out;
}

// bb.note and friends go to the log, as always, and to the task's message channel; so do shell
// functions the task runs with bb.build.exec_func, which find it through the environment.
void send_messages_to_channel(int fd) {
  auto to_log = python::Interpreter::set_sink({});
  python::Interpreter::set_sink([fd, to_log](std::string_view level, std::string_view text) {
    to_log(level, text);
    (void)common::write_all(fd, encode_task_message(level, text));
  });
  ::setenv(std::string(k_message_channel_variable).c_str(), fmt::format("/dev/fd/{}", fd).c_str(),
           1);
}

} // namespace

int run_python_task_child(const TaskPlan& plan) {
  reset_signals();
  // The inherited fds are the cooker's own and may sit where set-up puts them
  // (k_first_inherited_fd on): move them above that range first.
  std::vector<int> inherited;
  const int above = k_first_inherited_fd + static_cast<int>(plan.inherited_fds.size());
  for (int fd : plan.inherited_fds) {
    inherited.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, above));
  }
  if (!set_up_task_child(plan, inherited)) {
    return k_setup_failed_exit;
  }
  if (plan.message_fd >= 0) {
    send_messages_to_channel(plan.message_fd);
  }
  auto ran = python::run_task_function(*plan.python_data, plan.task);
  if (!ran) {
    std::string text = "ERROR: " + ran.error().message + "\n";
    (void)common::write_all(STDERR_FILENO, text);
    return 1;
  }
  return 0;
}

PythonTaskExecutor::PythonTaskExecutor(boost::asio::io_context& io, std::unique_ptr<Executor> shell)
    : m_io(io), m_shell(std::move(shell)) {}

PythonTaskExecutor::~PythonTaskExecutor() {
  *m_alive = false;
  for (auto& [id, task] : m_tasks) {
    common::kill_and_reap(task.pid);
  }
}

common::Result<void> PythonTaskExecutor::start(uint32_t id, TaskPlan plan, Done done,
                                               OnMessage on_message) {
  if (!plan.python_data) {
    return m_shell->start(id, std::move(plan), std::move(done), std::move(on_message));
  }
  auto channel = MessageChannel::open();
  if (!channel) {
    return common::fail(channel.error());
  }
  common::UniqueFd watched(::fcntl(channel->first.fd(), F_DUPFD_CLOEXEC, 0));
  if (!watched) {
    return common::fail(common::ErrorKind::io, common::errno_message("dup"));
  }
  plan.inherited_fds = m_lent;
  add_message_channel(plan, channel->second.get());
  const pid_t cooker = ::getpid();
  pid_t pid = python::Interpreter::instance().fork_child([&plan, cooker] {
    ::setpgid(0, 0);
    die_with_the_cooker(cooker);
    return run_python_task_child(plan);
  });
  // Only the task may hold the write end: the channel ends when it and its children are gone.
  channel->second.reset();
  if (pid < 0) {
    return common::fail(common::ErrorKind::io, common::errno_message("cannot fork a python task"));
  }
  ::setpgid(pid, pid);
  common::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    auto error = common::errno_message("pidfd_open");
    common::kill_and_reap(pid);
    return common::fail(common::ErrorKind::io, error);
  }
  Running task{pid,
               task_log_path(plan.log_dir, plan.task, pid),
               std::make_unique<boost::asio::posix::stream_descriptor>(m_io, pidfd.release()),
               std::move(channel->first),
               std::make_unique<boost::asio::posix::stream_descriptor>(m_io, watched.release()),
               TaskMessageDecoder(),
               std::move(done),
               std::move(on_message)};
  task.exit_watch->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                              [this, id, alive = m_alive](const boost::system::error_code& ec) {
                                if (*alive && !ec) {
                                  reap(id);
                                }
                              });
  m_tasks.emplace(id, std::move(task));
  watch_channel(id);
  return {};
}

common::Result<void> PythonTaskExecutor::lend_fds(std::vector<int> fds) {
  m_lent = fds;
  return m_shell->lend_fds(std::move(fds));
}

void PythonTaskExecutor::watch_channel(uint32_t id) {
  auto& watch = *m_tasks.at(id).channel_watch;
  watch.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, id, alive = m_alive](const boost::system::error_code& ec) {
                     if (!*alive || ec) {
                       return;
                     }
                     auto it = m_tasks.find(id);
                     if (it == m_tasks.end()) {
                       return;
                     }
                     std::string bytes;
                     it->second.channel.read(bytes);
                     hand_over_messages(it->second.messages, bytes, false, it->second.on_message);
                     if (it->second.channel.fd() >= 0) {
                       watch_channel(id);
                     }
                   });
}

void PythonTaskExecutor::signal_all(int sig) {
  for (auto& [id, task] : m_tasks) {
    ::kill(-task.pid, sig);
  }
  m_shell->signal_all(sig);
}

void PythonTaskExecutor::reap(uint32_t id) {
  auto it = m_tasks.find(id);
  if (it == m_tasks.end()) {
    return;
  }
  int status = common::reap_child(it->second.pid);
  TaskOutcome outcome;
  if (status != -1) {
    outcome.status = exit_status_of(status);
  } else {
    common::log::error("cannot reap python task {}: {}", it->second.pid, std::strerror(errno));
  }
  if (!outcome.status.success()) {
    outcome.log = it->second.log;
  }
  std::string bytes;
  it->second.channel.finish(bytes);
  hand_over_messages(it->second.messages, bytes, true, it->second.on_message);
  // Erase first: `done` may start the next task right away.
  Done done = std::move(it->second.done);
  m_tasks.erase(it);
  done(outcome);
}

} // namespace bbrun::server::exec
