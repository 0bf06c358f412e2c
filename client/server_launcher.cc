// SPDX-License-Identifier: MIT
// Detached server start-up.
#include "client/server_launcher.h"

#include "common/child_process.h"
#include "common/spawn_setup.h"
#include "common/unique_fd.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bbrun::client {

using common::ErrorKind;
using common::fail;

namespace {

constexpr int k_ready_fd = 3;
constexpr int k_ready_timeout_ms = 30000;
constexpr auto k_exit_timeout = std::chrono::seconds(30);
constexpr auto k_exit_poll_longest = std::chrono::milliseconds(20);

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

// A session of its own (a Ctrl-C at our terminal is not for it), stdin from /dev/null, stdout
// and stderr appended to its log, the readiness pipe as fd 3 and no other fd of ours.
struct ServerSpawn : common::SpawnSetup {
  ServerSpawn(const std::string& log, int ready_write) : SpawnSetup(POSIX_SPAWN_SETSID) {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&actions, ready_write, k_ready_fd);
    posix_spawn_file_actions_addclosefrom_np(&actions, k_ready_fd + 1);
  }
};

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
  // Above the fds the spawn sets up, so that its dup2 onto fd 3 always copies (a dup2 of an
  // fd onto itself would leave it close-on-exec).
  common::UniqueFd ready_write(::fcntl(ready->write.get(), F_DUPFD_CLOEXEC, k_ready_fd + 1));
  ready->write.reset();
  if (!ready_write) {
    return fail(ErrorKind::io, common::errno_message("fcntl"));
  }
  std::vector<char*> args;
  for (auto& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  // Spawned rather than forked twice: no copy of our page tables, a fraction of a fork's cost.
  // The server stays our child; one that ends before we do is a zombie until we exit, which
  // holds nothing (its lock and socket are gone with its fds).
  ServerSpawn spawn(paths.log().string(), ready_write.get());
  pid_t server = 0;
  int spawned =
      ::posix_spawnp(&server, args[0], &spawn.actions, &spawn.attributes, args.data(), environ);
  ready_write.reset();
  if (spawned != 0) {
    return fail(ErrorKind::io, common::errno_message("cannot start " + argv[0], spawned));
  }
  auto waited = wait_ready(ready->read.get());
  if (!waited && waited.error().kind == ErrorKind::transient) {
    common::reap_child(server); // it has exited: its readiness pipe closed
  }
  return waited;
}

bool wait_for_server_exit(const common::BuildDirPaths& paths, int pid) {
  common::UniqueFd lock(::open(paths.lock().c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock) {
    return true;
  }
  auto deadline = std::chrono::steady_clock::now() + k_exit_timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    // The holder writes its pid after locking and truncates the file before it lets go: empty
    // is our server on its way out, or a new one that has not written its pid yet.
    char text[32] = {};
    ssize_t n = ::pread(lock.get(), text, sizeof text - 1, 0);
    int holder = n > 0 ? std::atoi(text) : 0;
    if (holder != 0 && holder != pid) {
      return true;
    }
    // A shared lock, let go at once: we only ask whether the holder has.
    if (::flock(lock.get(), LOCK_SH | LOCK_NB) == 0) {
      ::flock(lock.get(), LOCK_UN);
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, k_exit_poll_longest);
  }
}

} // namespace bbrun::client
