// SPDX-License-Identifier: MIT
// bbrun-server: the cooker of one build directory. Usually started by `bbrun`.
#include "common/log.h"
#include "common/paths.h"
#include "server/daemon.h"
#include "server/install_paths.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  using namespace bbrun;
  CLI::App app{"bbrun-server: the long-lived cooker of one build directory"};
  std::string builddir;
  double timeout = 60;
  int ready_fd = -1;
  bool debug = false;
  app.add_option("--builddir", builddir, "the build directory to serve")->required();
  app.add_option("--timeout", timeout, "idle seconds before exiting (negative: never)");
  app.add_option("--ready-fd", ready_fd, "fd to write one byte to once listening");
  app.add_flag("-D,--debug", debug, "log debug messages");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (debug) {
    common::log::set_level(common::log::Level::debug);
  }
  // A client that vanishes must be an error on a write, never a signal that kills the server.
  std::signal(SIGPIPE, SIG_IGN);
  auto paths = common::resolve_builddir(builddir);
  if (!paths) {
    common::log::error("{}", paths.error().describe());
    return 2;
  }
  boost::asio::io_context io;
  server::Daemon daemon(io, {*paths, server::default_metadata_dir(), timeout, ready_fd});
  if (auto started = daemon.start(); !started) {
    common::log::error("cannot start: {}", started.error().message);
    return started.error().kind == common::ErrorKind::transient ? 3 : 1;
  }
  io.run();
  common::log::info("exiting");
  return 0;
}
