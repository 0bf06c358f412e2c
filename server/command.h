// SPDX-License-Identifier: MIT
// The command table: each protocol command and its handler.
#pragma once

#include "common/protocol.h"

#include <string_view>

namespace bbrun::server {

class Cooker;
class UiSession;

struct CommandSpec {
  std::string_view name;
  common::protocol::Json (Cooker::*handler)(UiSession&, const common::protocol::Json& args);
};

/// The command called `name`, or nullptr.
const CommandSpec* find_command(std::string_view name);

} // namespace bbrun::server
