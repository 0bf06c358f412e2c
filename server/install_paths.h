// SPDX-License-Identifier: MIT
// Where the server finds the metadata it ships (conf/bitbake.conf, classes/base.bbclass).
#pragma once

#include <filesystem>

namespace bbrun::server {

/// `share/bbrun` next to the installed binary when it exists there, else this source tree's
/// `recipes/` (running from the build tree).
std::filesystem::path default_metadata_dir();

} // namespace bbrun::server
