// SPDX-License-Identifier: MIT
// What the cooker and the task launcher send each other (launcher.h): each a frame, a 4-byte
// little-endian length and a payload. Requests to the launcher are JSON objects; reports from it
// are binary records, read by the cooker once or twice for every task.
#pragma once

#include "server/exec/executor.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace bbrun::server::exec {

/// A frame over this is a broken stream.
inline constexpr size_t k_max_frame = size_t{256} << 20;

/// Splits a byte stream into frame payloads.
class FrameSplitter {
public:
  /// Append `data` and return the payloads it completes, in order, valid until the next call;
  /// false when a frame is over k_max_frame.
  bool feed(std::string_view data, std::vector<std::string_view>& payloads);

private:
  std::string m_buffer;
  size_t m_consumed = 0; ///< bytes of m_buffer handed out by the previous call
};

/// A request: length prefix and JSON text.
std::string encode_frame_text(std::string_view json_text);
std::string encode_frame(const nlohmann::json& message);

/// Splits a byte stream into requests. A frame over the limit, or one that is not a JSON
/// object, is a broken stream: `feed` then returns false and the peer should be dropped.
class FrameDecoder {
public:
  bool feed(std::string_view data, std::vector<nlohmann::json>& out);

private:
  FrameSplitter m_frames;
};

/// A report about task `id`.
struct LauncherReport {
  enum class Kind : char {
    started = 'S',  ///< it runs, in process group `pid`
    messages = 'M', ///< `data` is what it wrote to its message channel
    ended = 'E',    ///< process `pid` ended with `status`
    failed = 'F',   ///< it could not be started: `data` says why
  };
  Kind kind = Kind::failed;
  uint32_t id = 0;
  pid_t pid = 0;
  ExitStatus status;
  std::string data;

  bool operator==(const LauncherReport&) const = default;
};

std::string encode_report(const LauncherReport& report);

/// Splits a byte stream into reports; false on a frame too short or of an unknown kind.
class ReportDecoder {
public:
  bool feed(std::string_view data, std::vector<LauncherReport>& out);

private:
  FrameSplitter m_frames;
};

} // namespace bbrun::server::exec
