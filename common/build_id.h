// SPDX-License-Identifier: MIT
// Telling one build of bbrun-server from another, so a client never talks to a stale server.
#pragma once

#include <filesystem>
#include <string>

namespace bbrun::common {

/// An identity of the executable at `path`: its size and modification time, which change with
/// every rebuild or reinstall. "" when it cannot be read. For a running server, pass
/// "/proc/self/exe": it still names the file the server was started from, even once that file
/// has been replaced on disk.
std::string executable_build_id(const std::filesystem::path& path);

} // namespace bbrun::common
