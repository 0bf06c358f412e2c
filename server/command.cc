// SPDX-License-Identifier: MIT
// Command table and dispatch.
#include "server/command.h"

#include "server/cooker.h"

#include <array>
#include <utility>

namespace bbrun::server {

namespace command = common::protocol::command;

namespace {

const std::array k_commands{
    CommandSpec{command::hello, &Cooker::cmd_hello},
    CommandSpec{command::status, &Cooker::cmd_status},
    CommandSpec{command::build, &Cooker::cmd_build},
    CommandSpec{command::cancel, &Cooker::cmd_cancel},
    CommandSpec{command::shutdown, &Cooker::cmd_shutdown},
    CommandSpec{command::parse, &Cooker::cmd_parse},
    CommandSpec{command::environment, &Cooker::cmd_environment},
    CommandSpec{command::getvar, &Cooker::cmd_getvar},
    CommandSpec{command::graph, &Cooker::cmd_graph},
    CommandSpec{command::explain, &Cooker::cmd_explain},
};

} // namespace

const CommandSpec* find_command(std::string_view name) {
  for (const auto& spec : k_commands) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

void Cooker::execute(UiSession& session, const common::protocol::Command& command) {
  const CommandSpec* spec = find_command(command.name);
  if (spec == nullptr) {
    session.reply(common::protocol::error_reply("unknown command '" + command.name + "'"));
    return;
  }
  // The parse cache read ahead at start-up saw the files as they were when the client that
  // started this server gave its command: it serves that command only.
  if (command.name != command::hello &&
      session.client_pid() != std::exchange(m_preload_client, 0)) {
    m_metadata.drop_preloaded();
  }
  // Handlers read arguments with nlohmann's typed accessors, which throw on a wrong type: a
  // malformed request must get an error reply, never unwind through the event loop.
  try {
    session.reply((this->*spec->handler)(session, command.args));
  } catch (const common::protocol::Json::exception& e) {
    session.reply(common::protocol::error_reply(command.name + ": bad arguments: " + e.what()));
  }
}

} // namespace bbrun::server
