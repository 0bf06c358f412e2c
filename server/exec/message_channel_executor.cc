// SPDX-License-Identifier: MIT
// Task message channels.
#include "server/exec/message_channel_executor.h"

#include "common/unique_fd.h"
#include "server/exec/task_child.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <unistd.h>

namespace bbrun::server::exec {

struct MessageChannelExecutor::Channel {
  Channel(boost::asio::io_context& io, int fd, MessageOrigin from)
      : stream(io, fd), origin(std::move(from)) {}

  boost::asio::posix::stream_descriptor stream;
  MessageOrigin origin;
  TaskMessageDecoder decoder;
  std::array<char, 16384> buffer{};
};

MessageChannelExecutor::MessageChannelExecutor(boost::asio::io_context& io, Executor& inner,
                                               Handler handler)
    : m_io(io), m_inner(inner), m_handler(std::move(handler)) {}

MessageChannelExecutor::~MessageChannelExecutor() {
  *m_alive = false;
  for (auto& [id, channel] : m_channels) {
    boost::system::error_code ignored;
    channel->stream.close(ignored);
  }
}

common::Result<void> MessageChannelExecutor::start(uint32_t id, TaskPlan plan, Done done) {
  auto pipe = common::make_pipe();
  if (!pipe) {
    return common::fail(pipe.error());
  }
  if (auto nonblocking = common::set_nonblocking(pipe->read.get(), true); !nonblocking) {
    return common::fail(nonblocking.error());
  }
  plan.message_fd = k_first_inherited_fd + static_cast<int>(plan.inherited_fds.size());
  plan.inherited_fds.push_back(pipe->write.get());
  plan.environment.push_back(
      fmt::format("{}=/dev/fd/{}", k_message_channel_variable, plan.message_fd));
  auto channel = std::make_shared<Channel>(m_io, pipe->read.release(),
                                           MessageOrigin{plan.recipe, plan.pf, plan.task});
  auto started =
      m_inner.start(id, std::move(plan),
                    [this, id, alive = m_alive, done = std::move(done)](TaskOutcome outcome) {
                      if (*alive) {
                        if (auto it = m_channels.find(id); it != m_channels.end()) {
                          auto ended = std::move(it->second);
                          m_channels.erase(it);
                          drain(*ended);
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
  m_channels[id] = channel;
  read_more(channel);
  return {};
}

void MessageChannelExecutor::read_more(const std::shared_ptr<Channel>& channel) {
  channel->stream.async_read_some(
      boost::asio::buffer(channel->buffer),
      [this, alive = m_alive, channel](const boost::system::error_code& ec, size_t n) {
        if (!*alive || ec == boost::asio::error::operation_aborted || !channel->stream.is_open()) {
          return;
        }
        std::vector<TaskMessage> messages;
        if (ec) {
          // The end of the stream: whatever the task's children do now goes unheard.
          channel->decoder.finish(messages);
          deliver(*channel, messages);
          return;
        }
        channel->decoder.feed(std::string_view(channel->buffer.data(), n), messages);
        deliver(*channel, messages);
        read_more(channel);
      });
}

void MessageChannelExecutor::deliver(const Channel& channel, std::vector<TaskMessage>& messages) {
  for (const auto& message : messages) {
    m_handler(channel.origin, message);
  }
  messages.clear();
}

void MessageChannelExecutor::drain(Channel& channel) {
  std::vector<TaskMessage> messages;
  if (channel.stream.is_open()) {
    // Bounded: something the task left running may still be writing, as fast as we read.
    size_t budget = TaskMessageDecoder::k_default_limit;
    ssize_t n;
    while (budget > 0 && ((n = ::read(channel.stream.native_handle(), channel.buffer.data(),
                                      std::min(channel.buffer.size(), budget))) > 0 ||
                          (n < 0 && errno == EINTR))) {
      if (n > 0) {
        budget -= static_cast<size_t>(n);
        channel.decoder.feed(std::string_view(channel.buffer.data(), static_cast<size_t>(n)),
                             messages);
      }
    }
    boost::system::error_code ignored;
    channel.stream.close(ignored);
  }
  channel.decoder.finish(messages);
  deliver(channel, messages);
}

} // namespace bbrun::server::exec
