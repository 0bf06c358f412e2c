// SPDX-License-Identifier: MIT
// The server process: lock, socket, accepting UIs, signals, idle timeout.
#pragma once

#include "common/paths.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "server/cooker.h"
#include "server/ui_session.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>

namespace bbrun::server {

struct DaemonOptions {
  common::BuildDirPaths paths;
  std::filesystem::path metadata_dir;
  double idle_timeout = 0; ///< seconds without clients before exiting; negative: never
  int ready_fd = -1;       ///< written one byte once the socket listens, then closed
};

/// One server for one build directory. Holding `bbrun.lock` (flock, with our pid in it) is
/// what makes a server live: a second server, or a stale socket of a dead one, is decided by
/// trying the lock, never by kill(pid, 0), which a dead but unreaped server still answers.
class Daemon final : public SessionHost {
public:
  Daemon(boost::asio::io_context& io, DaemonOptions options);
  ~Daemon() override;

  /// Take the lock, replace any stale socket, listen, and signal readiness. Fails with
  /// ErrorKind::transient when another live server holds the lock.
  common::Result<void> start();

  void on_command(UiSession& session, common::protocol::Command command) override;
  void on_session_closed(UiSession& session) override;

  /// Stop accepting, let the running build's tasks finish, then stop the event loop.
  void shut_down();

private:
  common::Result<void> take_lock();
  void accept_next();
  void receive_handshake(std::shared_ptr<boost::asio::local::stream_protocol::socket> socket);
  void arm_idle_timer();

  boost::asio::io_context& m_io;
  DaemonOptions m_options;
  common::UniqueFd m_lock;
  boost::asio::local::stream_protocol::acceptor m_acceptor;
  boost::asio::signal_set m_signals;
  boost::asio::steady_timer m_idle_timer;
  Cooker m_cooker;
  std::map<unsigned, std::unique_ptr<UiSession>> m_sessions;
  unsigned m_next_session = 1;
  bool m_shutting_down = false;
};

} // namespace bbrun::server
