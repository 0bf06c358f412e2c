// SPDX-License-Identifier: MIT
// The client's side of a server session: connect (starting a server if needed), hand over the
// UI pipes, send commands, read replies and events.
#pragma once

#include "client/make_jobserver.h"
#include "common/framing.h"
#include "common/paths.h"
#include "common/protocol.h"
#include "common/result.h"
#include "common/unique_fd.h"

#include <deque>
#include <optional>
#include <string>

namespace bbrun::client {

enum class StartServer { if_needed, never };

class Connection {
public:
  /// Connect to the server of `paths`, starting one (with `idle_timeout`) when none runs and
  /// `start` allows, then do the fd handshake and `hello`; with `jobserver`, its two fds go
  /// along (N = 5). When `start` allows and the server runs another build of bbrun-server than
  /// the one this client would start, it is asked to exit once idle and replaced. Fails with
  /// ErrorKind::transient when no server runs and `start` is never; other failures mean no
  /// server could be reached.
  static common::Result<Connection> open(const common::BuildDirPaths& paths, StartServer start,
                                         std::optional<double> idle_timeout,
                                         const MakeJobserver* jobserver = nullptr);

  /// Send one command and wait for its reply. Fails with ErrorKind::protocol when the server
  /// answers ok=false (the message is the server's), ErrorKind::io when the server is gone.
  common::Result<common::protocol::Json>
  call(std::string_view command, common::protocol::Json args = common::protocol::Json::array());

  /// Block until the next event, or until `timeout_ms` passes (nullopt), or until the server
  /// closes the event pipe (error). `timeout_ms` < 0 waits forever.
  common::Result<std::optional<common::protocol::Json>> next_event(int timeout_ms);

  /// The server's pid, from its hello reply.
  int server_pid() const { return m_server_pid; }

private:
  Connection() = default;
  /// Connect, hand over the pipes and say hello; the server's build id goes to `server_build`.
  static common::Result<Connection> connect(const common::BuildDirPaths& paths, StartServer start,
                                            std::optional<double> idle_timeout,
                                            const MakeJobserver* jobserver,
                                            std::string& server_build);
  /// Hand over the pipes on `socket`, then send hello; the reply, or why there is none.
  common::Result<common::protocol::Json> say_hello(int socket, const MakeJobserver* jobserver);
  common::Result<void> hand_over_pipes(int socket, const MakeJobserver* jobserver);
  common::Result<std::string> read_line(int fd, common::LineDecoder& decoder,
                                        std::deque<std::string>& pending, int timeout_ms);

  common::UniqueFd m_events;   ///< read end
  common::UniqueFd m_commands; ///< write end
  common::UniqueFd m_replies;  ///< read end
  common::LineDecoder m_event_decoder;
  common::LineDecoder m_reply_decoder;
  std::deque<std::string> m_pending_events;
  std::deque<std::string> m_pending_replies;
  int m_server_pid = 0;
};

} // namespace bbrun::client
