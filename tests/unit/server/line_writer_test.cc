// SPDX-License-Identifier: MIT
// Tests for the queued pipe writer over real pipes.
#include "server/line_writer.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <unistd.h>

namespace bbrun::server {
namespace {

TEST(LineWriterTest, WritesLinesInOrder) {
  // Given three lines, we should find them in the pipe in order.
  boost::asio::io_context io;
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  LineWriter writer(io, std::move(pipe->write), nullptr);
  writer.write("a\n");
  writer.write("b\n");
  writer.write("c\n");
  io.run();
  writer.close();
  EXPECT_EQ(common::read_all(pipe->read.get()).value(), "a\nb\nc\n");
}

// A writer on a real pipe whose reading end the test reads without waiting.
class LineWriterPipeTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto pipe = common::make_pipe();
    ASSERT_TRUE(pipe);
    m_read = std::move(pipe->read);
    ASSERT_TRUE(common::set_nonblocking(m_read.get(), true));
    m_writer = std::make_unique<LineWriter>(m_io, std::move(pipe->write), nullptr);
  }
  /// What the pipe holds now.
  std::string available() {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(m_read.get(), buffer, sizeof buffer)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

  boost::asio::io_context m_io;
  common::UniqueFd m_read;
  std::unique_ptr<LineWriter> m_writer;
};

TEST_F(LineWriterPipeTest, BatchedLinesWaitForTheDelayThenGoTogether) {
  // Given two batched lines, the pipe should stay empty while the loop turns at once, and hold
  // both, in order, once the batch delay has passed.
  m_writer->write_batched("a\n");
  m_io.poll();
  m_writer->write_batched("b\n");
  m_io.poll();
  EXPECT_EQ(available(), "");
  m_io.run_for(LineWriter::k_batch_delay * 5);
  EXPECT_EQ(available(), "a\nb\n");
}

TEST_F(LineWriterPipeTest, AnUrgentLineTakesTheBatchAlongInOrder) {
  // Given a batched line then a plain one, both should be in the pipe, in order, as soon as the
  // loop turns.
  m_writer->write_batched("a\n");
  m_writer->write("b\n");
  m_io.poll();
  EXPECT_EQ(available(), "a\nb\n");
}

TEST_F(LineWriterPipeTest, WriteNowWritesBeforeReturningButAfterWhatIsQueued) {
  // Given a line written now on an idle writer, it should be in the pipe before the loop turns;
  // given a queued line then one written now, neither should be until the loop turns, then both
  // in order.
  m_writer->write_now("a\n");
  EXPECT_EQ(available(), "a\n");
  m_writer->write("b\n");
  m_writer->write_now("c\n");
  EXPECT_EQ(available(), "");
  m_io.poll();
  EXPECT_EQ(available(), "b\nc\n");
}

TEST_F(LineWriterPipeTest, ABatchWaitingWhenTheWriterIsDestroyedStillGoes) {
  // Given a batched line and the writer destroyed before the delay, the line should be in the
  // pipe.
  m_writer->write_batched("a\n");
  m_io.poll();
  m_writer.reset();
  m_io.run();
  EXPECT_EQ(available(), "a\n");
}

TEST(LineWriterTest, ReaderThatStopsReadingFailsTheWriterOnce) {
  // Given a reader that reads nothing, we should fail once the queue passes its bound, with a
  // reason, and ignore later writes.
  boost::asio::io_context io;
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  int failures = 0;
  std::string why;
  LineWriter writer(
      io, std::move(pipe->write),
      [&](const std::string& reason) {
        ++failures;
        why = reason;
      },
      1 << 20);
  const std::string line(4096, 'x');
  for (int i = 0; i < 1000; ++i) {
    writer.write(line + "\n");
    io.poll();
  }
  EXPECT_EQ(failures, 1);
  EXPECT_NE(why.find("reader is not reading"), std::string::npos) << why;
}

TEST(LineWriterTest, CompletedWriteAfterDestructionTouchesNothing) {
  // Given a write that completes at once (its handler queued, not yet run) and a writer
  // destroyed before the loop runs, running the loop should touch nothing of the writer.
  boost::asio::io_context io;
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  auto writer = std::make_unique<LineWriter>(io, std::move(pipe->write), nullptr);
  writer->write("done\n");
  writer.reset();
  io.run();
  EXPECT_EQ(common::read_all(pipe->read.get()).value(), "done\n");
}

TEST(LineWriterTest, CompletedWriteAfterOverflowTouchesNothing) {
  // Given a write that completed at once, then an overflow that fails the writer (emptying
  // its queue) before the loop runs, the queued completion should not pop the empty queue.
  boost::asio::io_context io;
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  int failures = 0;
  LineWriter writer(
      io, std::move(pipe->write), [&](const std::string&) { ++failures; }, 16);
  writer.write("first\n");
  writer.write(std::string(32, 'x') + "\n");
  io.run();
  EXPECT_EQ(failures, 1);
}

} // namespace
} // namespace bbrun::server
