// SPDX-License-Identifier: MIT
// Task child set-up, between fork and exec.
#include "server/exec/task_child.h"

#include "common/unique_fd.h"

#include <fmt/core.h>

#include <cerrno>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::server::exec {

namespace fs = std::filesystem;

namespace {

// Report a set-up failure on stderr (the task log once it is open).
bool report_setup_failure(const std::string& message) {
  std::string line = "ERROR: task set-up failed: " + message + "\n";
  (void)common::write_all(STDERR_FILENO, line);
  return false;
}

int setup_failed(const std::string& message) {
  report_setup_failure(message);
  return k_setup_failed_exit;
}

fs::path script_path(const TaskPlan& plan, pid_t pid) {
  return plan.log_dir / fmt::format("run.{}.{}", plan.task, pid);
}

bool make_dirs(const fs::path& dir, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = fmt::format("cannot create {}: {}", dir.string(), ec.message());
    return false;
  }
  return true;
}

// Replace `link` atomically so that readers never see it missing.
void point_symlink(const fs::path& link, const fs::path& target) {
  fs::path temporary = link;
  temporary += fmt::format(".tmp{}", ::getpid());
  ::unlink(temporary.c_str());
  if (::symlink(target.filename().c_str(), temporary.c_str()) == 0) {
    ::rename(temporary.c_str(), link.c_str());
  }
}

bool write_script(const fs::path& path, const std::string& script, std::string& error) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0775));
  if (!fd || !common::write_all(fd.get(), script)) {
    error = common::errno_message("cannot write " + path.string());
    return false;
  }
  return true;
}

bool redirect_output(const fs::path& log, std::string& error) {
  common::UniqueFd fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664));
  common::UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd || !null) {
    error = common::errno_message("cannot open " + log.string());
    return false;
  }
  ::dup2(null.get(), STDIN_FILENO);
  ::dup2(fd.get(), STDOUT_FILENO);
  ::dup2(fd.get(), STDERR_FILENO);
  return true;
}

// Lock files stay open, without CLOEXEC, so the locks last as long as the task's shell.
bool take_locks(const std::vector<fs::path>& lockfiles, std::string& error) {
  for (const auto& lockfile : lockfiles) {
    if (!make_dirs(lockfile.parent_path(), error)) {
      return false;
    }
    int fd = ::open(lockfile.c_str(), O_RDWR | O_CREAT, 0664);
    if (fd < 0) {
      error = common::errno_message("cannot open lock file " + lockfile.string());
      return false;
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        error = common::errno_message("cannot lock " + lockfile.string());
        return false;
      }
    }
  }
  return true;
}

} // namespace

fs::path task_log_path(const fs::path& log_dir, std::string_view task, pid_t pid) {
  return log_dir / fmt::format("log.{}.{}", task, pid);
}

bool set_up_task_child(const TaskPlan& plan, std::span<const int> inherited) {
  ::umask(plan.umask);
  std::string error;
  for (const auto& dir : plan.cleandirs) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (!make_dirs(dir, error)) {
      return report_setup_failure(error);
    }
  }
  if (!make_dirs(plan.log_dir, error)) {
    return report_setup_failure(error);
  }
  pid_t pid = ::getpid();
  fs::path log = task_log_path(plan.log_dir, plan.task, pid);
  if (!redirect_output(log, error)) {
    return report_setup_failure(error);
  }
  point_symlink(plan.log_dir / fmt::format("log.{}", plan.task), log);
  for (const auto& dir : plan.dirs) {
    if (!make_dirs(dir, error)) {
      return report_setup_failure(error);
    }
  }
  if (!plan.script.empty()) {
    fs::path script = script_path(plan, pid);
    if (!write_script(script, plan.script, error)) {
      return report_setup_failure(error);
    }
    point_symlink(plan.log_dir / fmt::format("run.{}", plan.task), script);
  }
  // dup2 leaves the copies without CLOEXEC, so the task's shell and its makes keep them.
  for (size_t i = 0; i < inherited.size(); ++i) {
    ::dup2(inherited[i], k_first_inherited_fd + static_cast<int>(i));
  }
  // Nothing the server holds (client pipes, the socket, databases, bbrun.lock) may reach the
  // task, whether or not it was opened with CLOEXEC.
  ::close_range(k_first_inherited_fd + static_cast<unsigned>(inherited.size()), ~0U, 0);
  if (!take_locks(plan.lockfiles, error)) {
    return report_setup_failure(error);
  }
  const fs::path& workdir = plan.dirs.empty() ? plan.log_dir : plan.dirs.back();
  if (::chdir(workdir.c_str()) != 0) {
    return report_setup_failure(common::errno_message("cannot enter " + workdir.string()));
  }
  return true;
}

int run_task_child(const TaskPlan& plan, std::span<const int> inherited) {
  if (!set_up_task_child(plan, inherited)) {
    return k_setup_failed_exit;
  }
  std::vector<char*> envp;
  for (const auto& entry : plan.environment) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  std::string script_arg = script_path(plan, ::getpid()).string();
  char* argv[] = {const_cast<char*>("sh"), script_arg.data(), nullptr};
  ::execve("/bin/sh", argv, envp.data());
  return setup_failed(common::errno_message("cannot exec /bin/sh"));
}

} // namespace bbrun::server::exec
