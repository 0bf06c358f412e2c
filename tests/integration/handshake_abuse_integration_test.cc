// SPDX-License-Identifier: MIT
// End to end: a thousand broken handshakes against a real server, which must refuse each with
// one log line, keep none of the fds it received, and go on serving.
#include "common/fd_passing.h"
#include "common/unix_socket.h"
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/proc_inspect.h"
#include "tests/testing/raw_fd_message.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <functional>
#include <sys/socket.h>
#include <unistd.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Whatever a broken client might pass: pipes, and things that are not pipes.
struct Material {
  common::Pipe pipe = *common::make_pipe();
  common::UniqueFd file{::open("/proc/self/exe", O_RDONLY | O_CLOEXEC)};
  common::UniqueFd device{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  common::UniqueFd socket_end = [] {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ::close(fds[1]);
    return common::UniqueFd(fds[0]);
  }();
  int r() const { return pipe.read.get(); }
  int w() const { return pipe.write.get(); }
};

struct BadHandshake {
  const char* name;
  const char* logged; ///< what the server's refusal line says
  std::function<void(int socket, const Material&)> send;
};

void send(int socket, unsigned char byte, std::vector<int> fds) {
  EXPECT_TRUE(send_fds_unchecked(socket, byte, fds));
}

const std::vector<BadHandshake>& bad_handshakes() {
  static const std::vector<BadHandshake> cases{
      {"fewer fds than announced", "handshake announced 3 fds but carried 2",
       [](int s, const Material& m) {
         send(s, 3, {m.w(), m.r()});
       }},
      {"more fds than announced", "handshake announced 3 fds but carried 4",
       [](int s, const Material& m) {
         send(s, 3, {m.w(), m.r(), m.w(), m.r()});
       }},
      {"a count that is neither 3 nor 5", "handshake must carry 3 or 5 fds, not 4",
       [](int s, const Material& m) {
         send(s, 4, {m.w(), m.r(), m.w(), m.r()});
       }},
      {"a regular file", "handshake fd #2 is not a pipe or fifo",
       [](int s, const Material& m) {
         send(s, 3, {m.w(), m.file.get(), m.w()});
       }},
      {"a character device", "handshake fd #3 is not a pipe or fifo",
       [](int s, const Material& m) {
         send(s, 3, {m.w(), m.r(), m.device.get()});
       }},
      {"a socket", "handshake fd #1 is not a pipe or fifo",
       [](int s, const Material& m) {
         send(s, 3, {m.socket_end.get(), m.r(), m.w()});
       }},
      {"jobserver fds that are not pipes", "handshake fd #5 is not a pipe or fifo",
       [](int s, const Material& m) {
         send(s, 5, {m.w(), m.r(), m.w(), m.r(), m.file.get()});
       }},
      {"no control message", "handshake announced 3 fds but carried 0",
       [](int s, const Material&) { ASSERT_TRUE(common::send_fds(s, 3, {})); }},
      {"a truncated control message", "control message truncated",
       [](int s, const Material& m) { send(s, 20, std::vector<int>(20, m.w())); }},
      {"a hang-up before any message", "peer closed the connection before the handshake",
       [](int, const Material&) {}},
  };
  return cases;
}

class HandshakeAbuseIntegrationTest : public BuildDirFixture {};

TEST_F(HandshakeAbuseIntegrationTest, ThousandBadHandshakesLeakNothing) {
  // Given 1000 connections, each making one of ten handshake mistakes, the server should log
  // exactly one refusal per connection saying what was wrong, hold the same fds afterwards as
  // before, and still answer a real client.
  constexpr int k_rounds = 1000;
  int pid = start_quiet_server();
  ASSERT_GT(pid, 0);
  size_t fds_before = open_fd_count(pid);
  Material material;
  const auto& cases = bad_handshakes();
  for (int round = 0; round < k_rounds; ++round) {
    auto socket = common::connect_unix(builddir() / "bbrun.sock");
    ASSERT_TRUE(socket) << socket.error().message;
    cases[round % cases.size()].send(socket->get(), material);
  }
  auto refusals = [&] {
    std::string log = server_log();
    size_t count = 0;
    for (auto at = log.find("handshake refused"); at != std::string::npos;
         at = log.find("handshake refused", at + 1)) {
      ++count;
    }
    return count;
  };
  EXPECT_TRUE(wait_until([&] { return refusals() == k_rounds; }, std::chrono::seconds(30)))
      << refusals() << " refusals logged";
  EXPECT_TRUE(wait_until([&] { return open_fd_count(pid) == fds_before; }))
      << "before " << fds_before << ", after " << open_fd_count(pid);
  std::string log = server_log();
  for (const auto& bad : cases) {
    EXPECT_THAT(log, HasSubstr(bad.logged)) << bad.name;
  }
  auto status = bbrun({"--status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(server_pid(), pid);
}

} // namespace
} // namespace bbrun::testing
