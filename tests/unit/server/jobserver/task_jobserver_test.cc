// SPDX-License-Identifier: MIT
// Tests for a build's jobserver: the server's own, in both forms, and a client's.
#include "server/jobserver/task_jobserver.h"
#include "tests/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/ioctl.h>
#include <sys/stat.h>

namespace bbrun::server::jobserver {
namespace {

using ::testing::ElementsAre;

int bytes_waiting(int fd) {
  int count = -1;
  ::ioctl(fd, FIONREAD, &count);
  return count;
}

class TaskJobserverTest : public ::testing::Test {
protected:
  boost::asio::io_context m_io;
  testing::TempDir m_temp;
};

TEST_F(TaskJobserverTest, OwnPipeHoldsOneTokenPerSlotBeyondTheFirst) {
  // Given a build with 3 jobs outside make, the pipe should hold 2 tokens, tasks should get
  // both ends and MAKEFLAGS naming the numbers they have them at, and PARALLELISM=3.
  auto jobserver = TaskJobserver::create(m_io, 3, Style::pipe, m_temp.path() / "unused");
  ASSERT_TRUE(jobserver) << jobserver.error().message;
  auto fds = (*jobserver)->task_fds();
  ASSERT_EQ(fds.size(), 2u);
  EXPECT_EQ(bytes_waiting(fds[0]), 2);
  EXPECT_THAT((*jobserver)->task_environment(3),
              ElementsAre("MAKEFLAGS= -j3 --jobserver-auth=3,4", "PARALLELISM=3"));
  EXPECT_FALSE(std::filesystem::exists(m_temp.path() / "unused"));
}

TEST_F(TaskJobserverTest, OwnFifoIsPrivateAndRemovedAfterTheBuild) {
  // Given the fifo form, the fifo should exist with mode 0600 and 1 token while the build
  // runs, be named in MAKEFLAGS with no fds to inherit, and be gone afterwards.
  auto path = m_temp.path() / "bbrun.jobserver";
  auto jobserver = TaskJobserver::create(m_io, 2, Style::fifo, path);
  ASSERT_TRUE(jobserver) << jobserver.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_TRUE((*jobserver)->task_fds().empty());
  EXPECT_THAT(
      (*jobserver)->task_environment(3),
      ElementsAre("MAKEFLAGS= -j2 --jobserver-auth=fifo:" + path.string(), "PARALLELISM=2"));
  common::UniqueFd peek(::open(path.c_str(), O_RDONLY | O_NONBLOCK));
  EXPECT_EQ(bytes_waiting(peek.get()), 1);
  jobserver->reset();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(TaskJobserverTest, ClientsPipeKeepsMakesJobCount) {
  // Given make's pipe and make's -j4, tasks should be told -j4 whatever the build's jobs.
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  auto jobserver = TaskJobserver::join(
      m_io, MakeJobserver{std::move(pipe->read), std::move(pipe->write), {}, 4, {}}, 2);
  ASSERT_TRUE(jobserver) << jobserver.error().message;
  EXPECT_EQ((*jobserver)->task_fds().size(), 2u);
  EXPECT_THAT((*jobserver)->task_environment(3),
              ElementsAre("MAKEFLAGS= -j4 --jobserver-auth=3,4", "PARALLELISM=4"));
}

TEST_F(TaskJobserverTest, ClientsFifoIsPassedOnByPath) {
  // Given make's fifo (with a blank in its path), tasks should get its path, escaped as make
  // writes it, and no fds.
  auto path = m_temp.path() / "make fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  common::UniqueFd read(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  common::UniqueFd write(::dup(read.get()));
  auto jobserver = TaskJobserver::join(
      m_io, MakeJobserver{std::move(read), std::move(write), path.string(), std::nullopt, {}}, 5);
  ASSERT_TRUE(jobserver) << jobserver.error().message;
  EXPECT_TRUE((*jobserver)->task_fds().empty());
  std::string escaped = m_temp.path().string() + "/make\\ fifo";
  EXPECT_THAT((*jobserver)->task_environment(3),
              ElementsAre("MAKEFLAGS= -j5 --jobserver-auth=fifo:" + escaped, "PARALLELISM=5"));
}

} // namespace
} // namespace bbrun::server::jobserver
