// SPDX-License-Identifier: MIT
// Tests for the task launcher: its framing, and real tasks started through a real launcher.
#include "server/exec/launcher.h"
#include "server/exec/launcher_executor.h"
#include "server/exec/launcher_frames.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/exec/launcher_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <optional>
#include <poll.h>
#include <thread>

namespace bbrun::server::exec {
namespace {

TEST(FrameDecoderTest, SplitsFramesAcrossReads) {
  // Given two frames delivered in odd pieces, we should get both, whole and in order.
  std::string stream = encode_frame({{"id", 1}}) + encode_frame({{"id", 2}, {"pid", 7}});
  FrameDecoder decoder;
  std::vector<nlohmann::json> messages;
  for (size_t at = 0; at < stream.size(); at += 3) {
    ASSERT_TRUE(decoder.feed(std::string_view(stream).substr(at, 3), messages));
  }
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["pid"], 7);
}

TEST(FrameDecoderTest, RefusesGarbage) {
  // Given a frame whose body is not a JSON object, the stream should be declared broken.
  FrameDecoder decoder;
  std::vector<nlohmann::json> messages;
  std::string frame("\x03\x00\x00\x00[1]", 7);
  EXPECT_FALSE(decoder.feed(frame, messages));
}

TEST(ReportDecoderTest, ReportsComeBackWholeAcrossReads) {
  // Given one report of each kind delivered in odd pieces, we should get each back as it was.
  using Kind = LauncherReport::Kind;
  std::vector<LauncherReport> sent{{Kind::started, 1, 100, {}, ""},
                                   {Kind::messages, 1, 0, {}, std::string("bbnote a\0", 9)},
                                   {Kind::ended, 1, 100, {-1, SIGTERM}, ""},
                                   {Kind::ended, 2, 101, {3, 0}, ""},
                                   {Kind::failed, 3, 0, {}, "fork: out of memory"}};
  std::string stream;
  for (const auto& report : sent) {
    stream += encode_report(report);
  }
  ReportDecoder decoder;
  std::vector<LauncherReport> received;
  for (size_t at = 0; at < stream.size(); at += 5) {
    ASSERT_TRUE(decoder.feed(std::string_view(stream).substr(at, 5), received));
  }
  EXPECT_EQ(received, sent);
}

TEST(ReportDecoderTest, RefusesUnknownKindsAndShortReports) {
  // Given a report of an unknown kind, or one shorter than a report's fixed part, the stream
  // should be declared broken.
  std::string unknown = encode_report({LauncherReport::Kind::started, 1, 2, {}, ""});
  unknown[4] = 'Z';
  std::vector<LauncherReport> received;
  EXPECT_FALSE(ReportDecoder().feed(unknown, received));
  EXPECT_FALSE(ReportDecoder().feed(std::string("\x02\x00\x00\x00S\x01", 6), received));
  EXPECT_TRUE(received.empty());
}

class LauncherExecutorTest : public LauncherFixture {};

TEST_F(LauncherExecutorTest, RunsATaskAndReportsItsExit) {
  // Given a task that writes a file and exits 3, we should see the file, its log, and exit 3.
  ASSERT_TRUE(start(plan("echo hi > out.txt; echo logged; exit 3")));
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.exit_code, 3);
  EXPECT_EQ(testing::read_file(m_temp.path() / "work/out.txt"), "hi\n");
  EXPECT_EQ(testing::read_file(m_outcome->log), "logged\n");
  EXPECT_EQ(m_launcher->running(), 0u);
}

TEST_F(LauncherExecutorTest, SignalReachesTheTaskEvenBeforeItsPidIsKnown) {
  // Given a long task signalled right after it was requested, it should die of that signal.
  ASSERT_TRUE(start(plan("sleep 30")));
  m_launcher->signal_all(SIGTERM);
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.signal, SIGTERM);
}

TEST_F(LauncherExecutorTest, LauncherAndItsTasksEndWithTheExecutor) {
  // Given a running task, destroying the executor should end the launcher and kill the task.
  int task = start_sleeping_task();
  ASSERT_GT(task, 0);
  m_launcher.reset();
  EXPECT_FALSE(testing::process_alive(m_launcher_pid));
  EXPECT_TRUE(testing::wait_until([task] { return !testing::process_alive(task); }));
}

TEST_F(LauncherExecutorTest, LauncherFindingTheCookerGoneAsItReportsAPidKillsItsTasks) {
  // Given a task whose pid falls due to be reported just as the launcher finds the cooker gone
  // (the launcher held stopped until both happened), we should see the task killed all the
  // same: writing the report to the closed socket must not end the launcher first.
  int task = start_sleeping_task();
  ASSERT_GT(task, 0);
  ::kill(m_launcher_pid, SIGSTOP);
  std::thread resume([pid = m_launcher_pid] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    ::kill(pid, SIGCONT);
  });
  m_launcher.reset(); // closes the socket, then waits for the launcher to end
  resume.join();
  EXPECT_TRUE(testing::wait_until([task] { return !testing::process_alive(task); }));
}

TEST_F(LauncherExecutorTest, TaskStartedJustBeforeTheLauncherDiesIsKilled) {
  // Given a task that started moments before the launcher is killed (sooner than the launcher
  // reports its pid), we should see the task fail and its process group killed all the same.
  int task = start_sleeping_task();
  ASSERT_GT(task, 0);
  ::kill(m_launcher_pid, SIGKILL);
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.signal, SIGKILL);
  EXPECT_TRUE(testing::wait_until([task] { return !testing::process_alive(task); }));
}

TEST_F(LauncherExecutorTest, TaskInheritsLentFdsAtFixedNumbersThenItsChannelAndNothingElse) {
  // Given a pipe's two ends lent, the task should have them at 3 and 4, its message channel at
  // 5 (named by LOGFIFO) and no fd above; once it ended and the fds were taken back, neither
  // it nor the launcher should hold the write end: our read sees end of file.
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  ASSERT_TRUE(m_launcher->lend_fds({pipe->read.get(), pipe->write.get()}));
  ASSERT_TRUE(start(plan("echo hi >&4; echo \"$LOGFIFO\" > channel.txt; "
                         "[ -p /dev/fd/5 ] && ls /proc/self/fd > fds.txt")));
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.exit_code, 0);
  EXPECT_EQ(testing::read_file(m_temp.path() / "work/channel.txt"), "/dev/fd/5\n");
  // ls itself opens the directory it lists, on the lowest free number: 6.
  EXPECT_EQ(testing::read_file(m_temp.path() / "work/fds.txt"), "0\n1\n2\n3\n4\n5\n6\n");
  ASSERT_TRUE(m_launcher->lend_fds({}));
  m_io.run_for(std::chrono::milliseconds(10)); // the frame taking them back goes out
  pipe->write.reset();
  struct pollfd pfd {
    pipe->read.get(), POLLIN, 0
  };
  ASSERT_EQ(::poll(&pfd, 1, 5000), 1);
  auto text = common::read_all(pipe->read.get());
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "hi\n");
}

TEST_F(LauncherExecutorTest, LentFdsGoToEveryTaskUntilTakenBack) {
  // Given a pipe lent, two tasks started one after the other should both have it; once taken
  // back, a third should not.
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  ASSERT_TRUE(m_launcher->lend_fds({pipe->write.get()}));
  for (const char* name : {"first", "second"}) {
    m_outcome.reset();
    ASSERT_TRUE(start(plan(std::string("echo ") + name + " >&3")));
    run_until_done();
    ASSERT_TRUE(m_outcome);
    EXPECT_EQ(m_outcome->status.exit_code, 0);
  }
  ASSERT_TRUE(m_launcher->lend_fds({}));
  m_outcome.reset();
  ASSERT_TRUE(start(plan("[ -p /dev/fd/3 ] && readlink /dev/fd/3 > channel.txt; echo third >&4")));
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_NE(m_outcome->status.exit_code, 0); // fd 4 is not open: only the channel, at 3
  EXPECT_FALSE(testing::read_file(m_temp.path() / "work/channel.txt").empty());
  pipe->write.reset();
  auto text = common::read_all(pipe->read.get());
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "first\nsecond\n");
}

} // namespace
} // namespace bbrun::server::exec
