// SPDX-License-Identifier: MIT
// UniqueFd and fd helpers.
#include "common/unique_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::common {

void UniqueFd::reset(int fd) {
  if (m_fd >= 0) {
    // close() is never retried on EINTR on Linux: the fd is gone either way.
    ::close(m_fd);
  }
  m_fd = fd;
}

std::string errno_message(std::string_view what) {
  return errno_message(what, errno);
}

std::string errno_message(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(ErrorKind::io, errno_message("pipe2"));
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorKind::io, errno_message("write"));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<std::string> read_all(int fd, size_t limit) {
  std::string out;
  char buf[65536];
  while (out.size() < limit) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(ErrorKind::io, errno_message("read"));
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  if (out.size() > limit) {
    out.resize(limit);
  }
  return out;
}

Result<void> set_nonblocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) {
    return fail(ErrorKind::io, errno_message("fcntl(F_GETFL)"));
  }
  int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) != 0) {
    return fail(ErrorKind::io, errno_message("fcntl(F_SETFL)"));
  }
  return {};
}

bool is_pipe(int fd) {
  struct stat st {};
  return fd >= 0 && ::fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

} // namespace bbrun::common
