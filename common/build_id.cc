// SPDX-License-Identifier: MIT
// Build ids.
#include "common/build_id.h"

#include <fmt/core.h>

#include <sys/stat.h>

namespace bbrun::common {

std::string executable_build_id(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "";
  }
  return fmt::format("{}-{}.{:09}", st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

} // namespace bbrun::common
