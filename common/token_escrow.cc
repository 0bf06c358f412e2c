// SPDX-License-Identifier: MIT
// Jobserver token escrow.
#include "common/token_escrow.h"

#include <fmt/core.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::common {

Result<bool> move_token(int from, int to) {
  ssize_t n;
  do {
    n = ::splice(from, nullptr, to, nullptr, 1, SPLICE_F_NONBLOCK);
  } while (n < 0 && errno == EINTR);
  if (n == 1) {
    return true;
  }
  if (n < 0 && errno != EAGAIN) {
    return fail(ErrorKind::io, errno_message("splice"));
  }
  return false;
}

size_t release_escrow(int escrow, int jobserver_write) {
  size_t moved = 0;
  while (true) {
    auto one = move_token(escrow, jobserver_write);
    if (!one || !*one) {
      return moved;
    }
    ++moved;
  }
}

std::filesystem::path escrow_path(const std::filesystem::path& builddir, pid_t pid) {
  return builddir / fmt::format("bbrun.escrow.{}", pid);
}

Result<UniqueFd> create_escrow(const std::filesystem::path& path) {
  ::unlink(path.c_str());
  if (::mkfifo(path.c_str(), 0600) != 0) {
    return fail(ErrorKind::io, errno_message("mkfifo " + path.string()));
  }
  return open_escrow(path);
}

Result<UniqueFd> open_escrow(const std::filesystem::path& path) {
  // Read-write: on Linux opening a fifo so never waits for a peer.
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    return fail(ErrorKind::io, errno_message("open " + path.string()));
  }
  if (!is_pipe(fd.get())) {
    return fail(ErrorKind::io, path.string() + " is not a fifo");
  }
  return fd;
}

} // namespace bbrun::common
