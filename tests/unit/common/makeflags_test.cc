// SPDX-License-Identifier: MIT
// Tests for the MAKEFLAGS parser.
#include "common/makeflags.h"

#include <gtest/gtest.h>

namespace bbrun::common {
namespace {

TEST(MakeFlagsTest, NoJobserverOutsideMake) {
  // Given an empty or jobserver-free MAKEFLAGS, we should find no jobserver and no -j.
  for (auto text : {"", "   ", "s", "-s --no-print-directory"}) {
    auto flags = parse_makeflags(text);
    EXPECT_EQ(flags.jobserver, JobserverKind::none) << text;
    EXPECT_FALSE(flags.jobs) << text;
  }
}

TEST(MakeFlagsTest, PipeFormOfMake43) {
  // Given make 4.3's MAKEFLAGS with single-letter flags first, we should read fds and -j.
  auto flags = parse_makeflags("rs -j3 --jobserver-auth=3,4");
  EXPECT_EQ(flags.jobserver, JobserverKind::pipe);
  EXPECT_EQ(flags.read_fd, 3);
  EXPECT_EQ(flags.write_fd, 4);
  EXPECT_EQ(flags.jobs, 3u);
  EXPECT_EQ(flags.auth, "3,4");
}

TEST(MakeFlagsTest, OlderJobserverFdsName) {
  // Given the pre-4.2 spelling, we should read the same pipe.
  auto flags = parse_makeflags(" -j12 --jobserver-fds=5,6");
  EXPECT_EQ(flags.jobserver, JobserverKind::pipe);
  EXPECT_EQ(flags.read_fd, 5);
  EXPECT_EQ(flags.write_fd, 6);
  EXPECT_EQ(flags.jobs, 12u);
}

TEST(MakeFlagsTest, FifoFormOfMake44) {
  // Given make 4.4's fifo form, we should get the path, with escaped blanks unescaped.
  auto flags = parse_makeflags("-j4 --jobserver-auth=fifo:/tmp/my\\ dir/GMfifo42");
  EXPECT_EQ(flags.jobserver, JobserverKind::fifo);
  EXPECT_EQ(flags.fifo, "/tmp/my dir/GMfifo42");
  EXPECT_EQ(flags.jobs, 4u);
}

TEST(MakeFlagsTest, LastJobserverOptionWins) {
  // Given two jobserver options, the last one should count, whatever its form.
  auto flags = parse_makeflags("-j2 --jobserver-auth=fifo:/x --jobserver-auth=7,8");
  EXPECT_EQ(flags.jobserver, JobserverKind::pipe);
  EXPECT_EQ(flags.read_fd, 7);
  EXPECT_TRUE(flags.fifo.empty());
  flags = parse_makeflags("--jobserver-fds=3,4 --jobserver-auth=fifo:/y");
  EXPECT_EQ(flags.jobserver, JobserverKind::fifo);
  EXPECT_EQ(flags.fifo, "/y");
}

TEST(MakeFlagsTest, JobsAloneAndInLetterClusters) {
  // Given -j in its various spellings, we should read the number, and none for a bare -j.
  EXPECT_EQ(parse_makeflags("-j3").jobs, 3u);
  EXPECT_EQ(parse_makeflags("-sj5").jobs, 5u);
  EXPECT_EQ(parse_makeflags("--jobs=6").jobs, 6u);
  EXPECT_FALSE(parse_makeflags("-j").jobs);
  EXPECT_FALSE(parse_makeflags("-j3 -j").jobs);
  EXPECT_FALSE(parse_makeflags("-j0").jobs);
}

TEST(MakeFlagsTest, OptionArgumentsAreNotFlags) {
  // Given -I and -C with glued arguments that contain a 'j', we should not read a -j.
  auto flags = parse_makeflags("-I/home/joe/j9 -C/srv/j4");
  EXPECT_FALSE(flags.jobs);
}

TEST(MakeFlagsTest, VariablesAfterDoubleDashAreIgnored) {
  // Given command-line variables after " -- ", none of them should be read as an option.
  auto flags = parse_makeflags("k -j2 -- X=--jobserver-auth=9,9 --jobserver-auth=1,2");
  EXPECT_EQ(flags.jobserver, JobserverKind::none);
  EXPECT_EQ(flags.jobs, 2u);
}

TEST(MakeFlagsTest, NegativeFdsAreKeptForTheCallerToRefuse) {
  // Given make's "disabled" marker, we should report the pipe form with negative fds.
  auto flags = parse_makeflags("-j2 --jobserver-auth=-2,-2");
  EXPECT_EQ(flags.jobserver, JobserverKind::pipe);
  EXPECT_EQ(flags.read_fd, -2);
  EXPECT_EQ(flags.write_fd, -2);
}

TEST(MakeFlagsTest, MalformedJobserverValues) {
  // Given jobserver values in neither form, we should say so and keep the text.
  for (auto value : {"", "3", "3,", ",4", "a,b", "3,4,5", "3;4", "fifo:", "99999999999,1"}) {
    auto flags = parse_makeflags(std::string("-j2 --jobserver-auth=") + value);
    EXPECT_EQ(flags.jobserver, JobserverKind::malformed) << value;
    EXPECT_EQ(flags.auth, value);
  }
}

TEST(MakeFlagsTest, TrailingBackslashAndOddBlanks) {
  // Given tabs, newlines and a trailing backslash, parsing should still find the options.
  auto flags = parse_makeflags("\t-j2\n--jobserver-auth=3,4 \\");
  EXPECT_EQ(flags.jobserver, JobserverKind::pipe);
  EXPECT_EQ(flags.jobs, 2u);
}

} // namespace
} // namespace bbrun::common
