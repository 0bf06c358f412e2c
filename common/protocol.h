// SPDX-License-Identifier: MIT
// The client <-> server protocol: commands, replies and events as JSON objects (SPEC.md).
//
// After the fd handshake a client talks over three pipes, one NDJSON line per message
// (common/framing.h):
//   command pipe  client -> server  {"command": NAME, "args": [...]}
//   reply pipe    server -> client  {"ok": true, ...} or {"ok": false, "error": "..."}
//   event pipe    server -> client  {"type": TYPE, "time": MONOTONIC_SECONDS, ...}
// Every command gets exactly one reply, in order. A build command is answered as soon as the
// build is accepted; its progress and end arrive as events, the last one BuildCompleted.
// Commands that print (environment, getvar) or report progress (parse) send their output as
// events (Output, Parse*), then CommandCompleted, then an ok reply; a failure before any
// output is an error reply alone. Output is chunked, so no text is limited by the line cap.
// The first command of a session is `hello`, which exchanges the protocol version and the
// build id of both binaries, so that either side can refuse a peer it does not understand.
#pragma once

#include "common/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace bbrun::common::protocol {

using Json = nlohmann::json;

/// Bumped on any incompatible change to commands, replies or events.
inline constexpr int k_version = 1;

namespace command {
inline constexpr std::string_view hello = "hello";
inline constexpr std::string_view status = "status";
inline constexpr std::string_view build = "build";
inline constexpr std::string_view shutdown = "shutdown";
inline constexpr std::string_view cancel = "cancel";
inline constexpr std::string_view parse = "parse";
inline constexpr std::string_view environment = "environment";
inline constexpr std::string_view getvar = "getvar";
inline constexpr std::string_view graph = "graph";
inline constexpr std::string_view explain = "explain";
} // namespace command

namespace event {
inline constexpr std::string_view parse_started = "ParseStarted";
inline constexpr std::string_view parse_progress = "ParseProgress";
inline constexpr std::string_view parse_completed = "ParseCompleted";
inline constexpr std::string_view runqueue_state_changed = "RunQueueStateChanged";
inline constexpr std::string_view task_started = "TaskStarted";
inline constexpr std::string_view task_progress = "TaskProgress";
inline constexpr std::string_view task_completed = "TaskCompleted";
inline constexpr std::string_view task_failed = "TaskFailed";
inline constexpr std::string_view task_skipped = "TaskSkipped";
inline constexpr std::string_view log_message = "LogMessage";
inline constexpr std::string_view build_completed = "BuildCompleted";
/// Text a command prints (-e, --getvar), in chunks well under the line cap.
inline constexpr std::string_view output = "Output";
/// The end of a command whose results came as events (parse, environment, getvar).
inline constexpr std::string_view command_completed = "CommandCompleted";
} // namespace event

struct Command {
  std::string name;
  Json args = Json::array(); ///< always an array
};

/// Parse one command line. Fails with ErrorKind::protocol, saying what is wrong, when the line
/// is not JSON, not an object, has no string "command", or has "args" that is not an array.
Result<Command> parse_command(std::string_view line);

/// Parse one reply or event line into an object. Fails with ErrorKind::protocol otherwise.
Result<Json> parse_object(std::string_view line);

/// Read the field `key` of the object `message` as a T (bool, std::string or an integer
/// type), or return `fallback` when it is absent or null. Fails with ErrorKind::protocol when
/// it has another JSON type or, for an integer, a fraction or a value outside T's range:
/// nlohmann's own accessors would convert 2.5, -1 or 1e300 to some integer instead (the last
/// one undefined behaviour).
template <typename T>
Result<T> field(const Json& message, std::string_view key, T fallback);

Json make_command(std::string_view name, Json args = Json::array());
Json ok_reply(Json fields = Json::object());
Json error_reply(std::string_view message);

/// An event of `type` stamped with the current monotonic time, plus `fields`.
Json make_event(std::string_view type, Json fields = Json::object());

/// CLOCK_MONOTONIC in seconds: comparable between the client and the server.
double monotonic_seconds();

template <typename T>
Result<T> field(const Json& message, std::string_view key, T fallback) {
  auto it = message.find(key);
  if (it == message.end() || it->is_null()) {
    return fallback;
  }
  auto wrong = [&](std::string_view expected) {
    return fail(ErrorKind::protocol,
                "\"" + std::string(key) + "\" must be " + std::string(expected));
  };
  if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? Result<T>(it->template get<bool>()) : wrong("true or false");
  } else if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? Result<T>(it->template get<std::string>()) : wrong("a string");
  } else {
    static_assert(std::is_integral_v<T>);
    if (it->is_number_unsigned() && std::in_range<T>(it->template get<std::uint64_t>())) {
      return static_cast<T>(it->template get<std::uint64_t>());
    }
    if (it->is_number_integer() && !it->is_number_unsigned() &&
        std::in_range<T>(it->template get<std::int64_t>())) {
      return static_cast<T>(it->template get<std::int64_t>());
    }
    return wrong("an integer in range");
  }
}

} // namespace bbrun::common::protocol
