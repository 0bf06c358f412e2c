// SPDX-License-Identifier: MIT
// Task message channels.
#include "server/exec/message_channel.h"

#include "server/exec/task_child.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <unistd.h>

namespace bbrun::server::exec {

common::Result<std::pair<MessageChannel, common::UniqueFd>> MessageChannel::open() {
  auto pipe = common::make_pipe();
  if (!pipe) {
    return common::fail(pipe.error());
  }
  // Only the reading end: the task's end blocks, as any file it writes to would.
  if (auto nonblocking = common::set_nonblocking(pipe->read.get(), true); !nonblocking) {
    return common::fail(nonblocking.error());
  }
  return std::pair{MessageChannel(std::move(pipe->read)), std::move(pipe->write)};
}

void MessageChannel::read(std::string& out, size_t budget) {
  std::array<char, 16384> buffer;
  while (m_read_end && budget > 0) {
    ssize_t n = ::read(m_read_end.get(), buffer.data(), std::min(buffer.size(), budget));
    if (n > 0) {
      budget -= static_cast<size_t>(n);
      out.append(buffer.data(), static_cast<size_t>(n));
    } else if (n == 0) {
      m_read_end.reset(); // whatever the task's children do now goes unheard
    } else if (errno != EINTR) {
      break;
    }
  }
}

void MessageChannel::finish(std::string& out) {
  read(out, TaskMessageDecoder::k_default_limit);
  m_read_end.reset();
}

void add_message_channel(TaskPlan& plan, int write_end) {
  plan.message_fd = k_first_inherited_fd + static_cast<int>(plan.inherited_fds.size());
  plan.inherited_fds.push_back(write_end);
  plan.environment.push_back(
      fmt::format("{}=/dev/fd/{}", k_message_channel_variable, plan.message_fd));
}

} // namespace bbrun::server::exec
