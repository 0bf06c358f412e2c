// SPDX-License-Identifier: MIT
// Shared-state objects: deterministic packing, faithful and atomic unpacking.
#include "server/sstate/archive.h"
#include "server/sstate/settings.h"
#include "tests/testing/temp_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace bbrun::server::sstate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_temp.write("out/usr/bin/tool", "#!/bin/sh\n");
    fs::permissions(m_temp.path() / "out/usr/bin/tool", fs::perms(0755));
    m_temp.write("out/" + std::string(120, 'd') + "/" + std::string(150, 'f'), "deep\n");
    fs::create_symlink("usr/bin/tool", m_temp.path() / "out/link");
    fs::create_directories(m_temp.path() / "out/empty");
  }
  std::vector<OutputDir> outputs(const std::string& dir) const {
    return {{"${D}", m_temp.path() / dir}};
  }

  testing::TempDir m_temp;
};

TEST_F(ArchiveTest, SameOutputsMakeTheSameObject) {
  // Given the same tree packed twice (and touched in between), we should get identical bytes.
  auto first = pack_outputs(outputs("out"), m_temp.path() / "a.tar.zst");
  fs::last_write_time(m_temp.path() / "out/link", fs::file_time_type::clock::now());
  auto second = pack_outputs(outputs("out"), m_temp.path() / "b.tar.zst");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->sha256, second->sha256);
  EXPECT_EQ(first->outhash, second->outhash);
}

TEST_F(ArchiveTest, UnpackRestoresNamesModesLinksAndReplacesTheOldTree) {
  // Given an object and a stale output directory, we should end with exactly the packed tree.
  auto packed = pack_outputs(outputs("out"), m_temp.path() / "o.tar.zst");
  ASSERT_TRUE(packed);
  m_temp.write("restored/stale", "old\n");
  auto unpacked = unpack_object(m_temp.path() / "o.tar.zst", packed->sha256, outputs("restored"));
  ASSERT_TRUE(unpacked) << unpacked.error().message;
  auto restored = m_temp.path() / "restored";
  EXPECT_FALSE(fs::exists(restored / "stale"));
  EXPECT_EQ(testing::read_file(restored / std::string(120, 'd') / std::string(150, 'f')), "deep\n");
  EXPECT_EQ(fs::read_symlink(restored / "link"), "usr/bin/tool");
  EXPECT_EQ(fs::status(restored / "usr/bin/tool").permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_TRUE(fs::is_directory(restored / "empty"));
  auto repacked = pack_outputs(outputs("restored"), m_temp.path() / "r.tar.zst");
  ASSERT_TRUE(repacked);
  EXPECT_EQ(repacked->outhash, packed->outhash);
}

TEST_F(ArchiveTest, CorruptObjectLeavesTheOutputsAlone) {
  // Given a damaged object, we should fail and keep the existing outputs and no temporary dir.
  auto object = m_temp.path() / "o.tar.zst";
  auto packed = pack_outputs(outputs("out"), object);
  ASSERT_TRUE(packed);
  {
    std::fstream file(object, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(30);
    file.write("\xff\xff\xff\xff", 4);
  }
  m_temp.write("restored/keep", "mine\n");
  auto unpacked = unpack_object(object, packed->sha256, outputs("restored"));
  EXPECT_FALSE(unpacked);
  EXPECT_EQ(testing::read_file(m_temp.path() / "restored/keep"), "mine\n");
  size_t entries = std::distance(fs::directory_iterator(m_temp.path()), fs::directory_iterator());
  EXPECT_EQ(entries, 3u) << "out, o.tar.zst and restored only";
}

TEST_F(ArchiveTest, WrongChecksumIsRefused) {
  // Given an intact object but another expected checksum, we should refuse it.
  auto packed = pack_outputs(outputs("out"), m_temp.path() / "o.tar.zst");
  ASSERT_TRUE(packed);
  auto unpacked =
      unpack_object(m_temp.path() / "o.tar.zst", std::string(64, '0'), outputs("restored"));
  ASSERT_FALSE(unpacked);
  EXPECT_THAT(unpacked.error().message, HasSubstr("checksum mismatch"));
  EXPECT_FALSE(fs::exists(m_temp.path() / "restored"));
}

TEST(SstateSettingsTest, MirrorsInBitBakeSyntax) {
  // Given BitBake's SSTATE_MIRRORS with "\n" separators and an http mirror, we should keep the
  // file:// directories without /PATH and warn about the rest.
  std::vector<std::string> warnings;
  auto mirrors = parse_mirrors(
      "file://.* file:///srv/a/PATH \\n file://.* http://example/sstate/PATH;downloadfilename=PATH "
      "\\n file://.* file:///srv/b",
      warnings);
  EXPECT_THAT(mirrors, ElementsAre(fs::path("/srv/a"), fs::path("/srv/b")));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("only file:// mirrors"));
}

} // namespace
} // namespace bbrun::server::sstate
