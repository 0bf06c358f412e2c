// SPDX-License-Identifier: MIT
// Listening on and connecting to the server's AF_UNIX socket, whatever the path's length.
//
// sun_path holds 108 bytes. A longer path is reached through the directory: it is opened with
// O_PATH and the socket named as /proc/self/fd/N/NAME, which the kernel resolves like any
// other path, so deep build directories work without changing the process's cwd.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <filesystem>

namespace bbrun::common {

/// Create a SOCK_STREAM socket bound to `path` and listening, mode 0600, CLOEXEC. The caller
/// must have removed a stale file at `path`.
Result<UniqueFd> listen_unix(const std::filesystem::path& path, int backlog = 64);

/// Connect to `path`. Fails with ErrorKind::transient when nobody listens there (no file,
/// or connection refused), ErrorKind::io otherwise.
Result<UniqueFd> connect_unix(const std::filesystem::path& path);

} // namespace bbrun::common
