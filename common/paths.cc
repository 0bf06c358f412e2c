// SPDX-License-Identifier: MIT
// Build directory resolution.
#include "common/paths.h"

#include <cstdlib>
#include <system_error>

namespace bbrun::common {

Result<BuildDirPaths> resolve_builddir(const std::optional<std::string>& option) {
  std::string chosen;
  if (option) {
    chosen = *option;
  } else if (const char* env = std::getenv("BBRUN_BUILDDIR"); env != nullptr && *env != '\0') {
    chosen = env;
  } else {
    chosen = ".";
  }
  std::error_code ec;
  auto absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(chosen, ec), ec);
  if (ec || !std::filesystem::is_directory(absolute, ec)) {
    return fail(ErrorKind::usage, "build directory does not exist", chosen);
  }
  return BuildDirPaths{absolute};
}

} // namespace bbrun::common
