// SPDX-License-Identifier: MIT
// bbrun's command line (SPEC.md, "Command line").
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bbrun::client {

enum class UiMode { automatic, plain, fancy, json };

/// What the client was asked to do; exactly one per run.
enum class Action {
  build,
  status,
  server_only,
  kill_server,
  parse,
  environment,
  getvar,
  graph,
  explain,
};

struct Options {
  Action action = Action::build;
  std::vector<std::string> targets;
  std::string task; ///< -c
  bool force = false;
  bool keep_going = false;
  bool dry_run = false;
  unsigned jobs = 0;
  std::optional<std::string> builddir;
  bool no_wait = false;
  std::optional<std::string> environment_target; ///< -e TARGET
  std::string getvar;                            ///< --getvar VAR
  std::optional<std::string> recipe;             ///< -r RECIPE
  std::optional<std::string> flag;               ///< --flag FLAG
  std::string signature_handler;                 ///< -S printdiff (the only handler)
  std::optional<double> server_timeout;
  UiMode ui = UiMode::automatic;
  int verbosity = 0; ///< -1 quiet, 0 normal, 1 verbose, 2 debug
};

/// The result of parsing: options to act on, or an exit status to leave with (after --help,
/// --version, or a usage error, which CLI11 has already printed).
struct ParsedOptions {
  Options options;
  std::optional<int> exit_now;
};

ParsedOptions parse_options(int argc, char** argv);

} // namespace bbrun::client
