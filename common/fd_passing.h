// SPDX-License-Identifier: MIT
// Send and receive file descriptors over an AF_UNIX socket with SCM_RIGHTS.
//
// The UI handshake (SPEC.md, "Server and protocol") is one message: a single data byte N and a
// control message carrying exactly N fds. These functions move the bytes and fds; what counts
// as a valid handshake is decided by the server (server/handshake.h). Asio has no ancillary-data
// API, so both sides work on the socket's native handle.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <span>
#include <vector>

namespace bbrun::common {

/// The most fds one message may carry; anything beyond is discarded by the kernel and reported
/// as a truncated message.
inline constexpr size_t k_max_passed_fds = 16;

/// Send `byte` as the message's data and `fds` as SCM_RIGHTS. Retries on EINTR.
Result<void> send_fds(int socket, unsigned char byte, std::span<const int> fds);

struct ReceivedFds {
  unsigned char byte = 0;
  std::vector<UniqueFd> fds; ///< received with MSG_CMSG_CLOEXEC
};

/// Receive one message from `socket`. Fails with ErrorKind::protocol when the peer closed the
/// connection, sent no data byte, or the control message was truncated (MSG_CTRUNC); every fd
/// that did arrive is closed before returning an error. With a non-blocking socket and nothing
/// to read, fails with ErrorKind::transient.
Result<ReceivedFds> receive_fds(int socket);

} // namespace bbrun::common
