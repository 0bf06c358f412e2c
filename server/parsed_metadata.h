// SPDX-License-Identifier: MIT
// Parsing everything a command needs: the configuration and every recipe, with progress events.
#pragma once

#include "common/result.h"
#include "server/event_sink.h"
#include "server/metadata/configuration.h"
#include "server/metadata/recipe.h"

#include <string>
#include <vector>

namespace bbrun::server {

struct ParsedMetadata {
  metadata::Configuration config;
  std::vector<metadata::Recipe> recipes; ///< the recipes that parsed, in file order
  std::vector<std::string> errors;       ///< "file:line: message" of every failure
};

/// Load the configuration and parse every recipe, announcing ParseStarted, ParseProgress (at
/// most ten a second) and ParseCompleted on `events`. Recipes are parsed on several threads
/// when there are enough of them; the call returns only once every thread has finished, so
/// no thread is left running when the caller later forks a task. Fails only when the
/// configuration itself cannot be loaded; recipe errors are collected in `errors`.
common::Result<ParsedMetadata> parse_metadata(const metadata::LoadOptions& options,
                                              EventSink& events);

/// Send one LogMessage event of `level` ("note", "warning", "error", ...).
void send_log_message(EventSink& events, std::string_view level, std::string_view message);

} // namespace bbrun::server
