// SPDX-License-Identifier: MIT
// Command-line parsing with CLI11.
#include "client/options.h"

#include <CLI/CLI.hpp>

#include <map>

#include "bbrun_config.h"

namespace bbrun::client {

namespace {

constexpr int k_usage_error = 2;

constexpr const char* k_help_footer = R"(Examples:
  bbrun hello                   build hello's default task (do_build)
  bbrun -c do_compile -f hello  run hello's do_compile again, even if it is up to date
  bbrun -k world --ui plain     keep going after a failure; one line per event
  bbrun --explain hello         say why each task of hello would run

Exit status: 0 all requested work succeeded; 1 a task failed, a target is unknown or the
metadata has an error; 2 usage error; 3 could not reach or start a server.)";

void add_build_options(CLI::App& app, Options& options) {
  app.option_defaults()->group("Building");
  app.add_option("targets", options.targets, "recipes to build (RECIPE or RECIPE:do_task)")
      ->type_name("TARGET");
  app.add_option("-c,--cmd", options.task,
                 "run TASK of each target (default: BB_DEFAULT_TASK, else do_build)")
      ->type_name("TASK");
  app.add_flag("-f,--force", options.force, "run the named task even if its stamp is valid");
  app.add_flag("-k,--continue", options.keep_going,
               "keep building what does not depend on a failure");
  app.add_flag("-n,--dry-run", options.dry_run, "show what would run, run nothing");
  app.add_option("-j,--jobs", options.jobs, "at most N tasks at once")
      ->check(CLI::PositiveNumber.description(""))
      ->type_name("N");
}

// The options that choose an action other than a build, each with the action it selects.
struct ActionOptions {
  std::vector<std::pair<CLI::Option*, Action>> choices;
};

void add_query_options(CLI::App& app, Options& options, ActionOptions& actions) {
  app.option_defaults()->group("Looking at the metadata (nothing is built)");
  actions.choices.emplace_back(
      app.add_flag("-p,--parse-only")->description("parse all recipes and exit"), Action::parse);
  actions.choices.emplace_back(
      app.add_option("-e,--environment", options.environment_target,
                     "print the datastore (global, or of TARGET's recipe) in BitBake -e form")
          ->expected(0, 1)
          ->type_name("[TARGET]"),
      Action::environment);
  actions.choices.emplace_back(
      app.add_option("--getvar", options.getvar,
                     "print the fully expanded value of VAR (globally or in -r RECIPE)")
          ->type_name("VAR"),
      Action::getvar);
  actions.choices.emplace_back(
      app.add_flag("-g,--graphviz")->description("write task-depends.dot for the TARGETs"),
      Action::graph);
  actions.choices.emplace_back(
      app.add_flag("--explain")
          ->description("for each task of the TARGETs that would run, say why it would"),
      Action::explain);
  actions.choices.emplace_back(app.add_option("-S,--signature-handler", options.signature_handler,
                                              "the same as --explain (BitBake's spelling)")
                                   ->check(CLI::IsMember({"printdiff"}).description(""))
                                   ->type_name("printdiff"),
                               Action::explain);
  app.add_option("-r,--recipe", options.recipe, "the recipe for --getvar")->type_name("RECIPE");
  app.add_option("--flag", options.flag, "print the flag FLAG of the --getvar variable")
      ->type_name("FLAG");
}

void add_server_options(CLI::App& app, Options& options, ActionOptions& actions) {
  app.option_defaults()->group("Build directory and server");
  app.add_option("--builddir", options.builddir,
                 "the build directory (default: $BBRUN_BUILDDIR, else the current directory)")
      ->type_name("DIR");
  actions.choices.emplace_back(
      app.add_flag("--status")->description("say whether a server runs for this build directory"),
      Action::status);
  actions.choices.emplace_back(
      app.add_flag("--server-only")->description("start the server and return"),
      Action::server_only);
  app.add_option("-T,--server-timeout", options.server_timeout,
                 "idle timeout of a server this client starts (-1: never)")
      ->type_name("SECONDS");
  actions.choices.emplace_back(app.add_flag("-m,--kill-server")
                                   ->description("ask the server to finish running tasks and exit"),
                               Action::kill_server);
  app.add_flag("--no-wait", options.no_wait,
               "fail at once (exit 3) instead of waiting while another build runs");
}

void add_ui_options(CLI::App& app, Options& options) {
  app.option_defaults()->group("Output");
  std::map<std::string, UiMode> modes{
      {"plain", UiMode::plain}, {"fancy", UiMode::fancy}, {"json", UiMode::json}};
  app.add_option("--ui", options.ui,
                 "fancy: progress and running tasks (default on a terminal)\n"
                 "plain: one line per event (default otherwise)\n"
                 "json: one event object per line")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case).description(""))
      ->type_name("MODE");
  app.add_flag_function(
      "-q,--quiet", [&options](int64_t) { options.verbosity = -1; },
      "show only warnings and errors");
  app.add_flag_function(
      "-v,--verbose", [&options](int64_t) { options.verbosity = std::max(options.verbosity, 1); },
      "show more (every task, also in fancy mode)");
  app.add_flag_function(
      "-D,--debug", [&options](int64_t) { options.verbosity = 2; }, "show debug messages too");
  app.set_version_flag("--version", std::string("bbrun ") + BBRUN_VERSION,
                       "print the version and exit");
}

} // namespace

ParsedOptions parse_options(int argc, char** argv) {
  ParsedOptions parsed;
  CLI::App app{"bbrun: build BitBake-syntax recipes through a long-lived cooker server", "bbrun"};
  app.footer(k_help_footer);
  app.get_help_ptr()->group("Output");
  ActionOptions actions;
  add_build_options(app, parsed.options);
  add_query_options(app, parsed.options, actions);
  add_server_options(app, parsed.options, actions);
  add_ui_options(app, parsed.options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    parsed.exit_now = status == 0 ? 0 : k_usage_error;
    return parsed;
  }
  auto& options = parsed.options;
  size_t chosen = 0;
  for (const auto& [option, action] : actions.choices) {
    if (option->count() > 0) {
      options.action = action;
      ++chosen;
    }
  }
  if (options.environment_target && options.environment_target->empty()) {
    options.environment_target.reset(); // a bare -e: the global datastore
  }
  if (chosen > 1) {
    std::fprintf(stderr, "bbrun: -p, -e, -g, --explain, --getvar, --status, --server-only and -m "
                         "exclude each other\n");
    parsed.exit_now = k_usage_error;
  } else if (options.action == Action::environment && !options.targets.empty()) {
    // `bbrun -e hello` as well as `bbrun -e=hello`: the target may come as a positional.
    if (options.environment_target || options.targets.size() > 1) {
      std::fprintf(stderr, "bbrun: -e takes at most one TARGET\n");
      parsed.exit_now = k_usage_error;
    }
    options.environment_target = options.targets.front();
  } else if ((options.action == Action::build || options.action == Action::graph ||
              options.action == Action::explain) &&
             options.targets.empty()) {
    std::fprintf(stderr, "bbrun: nothing to do: name a TARGET (see --help)\n");
    parsed.exit_now = k_usage_error;
  }
  return parsed;
}

} // namespace bbrun::client
