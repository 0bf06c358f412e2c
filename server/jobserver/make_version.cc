// SPDX-License-Identifier: MIT
// Detecting the host's make.
#include "server/jobserver/make_version.h"

#include "common/child_process.h"
#include "common/unique_fd.h"

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <unistd.h>

namespace bbrun::server::jobserver {

namespace {

constexpr std::string_view k_banner = "GNU Make ";
constexpr int k_timeout_ms = 5000;

// Read `fd` to its end, giving up after k_timeout_ms in all.
std::string read_with_timeout(int fd) {
  std::string text;
  int left = k_timeout_ms;
  while (left > 0) {
    struct pollfd pfd {
      fd, POLLIN, 0
    };
    int rc = ::poll(&pfd, 1, 100);
    left -= 100;
    if (rc < 0 && errno != EINTR) {
      break;
    }
    if (rc <= 0) {
      continue;
    }
    char buffer[4096];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

} // namespace

std::optional<MakeVersion> parse_make_version(std::string_view text) {
  if (!text.starts_with(k_banner)) {
    return std::nullopt;
  }
  text.remove_prefix(k_banner.size());
  MakeVersion version;
  const char* end = text.data() + text.size();
  auto major = std::from_chars(text.data(), end, version.major);
  if (major.ec != std::errc() || major.ptr == end || *major.ptr != '.') {
    return std::nullopt;
  }
  auto minor = std::from_chars(major.ptr + 1, end, version.minor);
  if (minor.ec != std::errc()) {
    return std::nullopt;
  }
  return version;
}

Style style_for(std::optional<MakeVersion> version) {
  bool fifo = version && (version->major > 4 || (version->major == 4 && version->minor >= 4));
  return fifo ? Style::fifo : Style::pipe;
}

std::optional<MakeVersion> detect_make_version() {
  auto out = common::make_pipe();
  if (!out) {
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // Whatever this process holds that is not close-on-exec (a client's ready fd) stays here.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Our MAKEFLAGS (from a client started inside make) names fds make must not look for.
  const char* path = std::getenv("PATH");
  std::string path_entry = std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin");
  char* envp[] = {path_entry.data(), nullptr};
  char* argv[] = {const_cast<char*>("make"), const_cast<char*>("--version"), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, "make", &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  out->write.reset();
  if (rc != 0) {
    return std::nullopt;
  }
  std::string text = read_with_timeout(out->read.get());
  ::kill(pid, SIGKILL); // harmless once it exited; ends it if it hangs
  common::reap_child(pid);
  return parse_make_version(text);
}

} // namespace bbrun::server::jobserver
