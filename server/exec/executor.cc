// SPDX-License-Identifier: MIT
// Exit status descriptions.
#include "server/exec/executor.h"

#include <fmt/core.h>

#include <cstring>

namespace bbrun::server::exec {

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const char* name = ::sigabbrev_np(signal);
    return name != nullptr ? fmt::format("killed by SIG{}", name)
                           : fmt::format("killed by signal {}", signal);
  }
  return fmt::format("exit code {}", exit_code);
}

} // namespace bbrun::server::exec
