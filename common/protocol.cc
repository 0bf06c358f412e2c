// SPDX-License-Identifier: MIT
// Protocol messages <-> JSON.
#include "common/protocol.h"

#include <time.h>

namespace bbrun::common::protocol {

Result<Json> parse_object(std::string_view line) {
  Json message = Json::parse(line, nullptr, false);
  if (message.is_discarded()) {
    return fail(ErrorKind::protocol, "not valid JSON");
  }
  if (!message.is_object()) {
    return fail(ErrorKind::protocol, "a message must be a JSON object");
  }
  return message;
}

Result<Command> parse_command(std::string_view line) {
  auto message = parse_object(line);
  if (!message) {
    return fail(message.error());
  }
  auto name = message->find("command");
  if (name == message->end() || !name->is_string()) {
    return fail(ErrorKind::protocol, "a command needs a string \"command\"");
  }
  Command command{name->get<std::string>(), Json::array()};
  if (auto args = message->find("args"); args != message->end()) {
    if (!args->is_array()) {
      return fail(ErrorKind::protocol, "\"args\" must be an array");
    }
    command.args = std::move(*args);
  }
  return command;
}

Json make_command(std::string_view name, Json args) {
  return Json{{"command", name}, {"args", std::move(args)}};
}

Json ok_reply(Json fields) {
  fields["ok"] = true;
  return fields;
}

Json error_reply(std::string_view message) {
  return Json{{"ok", false}, {"error", message}};
}

Json make_event(std::string_view type, Json fields) {
  fields["type"] = type;
  fields["time"] = monotonic_seconds();
  return fields;
}

double monotonic_seconds() {
  struct timespec now {};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

} // namespace bbrun::common::protocol
