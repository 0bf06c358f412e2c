// SPDX-License-Identifier: MIT
// Client connection and handshake.
#include "client/connection.h"

#include "client/server_launcher.h"
#include "common/build_id.h"
#include "common/fd_passing.h"
#include "common/unix_socket.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace bbrun::client {

using common::ErrorKind;
using common::fail;
namespace protocol = common::protocol;

namespace {

constexpr auto k_start_deadline = std::chrono::seconds(30);
constexpr auto k_retry_pause = std::chrono::milliseconds(20);
constexpr int k_connect_attempts = 10;

// Connect, starting a server when nobody listens. Another client may be starting one at the
// same moment: whoever loses the race for the lock sees its server exit unready, and retries
// connecting to the winner's.
common::Result<common::UniqueFd> connect_or_start(const common::BuildDirPaths& paths,
                                                  StartServer start,
                                                  std::optional<double> idle_timeout) {
  auto deadline = std::chrono::steady_clock::now() + k_start_deadline;
  while (true) {
    auto socket = common::connect_unix(paths.socket());
    if (socket || socket.error().kind != ErrorKind::transient) {
      return socket;
    }
    if (start == StartServer::never) {
      return socket;
    }
    auto launched = launch_server(paths, idle_timeout);
    if (!launched && launched.error().kind != ErrorKind::transient) {
      return fail(launched.error());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(ErrorKind::io, "could not start or reach a server; see " + paths.log().string());
    }
    if (!launched) {
      std::this_thread::sleep_for(k_retry_pause);
    }
  }
}

} // namespace

common::Result<Connection> Connection::open(const common::BuildDirPaths& paths, StartServer start,
                                            std::optional<double> idle_timeout,
                                            const MakeJobserver* jobserver) {
  std::string server_build;
  auto connection = connect(paths, start, idle_timeout, jobserver, server_build);
  if (!connection || start == StartServer::never) {
    return connection;
  }
  std::string ours = common::executable_build_id(server_executable());
  if (ours.empty() || server_build.empty() || ours == server_build) {
    return connection;
  }
  // A server from another build (an upgrade, a rebuild): let it finish what it is doing, then
  // replace it, as Bazel's client does with a server of another version.
  std::fprintf(stderr,
               "NOTE: the server for %s runs another build of bbrun; it will exit once "
               "idle and a new one start\n",
               paths.builddir.c_str());
  int old_pid = connection->server_pid();
  if (auto asked = connection->call(protocol::command::shutdown); !asked) {
    return fail(asked.error());
  }
  *connection = Connection();
  // It exits once idle: as long as its builds take.
  while (!wait_for_server_exit(paths, old_pid)) {
  }
  // If we started it ourselves (replaced by a rebuild since), it is our child: reaped if it has
  // exited already, else it stays a zombie, holding nothing, until we exit.
  if (old_pid > 0) {
    (void)::waitpid(old_pid, nullptr, WNOHANG);
  }
  return connect(paths, start, idle_timeout, jobserver, server_build);
}

common::Result<Connection> Connection::connect(const common::BuildDirPaths& paths,
                                               StartServer start,
                                               std::optional<double> idle_timeout,
                                               const MakeJobserver* jobserver,
                                               std::string& server_build) {
  // A server that is dying (killed, or exiting after its idle timeout) may still accept a
  // connection and then drop it: try again, and a new server starts once the old one is gone.
  for (int attempt = 1;; ++attempt) {
    auto socket = connect_or_start(paths, start, idle_timeout);
    if (!socket) {
      return fail(socket.error());
    }
    Connection connection;
    auto hello = connection.say_hello(socket->get(), jobserver);
    socket->reset();
    if (hello) {
      connection.m_server_pid = hello->value("pid", 0);
      server_build = hello->value("build_id", "");
      return connection;
    }
    if (hello.error().kind != ErrorKind::io || attempt == k_connect_attempts) {
      return fail(hello.error());
    }
    std::this_thread::sleep_for(k_retry_pause * attempt);
  }
}

common::Result<protocol::Json> Connection::say_hello(int socket, const MakeJobserver* jobserver) {
  if (auto handed = hand_over_pipes(socket, jobserver); !handed) {
    return fail(handed.error());
  }
  return call(protocol::command::hello,
              protocol::Json::array({{{"protocol", protocol::k_version}, {"pid", ::getpid()}}}));
}

common::Result<void> Connection::hand_over_pipes(int socket, const MakeJobserver* jobserver) {
  auto events = common::make_pipe();
  auto commands = common::make_pipe();
  auto replies = common::make_pipe();
  if (!events || !commands || !replies) {
    return fail(ErrorKind::io, common::errno_message("pipe"));
  }
  std::vector<int> fds{events->write.get(), commands->read.get(), replies->write.get()};
  if (jobserver != nullptr) {
    fds.push_back(jobserver->read_fd);
    fds.push_back(jobserver->write_fd);
  }
  if (auto sent = common::send_fds(socket, static_cast<unsigned char>(fds.size()), fds); !sent) {
    return fail(sent.error());
  }
  // Our copies of the server's ends are closed when the Pipes go out of scope, so that the
  // server's exit shows here as end of file.
  m_events = std::move(events->read);
  m_commands = std::move(commands->write);
  m_replies = std::move(replies->read);
  return {};
}

common::Result<std::string> Connection::read_line(int fd, common::LineDecoder& decoder,
                                                  std::deque<std::string>& pending,
                                                  int timeout_ms) {
  while (pending.empty()) {
    struct pollfd pfd {
      fd, POLLIN, 0
    };
    int rc = ::poll(&pfd, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) {
      return fail(ErrorKind::transient, "interrupted");
    }
    if (rc == 0) {
      return fail(ErrorKind::transient, "timed out");
    }
    char buffer[65536];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail(ErrorKind::io, "the server closed the connection");
    }
    std::vector<common::Line> lines;
    decoder.feed(std::string_view(buffer, static_cast<size_t>(n)), lines);
    for (auto& line : lines) {
      if (!line.too_long) {
        pending.push_back(std::move(line.text));
      }
    }
  }
  std::string line = std::move(pending.front());
  pending.pop_front();
  return line;
}

common::Result<protocol::Json> Connection::call(std::string_view command, protocol::Json args) {
  auto line = common::encode_line(protocol::make_command(command, std::move(args)));
  if (auto written = common::write_all(m_commands.get(), line); !written) {
    return fail(ErrorKind::io, "the server closed the connection");
  }
  common::Result<std::string> reply_line = fail(ErrorKind::transient, "");
  do {
    reply_line = read_line(m_replies.get(), m_reply_decoder, m_pending_replies, -1);
  } while (!reply_line && reply_line.error().kind == ErrorKind::transient);
  if (!reply_line) {
    return fail(reply_line.error());
  }
  auto reply = protocol::parse_object(*reply_line);
  if (!reply) {
    return fail(reply.error());
  }
  if (!reply->value("ok", false)) {
    return fail(ErrorKind::protocol, reply->value("error", std::string("request refused")));
  }
  return reply;
}

common::Result<std::optional<protocol::Json>> Connection::next_event(int timeout_ms) {
  auto line = read_line(m_events.get(), m_event_decoder, m_pending_events, timeout_ms);
  if (!line) {
    if (line.error().kind == ErrorKind::transient) {
      return std::optional<protocol::Json>{};
    }
    return fail(line.error());
  }
  auto event = protocol::parse_object(*line);
  if (!event) {
    return fail(event.error());
  }
  return std::optional<protocol::Json>(std::move(*event));
}

} // namespace bbrun::client
