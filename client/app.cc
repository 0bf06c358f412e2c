// SPDX-License-Identifier: MIT
// The client's commands.
#include "client/app.h"

#include "client/connection.h"
#include "client/server_launcher.h"
#include "client/token_escrow_owner.h"
#include "client/ui/renderer.h"
#include "common/paths.h"
#include "common/unique_fd.h"

#include <fmt/core.h>

#include <csignal>
#include <cstdlib>
#include <unistd.h>

namespace bbrun::client {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

volatile std::sig_atomic_t g_interrupts = 0;

void on_interrupt(int) {
  g_interrupts = g_interrupts + 1;
}

// Without SA_RESTART, so that a blocked poll returns and the loop sees the interrupt.
void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

void error(const std::string& message) {
  fmt::print(stderr, "ERROR: {}\n", message);
}

ui::RendererOptions renderer_options(const Options& options) {
  return {options.verbosity, ui::RerunCommand{options.builddir}};
}

// Fancy on a terminal that can take it, unless the user chose; fancy when asked for even on a
// file or pipe, where it draws as if on an 80-column terminal.
std::unique_ptr<ui::Renderer> make_renderer(const Options& options) {
  switch (options.ui) {
  case UiMode::json:
    return ui::make_json_renderer(stdout, stderr);
  case UiMode::plain:
    return ui::make_plain_renderer(stdout, renderer_options(options));
  case UiMode::automatic:
    if (!ui::is_capable_terminal(stdout)) {
      return ui::make_plain_renderer(stdout, renderer_options(options));
    }
    break;
  case UiMode::fancy:
    break;
  }
  ui::watch_resizes();
  return ui::make_fancy_renderer(stdout, renderer_options(options), ui::terminal_display(stdout));
}

int show_status(const common::BuildDirPaths& paths) {
  auto connection = Connection::open(paths, StartServer::never, std::nullopt);
  if (!connection) {
    fmt::print("No server is running for {}\n", paths.builddir.string());
    return k_exit_no_server;
  }
  auto status = connection->call(protocol::command::status);
  if (!status) {
    error(status.error().message);
    return k_exit_no_server;
  }
  double timeout = status->value("idle_timeout", 0.0);
  size_t queued = status->value("queued", size_t{0});
  fmt::print("Server pid {} for {}\n  uptime {:.1f}s, idle timeout {}, {} builds served{}{}\n"
             "  {} recipes cached, {:.1f} MiB resident\n",
             status->value("pid", 0), paths.builddir.string(), status->value("uptime", 0.0),
             timeout < 0 ? std::string("never") : fmt::format("{}s", timeout),
             status->value("builds_served", 0),
             status->value("building", false) ? ", building now" : "",
             queued == 0 ? std::string()
                         : fmt::format(", {} build{} waiting", queued, queued == 1 ? "" : "s"),
             status->value("recipes_cached", 0),
             static_cast<double>(status->value("memory", size_t{0})) / (1024.0 * 1024.0));
  return k_exit_ok;
}

int kill_server(const common::BuildDirPaths& paths) {
  auto connection = Connection::open(paths, StartServer::never, std::nullopt);
  if (!connection) {
    fmt::print("No server is running for {}\n", paths.builddir.string());
    return k_exit_ok;
  }
  if (auto reply = connection->call(protocol::command::shutdown); !reply) {
    error(reply.error().message);
    return k_exit_failed;
  }
  // The server closes our pipes as it exits; gone only once its lock is free, so that a
  // command right after finds the build directory to itself.
  while (connection->next_event(-1)) {
  }
  if (!wait_for_server_exit(paths, connection->server_pid())) {
    error(fmt::format("the server (pid {}) still holds {}", connection->server_pid(),
                      paths.lock().string()));
    return k_exit_failed;
  }
  return k_exit_ok;
}

// `make`: the enclosing make, for a build; null for other commands. `escrow`: where the server
// keeps the tokens it takes from make (common/token_escrow.h); empty for none.
Json build_arguments(const Options& options, const MakeContext* make = nullptr,
                     const std::filesystem::path& escrow = {}) {
  Json request{{"targets", options.targets},
               {"force", options.force},
               {"continue", options.keep_going},
               {"dry_run", options.dry_run},
               {"no_wait", options.no_wait}};
  if (!options.task.empty()) {
    request["task"] = options.task;
  }
  if (options.jobs > 0) {
    request["jobs"] = options.jobs;
  }
  if (make != nullptr && make->one_job) {
    request["jobs"] = 1;
  }
  if (make != nullptr && make->jobserver) {
    // The server learns make's fds from the handshake; what it cannot see there comes here.
    Json jobserver = Json::object();
    if (make->jobserver->jobs) {
      jobserver["jobs"] = *make->jobserver->jobs;
    }
    if (!make->jobserver->fifo.empty()) {
      jobserver["fifo"] = make->jobserver->fifo;
    }
    if (!escrow.empty()) {
      jobserver["escrow"] = escrow.string();
    }
    request["make_jobserver"] = jobserver;
  }
  return Json::array({request});
}

// Ask the server to stop on the first Ctrl-C (running tasks finish) and to kill on the second.
void forward_interrupts(Connection& connection, ui::Renderer& renderer, int& forwarded) {
  int seen = g_interrupts;
  if (seen == forwarded) {
    return;
  }
  forwarded = seen;
  bool terminate = seen >= 2;
  renderer.interrupted(seen);
  (void)connection.call(protocol::command::cancel,
                        Json::array({terminate ? "terminate" : "graceful"}));
}

int build(const Options& options, const common::BuildDirPaths& paths) {
  auto make = join_make_jobserver(std::getenv("MAKEFLAGS"));
  if (!make.warning.empty()) {
    fmt::print(stderr, "WARNING: {}\n", make.warning);
  }
  auto connection = Connection::open(paths, StartServer::if_needed, options.server_timeout,
                                     make.jobserver ? &*make.jobserver : nullptr);
  if (!connection) {
    error(connection.error().message);
    return k_exit_no_server;
  }
  // Whatever the server still holds in escrow when this returns goes back to make: nothing
  // after a BuildCompleted, everything it held if it was killed.
  std::optional<TokenEscrowOwner> escrow;
  if (make.jobserver) {
    escrow.emplace(paths.builddir, make.jobserver->write_fd);
    if (!escrow->warning().empty()) {
      fmt::print(stderr, "WARNING: {}\n", escrow->warning());
    }
  }
  auto accepted = connection->call(protocol::command::build,
                                   build_arguments(options, &make, escrow ? escrow->path() : ""));
  if (!accepted) {
    error(accepted.error().message);
    return options.no_wait ? k_exit_no_server : k_exit_failed;
  }
  auto renderer = make_renderer(options);
  int forwarded = 0;
  while (true) {
    renderer->tick();
    auto event = connection->next_event(renderer->tick_interval_ms());
    forward_interrupts(*connection, *renderer, forwarded);
    if (!event) {
      renderer.reset(); // erase the footer first, or it would erase the message
      error("lost the server: " + event.error().message);
      return k_exit_failed;
    }
    if (!*event) {
      continue;
    }
    renderer->render(**event);
    if ((*event)->value("type", "") == protocol::event::build_completed) {
      bool success = (*event)->value("success", false) && g_interrupts == 0;
      return success ? k_exit_ok : k_exit_failed;
    }
  }
}

// A command whose results come as events: Output text goes to stdout untouched; everything
// else is rendered (to stderr when the command prints data, so stdout stays exactly that).
int run_output_command(const Options& options, const common::BuildDirPaths& paths,
                       std::string_view command, Json args, std::FILE* out = stdout) {
  auto connection = Connection::open(paths, StartServer::if_needed, options.server_timeout);
  if (!connection) {
    error(connection.error().message);
    return k_exit_no_server;
  }
  bool prints_data = options.action != Action::parse;
  auto renderer = prints_data ? ui::make_plain_renderer(stderr, {.verbosity = -1, .rerun = {}})
                              : make_renderer(options);
  auto accepted = connection->call(command, std::move(args));
  if (!accepted) {
    error(accepted.error().message);
    return k_exit_failed;
  }
  while (true) {
    renderer->tick();
    auto event = connection->next_event(renderer->tick_interval_ms());
    if (!event) {
      renderer.reset(); // erase the footer first, or it would erase the message
      error("lost the server: " + event.error().message);
      return k_exit_failed;
    }
    if (!*event) {
      continue;
    }
    const Json& message = **event;
    std::string type = message.value("type", "");
    if (type == protocol::event::output) {
      std::string text = message.value("text", "");
      std::fwrite(text.data(), 1, text.size(), out);
    } else if (type == protocol::event::command_completed) {
      std::fflush(out);
      return message.value("success", false) ? k_exit_ok : k_exit_failed;
    } else {
      renderer->render(message);
    }
  }
}

int start_server_only(const Options& options, const common::BuildDirPaths& paths) {
  auto connection = Connection::open(paths, StartServer::if_needed, options.server_timeout);
  if (!connection) {
    error(connection.error().message);
    return k_exit_no_server;
  }
  return k_exit_ok;
}

// BitBake writes task-depends.dot into the current directory; so do we.
int write_graph(const Options& options, const common::BuildDirPaths& paths) {
  const char* k_dot_file = "task-depends.dot";
  std::FILE* dot = std::fopen(k_dot_file, "w");
  if (dot == nullptr) {
    error(common::errno_message(fmt::format("cannot write {}", k_dot_file)));
    return k_exit_failed;
  }
  int status =
      run_output_command(options, paths, protocol::command::graph, build_arguments(options), dot);
  std::fclose(dot);
  if (status == k_exit_ok && options.verbosity >= 0) {
    fmt::print("NOTE: Task dependencies saved to {}\n", k_dot_file);
  }
  return status;
}

Json optional_string(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}

} // namespace

int run(const Options& options) {
  install_interrupt_handler();
  auto paths = common::resolve_builddir(options.builddir);
  if (!paths) {
    error(paths.error().describe());
    return k_exit_usage;
  }
  switch (options.action) {
  case Action::status:
    return show_status(*paths);
  case Action::kill_server:
    return kill_server(*paths);
  case Action::server_only:
    return start_server_only(options, *paths);
  case Action::parse:
    return run_output_command(options, *paths, protocol::command::parse, Json::array());
  case Action::environment:
    return run_output_command(options, *paths, protocol::command::environment,
                              Json::array({optional_string(options.environment_target)}));
  case Action::getvar:
    return run_output_command(options, *paths, protocol::command::getvar,
                              Json::array({options.getvar, optional_string(options.recipe),
                                           optional_string(options.flag)}));
  case Action::graph:
    return write_graph(options, *paths);
  case Action::explain:
    return run_output_command(options, *paths, protocol::command::explain,
                              build_arguments(options));
  case Action::build:
    break;
  }
  return build(options, *paths);
}

} // namespace bbrun::client
