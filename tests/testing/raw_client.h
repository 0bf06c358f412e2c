// SPDX-License-Identifier: MIT
// A protocol client done by hand: the handshake over a real socket, then lines in and out.
#pragma once

#include "common/framing.h"
#include "common/protocol.h"
#include "common/unique_fd.h"

#include <chrono>
#include <filesystem>
#include <string>

namespace bbrun::testing {

/// Connects to the server at `socket`, passes three fresh pipes, and keeps the client's ends.
/// Failures are reported as test failures.
class RawClient {
public:
  explicit RawClient(const std::filesystem::path& socket);

  /// Write `line` (which should end with '\n') to the command pipe.
  void send(const std::string& line);
  /// The next reply; null (and a test failure) when none comes within `limit` or the pipe
  /// closes.
  common::protocol::Json reply(std::chrono::milliseconds limit = std::chrono::seconds(10));
  /// Whether the server closed the reply pipe within `limit` (read and dropped all before).
  bool replies_closed(std::chrono::milliseconds limit = std::chrono::seconds(10));

  int events_fd() const { return m_events.get(); }

private:
  common::UniqueFd m_events, m_commands, m_replies;
  common::LineDecoder m_decoder;
  std::vector<common::Line> m_pending;
};

} // namespace bbrun::testing
