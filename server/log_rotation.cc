// SPDX-License-Identifier: MIT
// Server log rotation.
#include "server/log_rotation.h"

#include "common/log.h"
#include "common/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::server {

void rotate_log_if_large(const std::filesystem::path& log, size_t cap) {
  struct stat current {};
  struct stat named {};
  if (::fstat(STDERR_FILENO, &current) != 0 || !S_ISREG(current.st_mode) ||
      static_cast<size_t>(current.st_size) <= cap || ::stat(log.c_str(), &named) != 0 ||
      named.st_ino != current.st_ino || named.st_dev != current.st_dev) {
    return;
  }
  auto old = log;
  old += ".old";
  if (::rename(log.c_str(), old.c_str()) != 0) {
    common::log::warning("{}", common::errno_message("rotate the log: rename"));
    return;
  }
  common::UniqueFd fresh(::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fresh) {
    common::log::warning("{}", common::errno_message("rotate the log: open " + log.string()));
    return;
  }
  ::dup2(fresh.get(), STDOUT_FILENO);
  ::dup2(fresh.get(), STDERR_FILENO);
  common::log::info("log rotated: the previous one is {}", old.string());
}

} // namespace bbrun::server
