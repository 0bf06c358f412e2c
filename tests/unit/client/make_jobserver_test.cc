// SPDX-License-Identifier: MIT
// Tests for how the client joins (or declines) the enclosing make's jobserver.
#include "client/make_jobserver.h"
#include "tests/testing/temp_dir.h"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

namespace bbrun::client {
namespace {

constexpr const char* k_unavailable =
    "jobserver unavailable: using -j1.  Add '+' to parent make rule.";

std::string pipe_flags(int read_fd, int write_fd) {
  return fmt::format("s -j3 --jobserver-auth={},{}", read_fd, write_fd);
}

TEST(MakeJobserverTest, OutsideMakeThereIsNothingToJoin) {
  // Given no MAKEFLAGS, or one without a jobserver, we should build as usual, silently.
  for (const char* flags : {static_cast<const char*>(nullptr), "", "-s"}) {
    auto context = join_make_jobserver(flags);
    EXPECT_FALSE(context.jobserver);
    EXPECT_FALSE(context.one_job);
    EXPECT_TRUE(context.warning.empty());
  }
}

TEST(MakeJobserverTest, OpenPipesAreJoined) {
  // Given make's pipe really open, we should pass both fds on with make's -j.
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  auto context = join_make_jobserver(pipe_flags(pipe->read.get(), pipe->write.get()).c_str());
  ASSERT_TRUE(context.jobserver);
  EXPECT_EQ(context.jobserver->read_fd, pipe->read.get());
  EXPECT_EQ(context.jobserver->write_fd, pipe->write.get());
  EXPECT_EQ(context.jobserver->jobs, 3u);
  EXPECT_FALSE(context.one_job);
}

TEST(MakeJobserverTest, ClosedFdsMeanAMissingPlus) {
  // Given fds make closed (a recipe line without '+'), we should warn in make's words and
  // run one job.
  int read_fd, write_fd;
  {
    auto pipe = common::make_pipe();
    ASSERT_TRUE(pipe);
    read_fd = pipe->read.get();
    write_fd = pipe->write.get();
  }
  auto context = join_make_jobserver(pipe_flags(read_fd, write_fd).c_str());
  EXPECT_FALSE(context.jobserver);
  EXPECT_TRUE(context.one_job);
  EXPECT_EQ(context.warning, k_unavailable);
}

TEST(MakeJobserverTest, FdsReusedForSomethingElseAreRefused) {
  // Given numbers that now belong to a file, or a pipe's ends swapped, we should refuse them.
  testing::TempDir temp;
  common::UniqueFd file(::open(temp.write("f", "x").c_str(), O_RDWR | O_CLOEXEC));
  auto refused = join_make_jobserver(pipe_flags(file.get(), file.get()).c_str());
  EXPECT_TRUE(refused.one_job);
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  auto swapped = join_make_jobserver(pipe_flags(pipe->write.get(), pipe->read.get()).c_str());
  EXPECT_TRUE(swapped.one_job);
  auto disabled = join_make_jobserver("-j2 --jobserver-auth=-2,-2");
  EXPECT_TRUE(disabled.one_job);
}

TEST(MakeJobserverTest, FifoIsOpenedReadWrite) {
  // Given make 4.4's fifo form, we should open the fifo once and pass that fd as both ends.
  testing::TempDir temp;
  auto path = temp.path() / "GMfifo1";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  auto context = join_make_jobserver(("-j4 --jobserver-auth=fifo:" + path.string()).c_str());
  ASSERT_TRUE(context.jobserver);
  EXPECT_EQ(context.jobserver->fifo, path.string());
  EXPECT_EQ(context.jobserver->read_fd, context.jobserver->fifo_fd.get());
  EXPECT_EQ(context.jobserver->write_fd, context.jobserver->fifo_fd.get());
  EXPECT_EQ(::fcntl(context.jobserver->read_fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

TEST(MakeJobserverTest, MissingFifoOrMalformedAuthRunsOneJob) {
  // Given a fifo that is not there, or an auth string in no known form, we should say so and
  // run one job.
  auto missing = join_make_jobserver("-j4 --jobserver-auth=fifo:/nonexistent/GMfifo");
  EXPECT_TRUE(missing.one_job);
  EXPECT_NE(missing.warning.find("/nonexistent/GMfifo"), std::string::npos);
  auto malformed = join_make_jobserver("-j4 --jobserver-auth=bogus");
  EXPECT_TRUE(malformed.one_job);
  EXPECT_EQ(malformed.warning, "invalid --jobserver-auth string 'bogus': using -j1");
}

} // namespace
} // namespace bbrun::client
