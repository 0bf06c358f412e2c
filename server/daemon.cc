// SPDX-License-Identifier: MIT
// The server process.
#include "server/daemon.h"

#include "common/fd_passing.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/unix_socket.h"
#include "server/exec/launcher_executor.h"
#include "server/exec/python_task_executor.h"
#include "server/handshake.h"
#include "server/log_rotation.h"

#include <boost/asio/post.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <sys/file.h>
#include <unistd.h>

namespace bbrun::server {

using boost::asio::local::stream_protocol;
using common::ErrorKind;
using common::fail;

namespace {

constexpr auto k_handshake_timeout = std::chrono::seconds(10);

} // namespace

Daemon::Daemon(boost::asio::io_context& io, DaemonOptions options)
    : m_io(io), m_options(std::move(options)), m_acceptor(io),
      m_signals(io, SIGTERM, SIGINT, SIGHUP), m_idle_timer(io),
      m_cooker(io,
               ServerInfo{m_options.paths.builddir, m_options.metadata_dir,
                          common::protocol::monotonic_seconds(), m_options.idle_timeout},
               [this] { shut_down(); }) {}

Daemon::~Daemon() {
  if (m_lock) {
    // Only the lock holder may remove the socket; the lock file itself stays, so that nobody
    // can lock an unlinked inode while a new server locks a new file.
    ::unlink(m_options.paths.socket().c_str());
    (void)::ftruncate(m_lock.get(), 0);
  }
}

common::Result<void> Daemon::take_lock() {
  const auto path = m_options.paths.lock();
  m_lock.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!m_lock) {
    return fail(ErrorKind::io, common::errno_message("open " + path.string()));
  }
  if (::flock(m_lock.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    m_lock.reset();
    if (err == EWOULDBLOCK) {
      return fail(ErrorKind::transient, "another server holds " + path.string());
    }
    return fail(ErrorKind::io, common::errno_message("flock " + path.string(), err));
  }
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(m_lock.get(), 0) != 0 || ::pwrite(m_lock.get(), pid.data(), pid.size(), 0) < 0) {
    return fail(ErrorKind::io, common::errno_message("write " + path.string()));
  }
  return {};
}

common::Result<void> Daemon::start() {
  if (auto locked = take_lock(); !locked) {
    return locked;
  }
  // Now, while this process is small and has no other thread: see exec/launcher.h.
  auto launcher = exec::start_launcher();
  if (!launcher) {
    return fail(launcher.error());
  }
  m_cooker.set_executor(std::make_unique<exec::PythonTaskExecutor>(
      m_io, std::make_unique<exec::LauncherExecutor>(m_io, std::move(*launcher))));
  // The client starting this server almost always asks for a parse: the saved one is read
  // while it connects and the configuration is parsed.
  m_cooker.preload_metadata();
  // We hold the lock, so whatever socket file exists belongs to a dead server.
  ::unlink(m_options.paths.socket().c_str());
  auto listener = common::listen_unix(m_options.paths.socket());
  if (!listener) {
    return fail(listener.error());
  }
  m_acceptor.assign(stream_protocol(), listener->release());
  m_signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      common::log::info("received signal {}: shutting down", sig);
      shut_down();
    }
  });
  accept_next();
  arm_idle_timer();
  if (m_options.ready_fd >= 0) {
    (void)common::write_all(m_options.ready_fd, "1");
    ::close(m_options.ready_fd);
    m_options.ready_fd = -1;
  }
  common::log::info("listening on {} (idle timeout {}s)", m_options.paths.socket().string(),
                    m_options.idle_timeout);
  return {};
}

void Daemon::accept_next() {
  m_acceptor.async_accept([this](const boost::system::error_code& ec, stream_protocol::socket s) {
    if (ec == boost::asio::error::operation_aborted || m_shutting_down) {
      return;
    }
    if (!ec) {
      rotate_log_if_large(m_options.paths.log());
      receive_handshake(std::make_shared<stream_protocol::socket>(std::move(s)));
    } else {
      common::log::warning("accept: {}", ec.message());
    }
    accept_next();
  });
}

void Daemon::receive_handshake(std::shared_ptr<stream_protocol::socket> socket) {
  if (auto peer = check_peer_uid(socket->native_handle()); !peer) {
    common::log::warning("handshake refused: {}", peer.error().message);
    return;
  }
  // A client that connects and sends nothing must not hold the socket forever.
  auto timer = std::make_shared<boost::asio::steady_timer>(m_io, k_handshake_timeout);
  timer->async_wait([socket](const boost::system::error_code& ec) {
    if (!ec) {
      boost::system::error_code ignored;
      socket->close(ignored);
    }
  });
  socket->async_wait(stream_protocol::socket::wait_read,
                     [this, socket, timer](const boost::system::error_code& ec) {
                       timer->cancel();
                       if (ec) {
                         common::log::warning("handshake refused: {}", ec.message());
                         return;
                       }
                       auto received = common::receive_fds(socket->native_handle());
                       if (!received) {
                         common::log::warning("handshake refused: {}", received.error().message);
                         return;
                       }
                       auto channels = channels_from_handshake(std::move(*received));
                       if (!channels) {
                         common::log::warning("handshake refused: {}", channels.error().message);
                         return;
                       }
                       unsigned id = m_next_session++;
                       auto session =
                           std::make_unique<UiSession>(m_io, std::move(*channels), id, *this);
                       common::log::info("session {}: connected", id);
                       session->start();
                       m_sessions.emplace(id, std::move(session));
                       m_idle_timer.cancel();
                     });
}

void Daemon::on_command(UiSession& session, common::protocol::Command command) {
  m_cooker.execute(session, command);
}

void Daemon::on_session_closed(UiSession& session) {
  m_cooker.session_closed(session);
  unsigned id = session.id();
  boost::asio::post(m_io, [this, id] {
    m_sessions.erase(id);
    arm_idle_timer();
  });
}

void Daemon::arm_idle_timer() {
  if (m_options.idle_timeout < 0 || !m_sessions.empty() || m_cooker.busy() || m_shutting_down) {
    return;
  }
  m_idle_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(m_options.idle_timeout)));
  m_idle_timer.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && m_sessions.empty() && !m_cooker.busy()) {
      common::log::info("idle for {}s: shutting down", m_options.idle_timeout);
      shut_down();
    }
  });
}

void Daemon::shut_down() {
  if (m_shutting_down) {
    return;
  }
  m_shutting_down = true;
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
  m_idle_timer.cancel();
  m_signals.cancel();
  // Removing the socket now makes new clients start a new server instead of waiting on us.
  ::unlink(m_options.paths.socket().c_str());
  // Stopped from the queue, behind the writes still queued for clients (LineWriter): the reply
  // to `-m` and what queued builds are told go out first.
  m_cooker.wind_down([this] { boost::asio::post(m_io, [this] { m_io.stop(); }); });
}

} // namespace bbrun::server
