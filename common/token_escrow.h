// SPDX-License-Identifier: MIT
// Jobserver tokens in escrow: held in a kernel pipe, never in a process's memory.
//
// A token read from make's jobserver into a variable dies with the process that read it:
// SIGKILL the server mid-build and make ends short of slots ("INTERNAL: Exiting with 2
// jobserver tokens available; should be 4!"). So the server never holds a token itself: it
// moves each one from make's pipe into an escrow pipe with splice(2), one system call that
// either moves the byte or does not, and moves it back from there when its task ends. The
// client makes the escrow (a fifo in the build directory, `bbrun.escrow.PID`, mode 0600),
// holds it open too, and names it in its build request: if the server dies the client puts
// back whatever the escrow holds; if the client dies the server does. Either way each token
// is in exactly one of the two pipes at any time, whoever is killed.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <filesystem>
#include <sys/types.h>

namespace bbrun::common {

/// Move one byte from the pipe `from` to the pipe `to` without blocking. Return true when a
/// byte moved, false when `from` had none; fail with ErrorKind::io on any other error.
Result<bool> move_token(int from, int to);

/// Move every byte the escrow `escrow` holds to `jobserver_write`; return how many moved.
size_t release_escrow(int escrow, int jobserver_write);

/// Where the client `pid` keeps its escrow in `builddir`.
std::filesystem::path escrow_path(const std::filesystem::path& builddir, pid_t pid);

/// Create a fifo at `path` (mode 0600, replacing whatever is there) and open it read-write and
/// non-blocking. Fails with ErrorKind::io.
Result<UniqueFd> create_escrow(const std::filesystem::path& path);

/// Open the fifo at `path` read-write and non-blocking. Fails with ErrorKind::io when it cannot
/// be opened or is not a fifo.
Result<UniqueFd> open_escrow(const std::filesystem::path& path);

} // namespace bbrun::common
