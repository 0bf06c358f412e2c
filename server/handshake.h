// SPDX-License-Identifier: MIT
// Validating a UI handshake: who connected, and the fds they passed (SPEC.md).
#pragma once

#include "common/fd_passing.h"
#include "common/result.h"
#include "common/unique_fd.h"

#include <optional>

namespace bbrun::server {

/// The client's jobserver, as make gave it (read end, write end).
struct JobserverFds {
  common::UniqueFd read;
  common::UniqueFd write;
};

/// The three pipes of one UI, plus the jobserver fds when the client runs inside make.
struct UiChannels {
  common::UniqueFd events;   ///< write end, server -> client
  common::UniqueFd commands; ///< read end, client -> server
  common::UniqueFd replies;  ///< write end, server -> client
  std::optional<JobserverFds> jobserver;
};

/// Fail with ErrorKind::protocol unless the peer of `socket` runs as this process's uid.
common::Result<void> check_peer_uid(int socket);

/// Turn a received handshake into channels. Fails with ErrorKind::protocol, saying why, when the
/// byte does not match the fd count, the count is neither 3 nor 5, or an fd is not a pipe or
/// fifo. On failure every received fd has been closed.
common::Result<UiChannels> channels_from_handshake(common::ReceivedFds received);

} // namespace bbrun::server
