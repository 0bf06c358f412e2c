// SPDX-License-Identifier: MIT
// Log tails.
#include "server/exec/log_tail.h"

#include "common/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

namespace bbrun::server::exec {

std::vector<std::string> read_log_tail(const std::filesystem::path& path, size_t count) {
  constexpr off_t k_window = 64 * 1024;
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return {};
  }
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  ::lseek(fd.get(), size > k_window ? size - k_window : 0, SEEK_SET);
  auto text = common::read_all(fd.get(), k_window);
  if (!text) {
    return {};
  }
  std::vector<std::string> lines;
  size_t end = text->size();
  if (end > 0 && (*text)[end - 1] == '\n') {
    --end;
  }
  while (lines.size() < count && end > 0) {
    size_t start = text->rfind('\n', end - 1);
    size_t first = (start == std::string::npos) ? 0 : start + 1;
    lines.push_back(text->substr(first, end - first));
    if (start == std::string::npos) {
      break;
    }
    end = start;
  }
  return {lines.rbegin(), lines.rend()};
}

} // namespace bbrun::server::exec
