// SPDX-License-Identifier: MIT
// Reading /proc/PID for tests.
#include "tests/testing/proc_inspect.h"

#include "tests/testing/temp_dir.h"

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <sstream>

namespace bbrun::testing {

namespace fs = std::filesystem;

namespace {

// The "flags:" field of /proc/PID/fdinfo/FD, in octal as the kernel prints it.
unsigned fd_flags(pid_t pid, int fd) {
  std::istringstream info(
      read_file("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd)));
  std::string key;
  while (info >> key) {
    if (key == "flags:") {
      unsigned flags = 0;
      info >> std::oct >> flags;
      return flags;
    }
  }
  return 0;
}

} // namespace

std::vector<OpenFd> open_fds(pid_t pid) {
  std::vector<OpenFd> fds;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    OpenFd open;
    open.fd = std::stoi(entry.path().filename().string());
    open.target = fs::read_symlink(entry.path(), ec).string();
    open.cloexec = (fd_flags(pid, open.fd) & O_CLOEXEC) != 0;
    fds.push_back(std::move(open));
  }
  std::sort(fds.begin(), fds.end(), [](const OpenFd& a, const OpenFd& b) { return a.fd < b.fd; });
  return fds;
}

size_t open_fd_count(pid_t pid) {
  size_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count;
}

size_t resident_kib(pid_t pid) {
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      size_t kib = 0;
      status >> kib;
      return kib;
    }
  }
  return 0;
}

} // namespace bbrun::testing
