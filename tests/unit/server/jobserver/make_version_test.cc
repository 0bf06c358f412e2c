// SPDX-License-Identifier: MIT
// Tests for reading make's version and choosing the jobserver form from it.
#include "server/jobserver/make_version.h"

#include <gtest/gtest.h>

namespace bbrun::server::jobserver {
namespace {

TEST(MakeVersionTest, ReadsGnuMakesFirstLine) {
  // Given `make --version` texts of 4.3 and 4.4.1, we should read major and minor.
  auto v43 = parse_make_version("GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu\n");
  ASSERT_TRUE(v43);
  EXPECT_EQ(v43->major, 4);
  EXPECT_EQ(v43->minor, 3);
  auto v441 = parse_make_version("GNU Make 4.4.1\n");
  ASSERT_TRUE(v441);
  EXPECT_EQ(v441->minor, 4);
}

TEST(MakeVersionTest, OtherTextIsNoVersion) {
  // Given something that is not GNU make's banner, we should find no version.
  for (auto text : {"", "make: not found", "GNU Make", "GNU Make x.y", "GNU Make 4", "bmake 2"}) {
    EXPECT_FALSE(parse_make_version(text)) << text;
  }
}

TEST(MakeVersionTest, FifoFormFromMake44On) {
  // Given make 4.3, no make, 4.4 and 5.0, only the last two should get the fifo form.
  EXPECT_EQ(style_for(MakeVersion{4, 3}), Style::pipe);
  EXPECT_EQ(style_for(std::nullopt), Style::pipe);
  EXPECT_EQ(style_for(MakeVersion{4, 4}), Style::fifo);
  EXPECT_EQ(style_for(MakeVersion{5, 0}), Style::fifo);
}

TEST(MakeVersionTest, DetectsTheMakeOnPath) {
  // Given the test machine's make (scripts/setup installs it), we should detect a version.
  auto version = detect_make_version();
  ASSERT_TRUE(version);
  EXPECT_GE(version->major, 4);
}

} // namespace
} // namespace bbrun::server::jobserver
