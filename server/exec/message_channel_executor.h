// SPDX-License-Identifier: MIT
// An executor that gives every task a channel for its messages and reads them as they come.
#pragma once

#include "common/unique_fd.h"
#include "server/exec/executor.h"
#include "server/exec/task_message.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace bbrun::server::exec {

/// The task a message came from.
struct MessageOrigin {
  std::string recipe; ///< PN
  std::string pf;     ///< PF
  std::string task;
};

/// Starts tasks through `inner`, each with the write end of a pipe of its own as its last
/// inherited fd, named by ${LOGFIFO} ("/dev/fd/N") in its environment and by
/// TaskPlan::message_fd. Messages reach `handler` within k_poll_interval of being written, and
/// all of a task's messages before its `done`. Event-loop thread only.
///
/// The channels are read on a timer rather than watched by the event loop: watching costs
/// each task four more system calls and a wakeup of its own, for channels that mostly carry
/// nothing. A task writing faster than the poll drains waits on its full pipe, as a task
/// writing to a slow terminal would.
class MessageChannelExecutor final : public Executor {
public:
  using Handler = std::function<void(const MessageOrigin&, const TaskMessage&)>;
  MessageChannelExecutor(boost::asio::io_context& io, Executor& inner, Handler handler);
  ~MessageChannelExecutor() override;

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done) override;
  void signal_all(int sig) override { m_inner.signal_all(sig); }
  size_t running() const override { return m_inner.running(); }

private:
  struct Channel {
    common::UniqueFd read_end; ///< closed once the task and its children closed theirs
    MessageOrigin origin;
    TaskMessageDecoder decoder;
  };

  static constexpr std::chrono::milliseconds k_poll_interval{100};
  /// The most read from one channel per poll: a task flooding its channel cannot hold up
  /// the event loop.
  static constexpr size_t k_poll_budget = 65536;

  void poll_soon();
  void poll();
  /// Read up to `budget` bytes of what `channel` holds now and hand over the messages; with
  /// `task_ended`, also what is left of a record the task did not finish.
  void read(Channel& channel, size_t budget, bool task_ended);

  Executor& m_inner;
  Handler m_handler;
  std::map<uint32_t, Channel> m_channels;
  boost::asio::steady_timer m_timer;
  bool m_polling = false;
  std::array<char, 16384> m_buffer{};
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::exec
