// SPDX-License-Identifier: MIT
// Reaping child processes.
#include "common/child_process.h"

#include <cerrno>
#include <csignal>
#include <sys/wait.h>

namespace bbrun::common {

int reap_child(pid_t pid) {
  if (pid <= 0) {
    return -1;
  }
  int status = 0;
  pid_t reaped = 0;
  do {
    reaped = ::waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  return reaped == pid ? status : -1;
}

void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  reap_child(pid);
}

} // namespace bbrun::common
