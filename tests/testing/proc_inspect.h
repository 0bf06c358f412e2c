// SPDX-License-Identifier: MIT
// What /proc says about a live process: its open fds and its memory.
#pragma once

#include <cstddef>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bbrun::testing {

struct OpenFd {
  int fd = -1;
  std::string target; ///< the /proc/PID/fd link: a path, "pipe:[N]", "socket:[N]", ...
  bool cloexec = false;
};

/// Every fd `pid` holds, in fd order; empty when the process is gone.
std::vector<OpenFd> open_fds(pid_t pid);

/// How many fds `pid` holds.
size_t open_fd_count(pid_t pid);

/// The resident set of `pid` in KiB (VmRSS), 0 when it cannot be read.
size_t resident_kib(pid_t pid);

} // namespace bbrun::testing
