// SPDX-License-Identifier: MIT
// Detached server start-up.
#include "client/server_launcher.h"

#include "common/child_process.h"
#include "common/unique_fd.h"

#include <fmt/core.h>

#include <cerrno>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace bbrun::client {

using common::ErrorKind;
using common::fail;

namespace {

constexpr int k_ready_fd = 3;
constexpr int k_ready_timeout_ms = 30000;

} // namespace

// Next to this executable: the build tree and an installation alike.
std::string server_executable() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto sibling = self.parent_path() / "bbrun-server";
  if (!ec && ::access(sibling.c_str(), X_OK) == 0) {
    return sibling.string();
  }
  return "bbrun-server";
}

namespace {

// In the grandchild: set up stdio and fds, then exec. Never returns.
[[noreturn]] void exec_server(const std::vector<std::string>& argv, const std::string& log,
                              int ready_write) {
  int null = ::open("/dev/null", O_RDONLY);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (null < 0 || out < 0) {
    ::_exit(127);
  }
  ::dup2(null, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  if (ready_write == k_ready_fd) {
    ::fcntl(k_ready_fd, F_SETFD, 0); // dup2 onto itself would keep CLOEXEC
  } else {
    ::dup2(ready_write, k_ready_fd);
  }
  ::close_range(k_ready_fd + 1, ~0U, 0);
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  std::string message = fmt::format("cannot exec {}: {}\n", argv[0], std::strerror(errno));
  (void)common::write_all(STDERR_FILENO, message);
  ::_exit(127);
}

common::Result<void> wait_ready(int ready_read) {
  struct pollfd pfd {
    ready_read, POLLIN, 0
  };
  int rc;
  do {
    rc = ::poll(&pfd, 1, k_ready_timeout_ms);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) {
    return fail(ErrorKind::io, "the server did not become ready in time");
  }
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(ready_read, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) {
    return fail(ErrorKind::transient, "the server exited before it was ready");
  }
  return {};
}

} // namespace

common::Result<void> launch_server(const common::BuildDirPaths& paths,
                                   std::optional<double> idle_timeout) {
  auto ready = common::make_pipe();
  if (!ready) {
    return fail(ready.error());
  }
  std::vector<std::string> argv{server_executable(), "--builddir", paths.builddir.string(),
                                "--ready-fd", std::to_string(k_ready_fd)};
  if (idle_timeout) {
    argv.push_back("--timeout");
    argv.push_back(fmt::format("{}", *idle_timeout));
  }
  std::string log = paths.log().string();
  pid_t child = ::fork();
  if (child < 0) {
    return fail(ErrorKind::io, common::errno_message("fork"));
  }
  if (child == 0) {
    // Double fork: the server is reparented to init and never becomes our zombie.
    ::setsid();
    if (::fork() == 0) {
      exec_server(argv, log, ready->write.get());
    }
    ::_exit(0);
  }
  common::reap_child(child);
  ready->write.reset();
  return wait_ready(ready->read.get());
}

} // namespace bbrun::client
