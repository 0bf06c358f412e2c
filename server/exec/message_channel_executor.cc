// SPDX-License-Identifier: MIT
// Task message channels.
#include "server/exec/message_channel_executor.h"

#include "common/unique_fd.h"
#include "server/exec/task_child.h"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <unistd.h>

namespace bbrun::server::exec {

MessageChannelExecutor::MessageChannelExecutor(boost::asio::io_context& io, Executor& inner,
                                               Handler handler)
    : m_inner(inner), m_handler(std::move(handler)), m_timer(io) {}

MessageChannelExecutor::~MessageChannelExecutor() {
  *m_alive = false;
}

common::Result<void> MessageChannelExecutor::start(uint32_t id, TaskPlan plan, Done done) {
  auto pipe = common::make_pipe();
  if (!pipe) {
    return common::fail(pipe.error());
  }
  // Only our end: the task's end blocks, as any file it writes to would.
  if (auto nonblocking = common::set_nonblocking(pipe->read.get(), true); !nonblocking) {
    return common::fail(nonblocking.error());
  }
  plan.message_fd = k_first_inherited_fd + static_cast<int>(plan.inherited_fds.size());
  plan.inherited_fds.push_back(pipe->write.get());
  plan.environment.push_back(
      fmt::format("{}=/dev/fd/{}", k_message_channel_variable, plan.message_fd));
  MessageOrigin origin{plan.recipe, plan.pf, plan.task};
  auto started =
      m_inner.start(id, std::move(plan),
                    [this, id, alive = m_alive, done = std::move(done)](TaskOutcome outcome) {
                      if (*alive) {
                        if (auto it = m_channels.find(id); it != m_channels.end()) {
                          // Bounded: something the task left running may still be writing.
                          read(it->second, TaskMessageDecoder::k_default_limit, true);
                          m_channels.erase(it);
                        }
                      }
                      done(std::move(outcome));
                    });
  // The task has its copy of the write end now (or never will): only the task may hold it, so
  // that the channel ends when the task and what it started are gone.
  pipe->write.reset();
  if (!started) {
    return started;
  }
  m_channels.emplace(id, Channel{std::move(pipe->read), std::move(origin), TaskMessageDecoder()});
  poll_soon();
  return {};
}

void MessageChannelExecutor::poll_soon() {
  if (m_polling || m_channels.empty()) {
    return;
  }
  m_polling = true;
  m_timer.expires_after(k_poll_interval);
  m_timer.async_wait([this, alive = m_alive](const boost::system::error_code& ec) {
    if (*alive && !ec) {
      m_polling = false;
      poll();
      poll_soon();
    }
  });
}

void MessageChannelExecutor::poll() {
  for (auto& [id, channel] : m_channels) {
    read(channel, k_poll_budget, false);
  }
}

void MessageChannelExecutor::read(Channel& channel, size_t budget, bool task_ended) {
  std::vector<TaskMessage> messages;
  while (channel.read_end && budget > 0) {
    ssize_t n = ::read(channel.read_end.get(), m_buffer.data(), std::min(m_buffer.size(), budget));
    if (n > 0) {
      budget -= static_cast<size_t>(n);
      channel.decoder.feed(std::string_view(m_buffer.data(), static_cast<size_t>(n)), messages);
    } else if (n == 0 || errno != EINTR) {
      if (n == 0) {
        channel.read_end.reset(); // whatever the task's children do now goes unheard
      }
      break;
    }
  }
  if (task_ended) {
    channel.decoder.finish(messages); // a record cut short still counts
  }
  for (const auto& message : messages) {
    m_handler(channel.origin, message);
  }
}

} // namespace bbrun::server::exec
