// SPDX-License-Identifier: MIT
// Exit status descriptions; task messages handed over.
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

void hand_over_messages(TaskMessageDecoder& decoder, std::string_view bytes, bool ended,
                        const Executor::OnMessage& on_message) {
  std::vector<TaskMessage> messages;
  decoder.feed(bytes, messages);
  if (ended) {
    decoder.finish(messages);
  }
  if (on_message) {
    for (const auto& message : messages) {
      on_message(message);
    }
  }
}

} // namespace bbrun::server::exec
