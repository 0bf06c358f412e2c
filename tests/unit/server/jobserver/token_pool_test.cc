// SPDX-License-Identifier: MIT
// Tests for the token pool, over a real pipe that plays make's jobserver.
#include "common/token_escrow.h"
#include "server/jobserver/token_pool.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace bbrun::server::jobserver {
namespace {

class TokenPoolTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto pipe = common::make_pipe();
    ASSERT_TRUE(pipe);
    m_pipe = std::move(*pipe);
    auto pool = TokenPool::open(m_io, m_pipe.read.get(), m_pipe.write.get());
    ASSERT_TRUE(pool) << pool.error().message;
    m_pool = std::move(*pool);
    // As the runqueue does: a token that arrives goes to a waiting task right away.
    m_pool->on_token([this] {
      ++m_arrivals;
      if (m_claim) {
        EXPECT_TRUE(m_pool->try_acquire());
      }
    });
  }
  void put(std::string_view tokens) { ASSERT_TRUE(common::write_all(m_pipe.write.get(), tokens)); }
  // Bytes waiting in the pipe, read without taking them.
  int in_pipe() const {
    int count = -1;
    ::ioctl(m_pipe.read.get(), FIONREAD, &count);
    return count;
  }
  // Run the loop until `arrivals` tokens arrived in all (or 5 s pass).
  bool run_until_arrivals(int arrivals) {
    return testing::wait_until(
        [&] {
          m_io.run_for(std::chrono::milliseconds(5));
          return m_arrivals >= arrivals;
        },
        std::chrono::seconds(5));
  }
  std::string drain() {
    EXPECT_TRUE(common::set_nonblocking(m_pipe.read.get(), true));
    char buffer[64];
    ssize_t n = ::read(m_pipe.read.get(), buffer, sizeof buffer);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

  boost::asio::io_context m_io;
  common::Pipe m_pipe;
  std::unique_ptr<TokenPool> m_pool;
  int m_arrivals = 0;
  bool m_claim = true;
};

TEST_F(TokenPoolTest, FirstTaskUsesTheBuildsOwnSlot) {
  // Given an empty jobserver, one task should start without a token and a second should not.
  EXPECT_TRUE(m_pool->try_acquire());
  EXPECT_FALSE(m_pool->try_acquire());
  EXPECT_EQ(m_pool->in_use(), 1u);
}

TEST_F(TokenPoolTest, WantedTokenIsReadAndClaimed) {
  // Given one task running and one more wanted, a token put in the pipe should arrive, let a
  // second task start, and leave the pipe empty.
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(1);
  put("+");
  ASSERT_TRUE(run_until_arrivals(1));
  EXPECT_EQ(m_pool->in_use(), 2u);
  EXPECT_EQ(m_pool->held(), 1u);
  EXPECT_EQ(in_pipe(), 0);
}

TEST_F(TokenPoolTest, EndedTaskGivesTheSameByteBackAtOnce) {
  // Given two tasks on an 'x' token, the first to end should write that 'x' back right away,
  // and the last one nothing (it holds the build's own slot).
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(1);
  put("x");
  ASSERT_TRUE(run_until_arrivals(1));
  ASSERT_EQ(m_pool->in_use(), 2u);
  m_pool->release();
  EXPECT_EQ(drain(), "x");
  m_pool->release();
  EXPECT_EQ(m_pool->held(), 0u);
  EXPECT_EQ(drain(), "");
}

TEST_F(TokenPoolTest, NoTokenIsTakenWhenNoneIsWanted) {
  // Given a want withdrawn before a token comes, the token should stay in the pipe for make.
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(1);
  m_pool->want(0);
  put("+");
  m_io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(m_arrivals, 0);
  EXPECT_EQ(in_pipe(), 1);
}

TEST_F(TokenPoolTest, UnclaimedTokenGoesStraightBack) {
  // Given a token that arrives while nobody claims it, it should be written back at once.
  m_claim = false;
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(1);
  put("+");
  ASSERT_TRUE(run_until_arrivals(1));
  EXPECT_EQ(m_pool->held(), 0u);
  EXPECT_EQ(in_pipe(), 1);
}

TEST_F(TokenPoolTest, DestroyingThePoolGivesEveryTokenBack) {
  // Given three tasks running on two tokens, destroying the pool (the build ended, however it
  // ended) should put both tokens back.
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(2);
  put("ab");
  ASSERT_TRUE(run_until_arrivals(2));
  EXPECT_EQ(m_pool->in_use(), 3u);
  EXPECT_EQ(in_pipe(), 0);
  m_pool.reset();
  std::string back = drain();
  std::sort(back.begin(), back.end());
  EXPECT_EQ(back, "ab");
}

TEST_F(TokenPoolTest, HeldTokensWaitInTheSharedEscrowForEitherSideToReturn) {
  // Given a pool whose tokens are kept in a client's escrow fifo, two tokens taken should sit
  // in the escrow, not in the pool; the client alone can put them back (as it does when the
  // server was killed), and the pool then owes nothing: make gets each token exactly once.
  testing::TempDir temp;
  auto client_escrow = common::create_escrow(temp.path() / "escrow");
  ASSERT_TRUE(client_escrow) << client_escrow.error().message;
  auto server_escrow = common::open_escrow(temp.path() / "escrow");
  ASSERT_TRUE(server_escrow) << server_escrow.error().message;
  auto pool =
      TokenPool::open(m_io, m_pipe.read.get(), m_pipe.write.get(), std::move(*server_escrow));
  ASSERT_TRUE(pool);
  m_pool = std::move(*pool);
  m_pool->on_token([this] {
    ++m_arrivals;
    EXPECT_TRUE(m_pool->try_acquire());
  });
  ASSERT_TRUE(m_pool->try_acquire());
  m_pool->want(2);
  put("ab");
  ASSERT_TRUE(run_until_arrivals(2));
  int in_escrow = -1;
  ::ioctl(client_escrow->get(), FIONREAD, &in_escrow);
  EXPECT_EQ(in_escrow, 2);
  EXPECT_EQ(common::release_escrow(client_escrow->get(), m_pipe.write.get()), 2u);
  m_pool.reset();
  std::string back = drain();
  std::sort(back.begin(), back.end());
  EXPECT_EQ(back, "ab");
}

TEST_F(TokenPoolTest, MakesDescriptionStaysBlocking) {
  // Given a pool waiting for tokens, make's own read and write descriptions should still be
  // blocking: make fails with "Resource temporarily unavailable" otherwise.
  m_pool->want(1);
  m_io.run_for(std::chrono::milliseconds(10));
  EXPECT_EQ(::fcntl(m_pipe.read.get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_EQ(::fcntl(m_pipe.write.get(), F_GETFL) & O_NONBLOCK, 0);
}

} // namespace
} // namespace bbrun::server::jobserver
