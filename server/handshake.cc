// SPDX-License-Identifier: MIT
// UI handshake validation.
#include "server/handshake.h"

#include <fmt/core.h>

#include <sys/socket.h>
#include <unistd.h>

namespace bbrun::server {

using common::ErrorKind;
using common::fail;

common::Result<void> check_peer_uid(int socket) {
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return fail(ErrorKind::io, common::errno_message("getsockopt(SO_PEERCRED)"));
  }
  if (cred.uid != ::getuid()) {
    return fail(ErrorKind::protocol, fmt::format("refused peer pid {} with uid {} (server uid {})",
                                                 cred.pid, cred.uid, ::getuid()));
  }
  return {};
}

common::Result<UiChannels> channels_from_handshake(common::ReceivedFds received) {
  auto& fds = received.fds;
  if (fds.size() != received.byte) {
    return fail(ErrorKind::protocol, fmt::format("handshake announced {} fds but carried {}",
                                                 unsigned{received.byte}, fds.size()));
  }
  if (fds.size() != 3 && fds.size() != 5) {
    return fail(ErrorKind::protocol,
                fmt::format("handshake must carry 3 or 5 fds, not {}", fds.size()));
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!common::is_pipe(fds[i].get())) {
      return fail(ErrorKind::protocol,
                  fmt::format("handshake fd #{} is not a pipe or fifo", i + 1));
    }
  }
  UiChannels channels{std::move(fds[0]), std::move(fds[1]), std::move(fds[2]), std::nullopt};
  if (fds.size() == 5) {
    channels.jobserver = JobserverFds{std::move(fds[3]), std::move(fds[4])};
  }
  return channels;
}

} // namespace bbrun::server
