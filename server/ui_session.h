// SPDX-License-Identifier: MIT
// One connected UI: its command, reply and event pipes (SPEC.md, "Server and protocol").
#pragma once

#include "common/framing.h"
#include "common/protocol.h"
#include "server/event_sink.h"
#include "server/handshake.h"
#include "server/line_writer.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>

namespace bbrun::server {

class UiSession;

/// What a session reports to its owner. Called on the event-loop thread.
class SessionHost {
public:
  virtual ~SessionHost() = default;
  /// A complete, well-formed command arrived. The host must answer it with `reply()`.
  virtual void on_command(UiSession& session, common::protocol::Command command) = 0;
  /// The client is gone (its command pipe closed, or a pipe failed). Called once, possibly
  /// from inside the session's own handlers: the host must defer destroying it (post).
  virtual void on_session_closed(UiSession& session) = 0;
};

/// Reads commands line by line, answers malformed ones itself, and writes replies and events
/// in order. Owned by the daemon through a shared_ptr; lives on the event-loop thread.
class UiSession : public EventSink {
public:
  UiSession(boost::asio::io_context& io, UiChannels channels, unsigned id, SessionHost& host);
  ~UiSession() override;

  /// Start reading commands.
  void start();
  void reply(common::protocol::Json reply);
  void send_line(std::string line, Delivery delivery) override;

  unsigned id() const { return m_id; }
  /// The client's pid, once it said hello; 0 before.
  pid_t client_pid() const { return m_client_pid; }
  void set_client_pid(pid_t pid) { m_client_pid = pid; }
  /// Hand the client's make jobserver fds (if any) to its build, which closes them when it
  /// ends; the session keeps none.
  std::optional<JobserverFds> take_jobserver() { return std::exchange(m_jobserver, std::nullopt); }

private:
  void read_more();
  void handle_next();
  void handle_line(const common::Line& line);
  void close(const std::string& why);

  unsigned m_id;
  SessionHost& m_host;
  boost::asio::posix::stream_descriptor m_commands;
  LineWriter m_replies;
  LineWriter m_events;
  std::optional<JobserverFds> m_jobserver; ///< the client's make jobserver, until its build
  common::LineDecoder m_decoder;
  std::array<char, 65536> m_buffer{};
  std::deque<common::Line> m_pending; ///< lines read and not yet handled, at most one read's
  pid_t m_client_pid = 0;
  bool m_closed = false;
  // Guards the read handler against running after the session is destroyed.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server
