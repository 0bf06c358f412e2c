// SPDX-License-Identifier: MIT
// Starting bbrun-server for a build directory, detached from the client.
#pragma once

#include "common/paths.h"
#include "common/result.h"

#include <optional>

namespace bbrun::client {

/// The bbrun-server this client starts: the one next to its own executable, else from PATH.
std::string server_executable();

/// Start `bbrun-server` for `paths` in its own session, stdin from /dev/null and stdout/stderr
/// appended to the server log, with no fd of ours but its readiness pipe (so a server started
/// from inside make never holds make's jobserver fds). Wait until it listens. Fails with
/// ErrorKind::transient when it exited without becoming ready (usually: another server won
/// the race for the lock), ErrorKind::io when it could not be started at all.
common::Result<void> launch_server(const common::BuildDirPaths& paths,
                                   std::optional<double> idle_timeout);

/// Wait until the server `pid`, asked to exit, has let go of the build directory's lock: it
/// closes its clients' pipes before it closes its databases. Returns at once when the lock
/// names another server (a new one started meanwhile); false when `pid` still holds it after
/// the timeout.
bool wait_for_server_exit(const common::BuildDirPaths& paths, int pid);

} // namespace bbrun::client
