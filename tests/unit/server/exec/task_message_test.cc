// SPDX-License-Identifier: MIT
// Tests for task message records: their decoding, and messages through a real task's channel.
#include "server/exec/launcher.h"
#include "server/exec/launcher_executor.h"
#include "server/exec/task_message.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/server/exec/launcher_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

namespace bbrun::server::exec {

bool operator==(const TaskMessage& a, const TaskMessage& b) {
  return a.level == b.level && a.text == b.text;
}
void PrintTo(const TaskMessage& message, std::ostream* out) {
  *out << message.level << ": " << message.text;
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<TaskMessage> decode_in_pieces(std::string_view stream, size_t piece) {
  TaskMessageDecoder decoder;
  std::vector<TaskMessage> out;
  for (size_t at = 0; at < stream.size(); at += piece) {
    decoder.feed(stream.substr(at, piece), out);
  }
  decoder.finish(out);
  return out;
}

TEST(TaskMessageDecoderTest, DecodesEachCommandAcrossReads) {
  // Given one record of each command BitBake's fifo knows, delivered a few bytes at a time, we
  // should get each message at its level, in order.
  std::string stream("bbplain as is\0bbnote a note\0bbverbnote verbose\0bbwarn careful\0"
                     "bberror wrong\0bbfatal stop\0bbfatal_log stop, logged\0bbdebug 2 deep\0",
                     128);
  EXPECT_THAT(decode_in_pieces(stream, 3),
              ElementsAre(TaskMessage{"plain", "as is"}, TaskMessage{"note", "a note"},
                          TaskMessage{"verbose", "verbose"}, TaskMessage{"warning", "careful"},
                          TaskMessage{"error", "wrong"}, TaskMessage{"error", "stop"},
                          TaskMessage{"error", "stop, logged"}, TaskMessage{"debug", "deep"}));
}

TEST(TaskMessageDecoderTest, EncodedMessagesDecodeToThemselves) {
  // Given what a python task sends for each level, decoding should give the level back; fatal
  // is an error, the task's failure being reported on its own.
  std::string stream;
  for (const char* level : {"plain", "note", "warning", "error", "debug", "fatal"}) {
    stream += encode_task_message(level, std::string("text of ") + level);
  }
  EXPECT_THAT(
      decode_in_pieces(stream, 1000),
      ElementsAre(TaskMessage{"plain", "text of plain"}, TaskMessage{"note", "text of note"},
                  TaskMessage{"warning", "text of warning"}, TaskMessage{"error", "text of error"},
                  TaskMessage{"debug", "text of debug"}, TaskMessage{"error", "text of fatal"}));
}

TEST(TaskMessageDecoderTest, UnknownCommandsAndCutRecordsAreStillShown) {
  // Given an unknown command and a last record without its NUL (the task was killed), both
  // should still be shown, the first as a warning naming it; empty records are nothing.
  std::string stream("\0bbshout hey\0bbwarn cut sh", 27);
  EXPECT_THAT(decode_in_pieces(stream, 5),
              ElementsAre(TaskMessage{"warning", "unrecognised message from the task: bbshout hey"},
                          TaskMessage{"warning", "cut sh"}));
}

TEST(TaskMessageDecoderTest, AFloodIsCutAtTheLimitWithOneWarning) {
  // Given 100 records of 10 bytes and a limit of 95 bytes, we should get the 9 whole records
  // within it and one warning, and nothing after.
  TaskMessageDecoder decoder(95);
  std::vector<TaskMessage> out;
  for (int i = 0; i < 100; ++i) {
    decoder.feed(std::string("bbnote ab\0", 10), out);
  }
  decoder.finish(out);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(out[8], (TaskMessage{"note", "ab"}));
  EXPECT_EQ(out[9].level, "warning");
  EXPECT_THAT(out[9].text, HasSubstr("only in its log"));
}

class TaskMessageChannelTest : public LauncherFixture {};

TEST_F(TaskMessageChannelTest, MessagesArriveWhileTheTaskRunsAndAllBeforeItsEnd) {
  // Given a task that sends a message, waits until we have seen it, then sends 200 more from a
  // subshell and exits at once, we should see the first while the task still runs and every
  // one before the task's end, in order.
  auto task = plan("printf 'bbwarn first\\0' > \"$LOGFIFO\"\n"
                   "while [ ! -e go ]; do sleep 0.01; done\n"
                   "(for i in $(seq 1 200); do printf 'bbnote n%s\\0' $i; done) > \"$LOGFIFO\"\n");
  ASSERT_TRUE(start(task));
  ASSERT_TRUE(testing::wait_until([&] {
    m_io.run_for(std::chrono::milliseconds(5));
    return !m_messages.empty();
  }));
  EXPECT_EQ(m_messages.front(), "r-1.0-r0 do_t warning first");
  EXPECT_FALSE(m_outcome);
  m_temp.write("work/go", "");
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.exit_code, 0);
  ASSERT_EQ(m_messages.size(), 201u);
  EXPECT_EQ(m_messages.back(), "r-1.0-r0 do_t note n200");
}

TEST_F(TaskMessageChannelTest, AWriterLeftBehindCannotHoldUpTheTasksEnd) {
  // Given a task that leaves a pipeline writing to its channel without end, and exits, its end
  // should still come, after at most the capped messages and the warning that the rest were
  // dropped; once the channel is closed the writer dies of SIGPIPE.
  auto task = plan("yes bbnote | tr '\\n' '\\0' > \"$LOGFIFO\" &\n"
                   "echo $! > writer.pid\n");
  ASSERT_TRUE(start(task));
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.exit_code, 0);
  EXPECT_LE(m_messages.size(), TaskMessageDecoder::k_default_limit / 7 + 1);
  int writer = std::atoi(testing::read_file(m_temp.path() / "work/writer.pid").c_str());
  ASSERT_GT(writer, 0);
  EXPECT_TRUE(testing::wait_until([writer] { return !testing::process_alive(writer); }));
}

TEST_F(TaskMessageChannelTest, ATaskWritingMoreThanTheCapStillEnds) {
  // Given a task that itself writes 2 MiB of messages before it exits, it should not wait on
  // its full channel for ever: it ends, with the capped messages and the warning.
  auto task = plan("yes bbnote 0123456789abcdef | head -c 2097152 | tr '\\n' '\\0' "
                   "> \"$LOGFIFO\"\n");
  ASSERT_TRUE(start(task));
  run_until_done();
  ASSERT_TRUE(m_outcome);
  EXPECT_EQ(m_outcome->status.exit_code, 0);
  ASSERT_FALSE(m_messages.empty());
  EXPECT_THAT(m_messages.back(), HasSubstr("only in its log"));
}

} // namespace
} // namespace bbrun::server::exec
