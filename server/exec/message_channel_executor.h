// SPDX-License-Identifier: MIT
// An executor that gives every task a channel for its messages and reads them as they come.
#pragma once

#include "server/exec/executor.h"
#include "server/exec/task_message.h"

#include <boost/asio/io_context.hpp>

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
/// TaskPlan::message_fd. Messages reach `handler` as they arrive, and all of a task's
/// messages before its `done`. Event-loop thread only.
class MessageChannelExecutor final : public Executor {
public:
  using Handler = std::function<void(const MessageOrigin&, const TaskMessage&)>;
  MessageChannelExecutor(boost::asio::io_context& io, Executor& inner, Handler handler);
  ~MessageChannelExecutor() override;

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done) override;
  void signal_all(int sig) override { m_inner.signal_all(sig); }
  size_t running() const override { return m_inner.running(); }

private:
  struct Channel;

  void read_more(const std::shared_ptr<Channel>& channel);
  void deliver(const Channel& channel, std::vector<TaskMessage>& messages);
  /// Read what the ended task left in its channel, then close it.
  void drain(Channel& channel);

  boost::asio::io_context& m_io;
  Executor& m_inner;
  Handler m_handler;
  std::map<uint32_t, std::shared_ptr<Channel>> m_channels;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::exec
