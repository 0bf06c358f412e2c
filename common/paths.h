// SPDX-License-Identifier: MIT
// Where a build directory keeps the server's socket, lock and log (SPEC.md).
#pragma once

#include "common/result.h"

#include <filesystem>
#include <optional>
#include <string>

namespace bbrun::common {

struct BuildDirPaths {
  std::filesystem::path builddir; ///< absolute and normalised

  std::filesystem::path socket() const { return builddir / "bbrun.sock"; }
  std::filesystem::path lock() const { return builddir / "bbrun.lock"; }
  std::filesystem::path log() const { return builddir / "bbrun-server.log"; }
};

/// Find the build directory: `option` (--builddir), else $BBRUN_BUILDDIR, else the current
/// directory. Fails with ErrorKind::usage when it is not an existing directory.
Result<BuildDirPaths> resolve_builddir(const std::optional<std::string>& option);

} // namespace bbrun::common
