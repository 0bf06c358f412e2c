// SPDX-License-Identifier: MIT
// Tests for SCM_RIGHTS fd passing over a real socketpair.
#include "common/fd_passing.h"
#include "tests/testing/raw_fd_message.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace bbrun::common {
namespace {

struct SocketPair {
  UniqueFd a;
  UniqueFd b;
};

SocketPair make_socketpair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(FdPassingTest, PassedPipesAreRealAndUsable) {
  // Given three pipes sent over a socket, we should receive fds that carry data both ways.
  auto sockets = make_socketpair();
  auto p1 = make_pipe();
  auto p2 = make_pipe();
  auto p3 = make_pipe();
  ASSERT_TRUE(p1 && p2 && p3);
  std::array<int, 3> sent{p1->write.get(), p2->read.get(), p3->write.get()};
  ASSERT_TRUE(send_fds(sockets.a.get(), 3, sent));

  auto received = receive_fds(sockets.b.get());
  ASSERT_TRUE(received) << received.error().message;
  EXPECT_EQ(received->byte, 3);
  ASSERT_EQ(received->fds.size(), 3u);
  for (const auto& fd : received->fds) {
    EXPECT_NE(fd.get(), sent[0]);
    EXPECT_EQ(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  }
  // Write through the received write end, read through our original read end.
  ASSERT_TRUE(write_all(received->fds[0].get(), "events"));
  p1->write.reset();
  received->fds[0].reset();
  EXPECT_EQ(read_all(p1->read.get()).value(), "events");
  // And the other direction: our write end, their read end.
  ASSERT_TRUE(write_all(p2->write.get(), "commands"));
  p2->write.reset();
  p2->read.reset();
  EXPECT_EQ(read_all(received->fds[1].get()).value(), "commands");
}

TEST(FdPassingTest, MessageWithoutFdsArrivesWithNone) {
  // Given a message with no control data, we should get the byte and no fds.
  auto sockets = make_socketpair();
  ASSERT_TRUE(send_fds(sockets.a.get(), 3, {}));
  auto received = receive_fds(sockets.b.get());
  ASSERT_TRUE(received);
  EXPECT_EQ(received->byte, 3);
  EXPECT_TRUE(received->fds.empty());
}

TEST(FdPassingTest, ClosedPeerIsAProtocolError) {
  // Given a peer that closes without sending, we should report it, not block or crash.
  auto sockets = make_socketpair();
  sockets.a.reset();
  auto received = receive_fds(sockets.b.get());
  ASSERT_FALSE(received);
  EXPECT_EQ(received.error().kind, ErrorKind::protocol);
}

TEST(FdPassingTest, TooManyFdsAreTruncatedAndClosed) {
  // Given more fds than a message may carry (sent raw), we should refuse the message and leak
  // none of the fds that did arrive.
  auto sockets = make_socketpair();
  std::vector<UniqueFd> originals;
  std::vector<int> raw;
  for (size_t i = 0; i < k_max_passed_fds + 4; ++i) {
    originals.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    raw.push_back(originals.back().get());
  }
  ASSERT_TRUE(bbrun::testing::send_fds_unchecked(sockets.a.get(),
                                                 static_cast<unsigned char>(raw.size()), raw));

  int before = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(before);
  auto received = receive_fds(sockets.b.get());
  ASSERT_FALSE(received);
  EXPECT_EQ(received.error().kind, ErrorKind::protocol);
  // The lowest free fd is the same as before: nothing received stayed open.
  int after = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(after);
  EXPECT_EQ(before, after);
}

} // namespace
} // namespace bbrun::common
