// SPDX-License-Identifier: MIT
// Hand-made protocol client.
#include "tests/testing/raw_client.h"

#include "common/fd_passing.h"
#include "common/unix_socket.h"

#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <poll.h>
#include <unistd.h>

namespace bbrun::testing {

namespace {

// Read what `fd` has within `limit`: the byte count, 0 at end of file, -1 on timeout.
ssize_t read_within(int fd, char* buffer, size_t size, std::chrono::milliseconds limit) {
  struct pollfd pfd {
    fd, POLLIN, 0
  };
  if (::poll(&pfd, 1, static_cast<int>(limit.count())) != 1) {
    return -1;
  }
  return ::read(fd, buffer, size);
}

} // namespace

RawClient::RawClient(const std::filesystem::path& socket) {
  // A server that closes a pipe must fail the test, not kill the test program.
  std::signal(SIGPIPE, SIG_IGN);
  auto connected = common::connect_unix(socket);
  EXPECT_TRUE(connected) << connected.error().message;
  auto events = common::make_pipe();
  auto commands = common::make_pipe();
  auto replies = common::make_pipe();
  if (!connected || !events || !commands || !replies) {
    return;
  }
  std::array<int, 3> fds{events->write.get(), commands->read.get(), replies->write.get()};
  EXPECT_TRUE(common::send_fds(connected->get(), 3, fds));
  m_events = std::move(events->read);
  m_commands = std::move(commands->write);
  m_replies = std::move(replies->read);
}

void RawClient::send(const std::string& line) {
  ASSERT_TRUE(common::write_all(m_commands.get(), line));
}

common::protocol::Json RawClient::reply(std::chrono::milliseconds limit) {
  while (m_pending.empty()) {
    char buffer[65536];
    ssize_t n = read_within(m_replies.get(), buffer, sizeof buffer, limit);
    if (n <= 0) {
      ADD_FAILURE() << (n < 0 ? "no reply in time" : "reply pipe closed");
      return {};
    }
    m_decoder.feed(std::string_view(buffer, static_cast<size_t>(n)), m_pending);
  }
  auto line = std::move(m_pending.front());
  m_pending.erase(m_pending.begin());
  return common::protocol::Json::parse(line.text);
}

bool RawClient::replies_closed(std::chrono::milliseconds limit) {
  char buffer[65536];
  ssize_t n;
  while ((n = read_within(m_replies.get(), buffer, sizeof buffer, limit)) > 0) {
  }
  return n == 0;
}

} // namespace bbrun::testing
