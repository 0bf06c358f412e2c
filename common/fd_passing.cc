// SPDX-License-Identifier: MIT
// SCM_RIGHTS send and receive.
#include "common/fd_passing.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace bbrun::common {

Result<void> send_fds(int socket, unsigned char byte, std::span<const int> fds) {
  if (fds.size() > k_max_passed_fds) {
    return fail(ErrorKind::usage, "too many fds to pass");
  }
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * k_max_passed_fds)] = {};
  struct iovec iov {
    &byte, 1
  };
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  while (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) {
      return fail(ErrorKind::io, errno_message("sendmsg"));
    }
  }
  return {};
}

namespace {

// Take ownership of every fd in every SCM_RIGHTS control message, so that none leaks whatever
// the caller decides about the message.
std::vector<UniqueFd> collect_fds(struct msghdr& msg) {
  std::vector<UniqueFd> fds;
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr;
       cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
      fds.emplace_back(fd);
    }
  }
  return fds;
}

} // namespace

Result<ReceivedFds> receive_fds(int socket) {
  ReceivedFds received;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * k_max_passed_fds)] = {};
  struct iovec iov {
    &received.byte, 1
  };
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return fail(ErrorKind::transient, "no handshake message yet");
    }
    return fail(ErrorKind::io, errno_message("recvmsg"));
  }
  received.fds = collect_fds(msg);
  if (n == 0) {
    return fail(ErrorKind::protocol, "peer closed the connection before the handshake");
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0) {
    return fail(ErrorKind::protocol, "control message truncated (too many fds)");
  }
  return received;
}

} // namespace bbrun::common
