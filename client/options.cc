// SPDX-License-Identifier: MIT
// Command-line parsing with CLI11.
#include "client/options.h"

#include <CLI/CLI.hpp>

#include <map>

#include "bbrun_config.h"

namespace bbrun::client {

namespace {

constexpr int k_usage_error = 2;

void add_build_options(CLI::App& app, Options& options) {
  app.add_option("targets", options.targets, "recipes to build (RECIPE or RECIPE:do_task)");
  app.add_option("-c,--cmd", options.task,
                 "run TASK of each target (default: BB_DEFAULT_TASK, else do_build)");
  app.add_flag("-f,--force", options.force, "run the named task even if its stamp is valid");
  app.add_flag("-k,--continue", options.keep_going,
               "keep building what does not depend on a failure");
  app.add_option("-j,--jobs", options.jobs, "at most N tasks at once")->check(CLI::PositiveNumber);
}

void add_server_options(CLI::App& app, Options& options) {
  app.add_option("--builddir", options.builddir,
                 "the build directory (default: $BBRUN_BUILDDIR, else the current directory)");
  app.add_flag("--status", options.status, "say whether a server runs for this build directory");
  app.add_flag("--server-only", options.server_only, "start the server and return");
  app.add_option("-T,--server-timeout", options.server_timeout,
                 "idle timeout in seconds of a server this client starts (-1: never)");
  app.add_flag("-m,--kill-server", options.kill_server,
               "ask the server to finish running tasks and exit");
  app.add_flag("--no-wait", options.no_wait,
               "fail at once (exit 3) instead of waiting while another build runs");
}

void add_ui_options(CLI::App& app, Options& options) {
  std::map<std::string, UiMode> modes{
      {"plain", UiMode::plain}, {"fancy", UiMode::fancy}, {"json", UiMode::json}};
  app.add_option("--ui", options.ui, "event rendering: plain, fancy or json")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
  app.add_flag_function(
      "-q,--quiet", [&options](int64_t) { options.verbosity = -1; }, "show only errors");
  app.add_flag_function(
      "-v,--verbose", [&options](int64_t) { options.verbosity = std::max(options.verbosity, 1); },
      "show more");
  app.add_flag_function(
      "-D,--debug", [&options](int64_t) { options.verbosity = 2; }, "show debug messages");
  app.set_version_flag("--version", std::string("bbrun ") + BBRUN_VERSION);
}

} // namespace

ParsedOptions parse_options(int argc, char** argv) {
  ParsedOptions parsed;
  CLI::App app{"bbrun: build BitBake-syntax recipes through a long-lived cooker server", "bbrun"};
  add_build_options(app, parsed.options);
  add_server_options(app, parsed.options);
  add_ui_options(app, parsed.options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    parsed.exit_now = status == 0 ? 0 : k_usage_error;
    return parsed;
  }
  const auto& options = parsed.options;
  if (options.targets.empty() && !options.status && !options.server_only && !options.kill_server) {
    std::fprintf(stderr, "bbrun: nothing to do: name a TARGET (see --help)\n");
    parsed.exit_now = k_usage_error;
  }
  return parsed;
}

} // namespace bbrun::client
