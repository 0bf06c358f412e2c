// SPDX-License-Identifier: MIT
// Reaping child processes: waitpid with the EINTR retry every caller needs.
#pragma once

#include <sys/types.h>

namespace bbrun::common {

/// Wait until the child `pid` ends and return its wait status. Retries on EINTR, so a signal
/// handler running meanwhile cannot make the caller believe the child is gone. Returns -1 when
/// `pid` is not a child of this process (or is not positive).
int reap_child(pid_t pid);

/// SIGKILL the process group `pid` leads, then reap `pid`. For children the caller gives up on.
void kill_and_reap(pid_t pid);

} // namespace bbrun::common
