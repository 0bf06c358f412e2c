// SPDX-License-Identifier: MIT
// Tests for path patterns, against glob(3) itself on a real tree.
#include "server/metadata/path_glob.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <glob.h>
#include <unistd.h>

namespace bbrun::server::metadata {
namespace {

using bbrun::testing::TempDir;
namespace fs = std::filesystem;

std::vector<std::string> libc_glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    out.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
  }
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

class PathGlobTest : public ::testing::Test {
protected:
  void SetUp() override {
    for (const char* file :
         {"recipes-core/busybox/busybox_1.36.bb", "recipes-core/busybox/busybox_%.bbappend",
          "recipes-core/busybox/files/defconfig", "recipes-core/.hidden/x.bb",
          "recipes-kernel/linux/linux_6.1.bb", "recipes-kernel/linux/.linux-extra.bb",
          "recipes-kernel/linux/linux[rt].bb", "recipes-kernel/notes.bb", "top.bb",
          "a*b/star.bb"}) {
      m_tmp.write(file, "");
    }
    fs::create_symlink(m_tmp.path() / "recipes-core", m_tmp.path() / "recipes-linked");
    fs::create_symlink(m_tmp.path() / "nowhere.bb", m_tmp.path() / "dangling.bb");
  }
  std::string at(const std::string& pattern) const { return (m_tmp.path() / pattern).string(); }

  TempDir m_tmp;
};

TEST_F(PathGlobTest, MatchesWhatGlobMatches) {
  // Given the patterns layers use and the corners of glob's syntax, over one tree, we should
  // return exactly what glob(3) returns, in bytewise order.
  PathGlob glob;
  for (const char* pattern :
       {"recipes-*/*/*.bb", "recipes-*/*/*.bbappend", "recipes-*/*.bb", "*.bb", "*/*/*",
        "recipes-core/busybox/busybox_1.36.bb", "recipes-core/busybox/missing.bb",
        "recipes-*/busybox/busybox_1.36.bb", "recipes-?ore/*/*_[0-9]*.bb", "recipes-*/.*/*.bb",
        "recipes-kernel/linux/linux\\[rt\\].bb", "a\\*b/*.bb", "recipes-linked/*/*.bb",
        "dangling.bb", "nowhere/*.bb", "top.bb/*.bb", "recipes-[!c]*/linux/*.bb"}) {
    EXPECT_EQ(glob.expand(at(pattern)), libc_glob(at(pattern))) << pattern;
  }
}

TEST_F(PathGlobTest, RelativePatternsAreFromTheWorkingDirectory) {
  // Given a relative pattern, we should look where glob(3) looks: the working directory.
  auto cwd = fs::current_path();
  fs::current_path(m_tmp.path());
  PathGlob glob;
  auto found = glob.expand("recipes-*/*/*.bb");
  auto expected = libc_glob("recipes-*/*/*.bb");
  fs::current_path(cwd);
  EXPECT_EQ(found, expected);
  EXPECT_EQ(found.size(), 4u); // through the link to recipes-core too
}

TEST_F(PathGlobTest, ADirectoryIsListedOncePerGlob) {
  // Given a file added between two expansions by one PathGlob, we should not see it (the
  // listing is kept for the round); a new PathGlob should.
  PathGlob glob;
  auto before = glob.expand(at("recipes-kernel/linux/*.bb"));
  m_tmp.write("recipes-kernel/linux/linux_6.6.bb", "");
  EXPECT_EQ(glob.expand(at("recipes-kernel/linux/*.bb")), before);
  EXPECT_EQ(PathGlob().expand(at("recipes-kernel/linux/*.bb")).size(), before.size() + 1);
}

} // namespace
} // namespace bbrun::server::metadata
