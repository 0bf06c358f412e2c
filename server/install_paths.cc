// SPDX-License-Identifier: MIT
// Default metadata lookup.
#include "server/install_paths.h"

#include "bbrun_config.h"

namespace bbrun::server {

std::filesystem::path default_metadata_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path() / BBRUN_INSTALLED_METADATA_RELDIR;
    if (std::filesystem::exists(installed / "conf" / "bitbake.conf", ec)) {
      return installed.lexically_normal();
    }
  }
  return BBRUN_SOURCE_METADATA_DIR;
}

} // namespace bbrun::server
