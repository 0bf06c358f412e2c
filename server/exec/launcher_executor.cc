// SPDX-License-Identifier: MIT
// Executor over the task launcher.
#include "server/exec/launcher_executor.h"

#include "common/child_process.h"
#include "common/fd_passing.h"
#include "common/log.h"
#include "server/exec/task_child.h"

#include <csignal>
#include <fcntl.h>

namespace bbrun::server::exec {

LauncherExecutor::LauncherExecutor(boost::asio::io_context& io, Launcher launcher)
    : m_launcher_pid(launcher.pid), m_started(std::move(launcher.pids)),
      m_fd_socket(std::move(launcher.fd_socket)), m_socket(io),
      // A second description for the writer; close-on-exec like every fd the server holds.
      m_writer(io, common::UniqueFd(::fcntl(launcher.socket.get(), F_DUPFD_CLOEXEC, 0)),
               [this](const std::string& why) { launcher_died("cannot write to it: " + why); }) {
  m_socket.assign(launcher.socket.release());
  read_more();
}

LauncherExecutor::~LauncherExecutor() {
  *m_alive = false;
  boost::system::error_code ignored;
  m_socket.close(ignored);
  m_writer.close();
  // Closing its socket ends the launcher; reap it so it leaves no zombie.
  common::reap_child(m_launcher_pid);
}

common::Result<void> LauncherExecutor::start(uint32_t id, TaskPlan plan, Done done,
                                             OnMessage on_message) {
  if (m_dead) {
    return common::fail(common::ErrorKind::io, "the task launcher is gone");
  }
  common::JsonWriter message;
  message.begin_object().key("id").value(id).key("plan");
  write_plan(message, plan);
  message.end_object();
  m_tasks[id] = Running{std::move(done), std::move(on_message), TaskMessageDecoder(), plan.log_dir,
                        plan.task};
  m_writer.write_now(encode_frame_text(message.text()));
  return {};
}

common::Result<void> LauncherExecutor::lend_fds(std::vector<int> fds) {
  if (m_dead) {
    return common::fail(common::ErrorKind::io, "the task launcher is gone");
  }
  if (!fds.empty()) {
    // Non-blocking: should the launcher ever fall far behind, the lending fails rather than
    // the event loop stopping (and the launcher's replies with it).
    auto sent = common::send_fds(m_fd_socket.get(), static_cast<unsigned char>('F'), fds);
    if (!sent) {
      return common::fail(common::ErrorKind::io,
                          "cannot pass fds to the task launcher: " + sent.error().message);
    }
  }
  common::JsonWriter message;
  message.begin_object().key("lend").value(static_cast<uint64_t>(fds.size())).end_object();
  m_writer.write_now(encode_frame_text(message.text()));
  return {};
}

void LauncherExecutor::signal_all(int sig) {
  for (auto& [id, task] : m_tasks) {
    if (task.pid > 0) {
      ::kill(-task.pid, sig);
    } else {
      task.pending_signal = sig;
    }
  }
}

void LauncherExecutor::read_more() {
  m_socket.async_read_some(boost::asio::buffer(m_buffer),
                           [this, alive = m_alive](const boost::system::error_code& ec, size_t n) {
                             if (!*alive || ec == boost::asio::error::operation_aborted) {
                               return;
                             }
                             std::vector<LauncherReport> reports;
                             if (ec ||
                                 !m_decoder.feed(std::string_view(m_buffer.data(), n), reports)) {
                               launcher_died(ec ? ec.message() : "it sent a malformed report");
                               return;
                             }
                             for (const auto& report : reports) {
                               handle(report);
                               if (!*alive) {
                                 return;
                               }
                             }
                             read_more();
                           });
}

void LauncherExecutor::handle(const LauncherReport& report) {
  auto it = m_tasks.find(report.id);
  if (it == m_tasks.end()) {
    return;
  }
  Running& task = it->second;
  using Kind = LauncherReport::Kind;
  if (report.kind == Kind::messages || report.kind == Kind::ended) {
    hand_over_messages(task.messages, report.data, report.kind == Kind::ended, task.on_message);
  }
  if (report.kind == Kind::started || report.kind == Kind::ended) {
    task.pid = report.pid;
  }
  if (report.kind == Kind::started && task.pending_signal != 0) {
    ::kill(-task.pid, task.pending_signal);
  }
  if (report.kind != Kind::ended && report.kind != Kind::failed) {
    return;
  }
  TaskOutcome outcome;
  if (report.kind == Kind::failed) {
    common::log::error("task launcher: {}", report.data);
  } else {
    outcome.status = report.status;
  }
  if (task.pid > 0 && !outcome.status.success()) {
    outcome.log = task_log_path(task.log_dir, task.task, task.pid);
  }
  // Erase first: `done` may start the next task right away.
  Done done = std::move(task.done);
  m_tasks.erase(it);
  done(outcome);
}

void LauncherExecutor::launcher_died(const std::string& why) {
  if (m_dead) {
    return;
  }
  m_dead = true;
  common::log::error("task launcher gone ({}): failing its running tasks", why);
  auto tasks = std::move(m_tasks);
  m_tasks.clear();
  for (auto& [id, task] : tasks) {
    // A task started in the moments before the launcher died: its pid is only in the table.
    if (task.pid <= 0 && m_started) {
      task.pid = m_started->find(id).value_or(0);
    }
    if (task.pid > 0) {
      ::kill(-task.pid, SIGKILL);
    }
    TaskOutcome outcome;
    outcome.status.signal = SIGKILL;
    task.done(outcome);
  }
}

} // namespace bbrun::server::exec
