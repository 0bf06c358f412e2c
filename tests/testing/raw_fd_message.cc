// SPDX-License-Identifier: MIT
// Unchecked SCM_RIGHTS sending.
#include "tests/testing/raw_fd_message.h"

#include <cstring>
#include <sys/socket.h>
#include <vector>

namespace bbrun::testing {

bool send_fds_unchecked(int socket, unsigned char byte, std::span<const int> fds) {
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  struct iovec iov {
    &byte, 1
  };
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  return ::sendmsg(socket, &msg, MSG_NOSIGNAL) > 0;
}

} // namespace bbrun::testing
