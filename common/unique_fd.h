// SPDX-License-Identifier: MIT
// UniqueFd, an owning file descriptor, and the small fd helpers that always set CLOEXEC.
#pragma once

#include "common/result.h"

#include <string>
#include <string_view>
#include <utility>

namespace bbrun::common {

/// Own one file descriptor; close it on destruction. Move-only.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  explicit operator bool() const { return valid(); }

  /// Give up ownership and return the fd.
  int release() { return std::exchange(m_fd, -1); }
  /// Close the owned fd (if any) and own `fd` instead.
  void reset(int fd = -1);

private:
  int m_fd = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

/// Return "`what`: strerror(errno)" for the current errno.
std::string errno_message(std::string_view what);
/// Return "`what`: strerror(`err`)".
std::string errno_message(std::string_view what, int err);

/// Create a pipe whose both ends are close-on-exec.
Result<Pipe> make_pipe();

/// Write all of `data` to `fd`, retrying on EINTR and short writes. Blocks if `fd` does.
Result<void> write_all(int fd, std::string_view data);

/// Read `fd` to its end (or `limit` bytes). Blocks if `fd` does.
Result<std::string> read_all(int fd, size_t limit = size_t(-1));

/// Set or clear O_NONBLOCK on the file description behind `fd`.
Result<void> set_nonblocking(int fd, bool on);

/// Whether `fd` is open and refers to a pipe or a fifo.
bool is_pipe(int fd);

} // namespace bbrun::common
