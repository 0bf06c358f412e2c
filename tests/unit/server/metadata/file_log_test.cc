// SPDX-License-Identifier: MIT
// Tests for the file log that tells whether a parse still holds, on real files.
#include "server/metadata/file_log.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace bbrun::server::metadata {
namespace {

using bbrun::testing::TempDir;

TEST(FileLogTest, UntouchedFilesAreUnchanged) {
  // Given a file read and a path probed in vain, with nothing touched, we should trust both.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  FileLog log;
  log.read(file);
  EXPECT_FALSE(log.probe(dir.path() / "missing.inc"));
  EXPECT_TRUE(log.unchanged());
}

TEST(FileLogTest, SameSizeEditWithinTheSameClockTickIsSeen) {
  // Given an edit that keeps the size, right after the read (the times may not move), we
  // should still see it, through the content.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  FileLog log;
  log.read(file);
  dir.write("a.conf", "A = \"2\"\n");
  EXPECT_FALSE(log.unchanged());
}

TEST(FileLogTest, ATouchedFileWithTheSameContentIsUnchangedAndAnEditIsNot) {
  // Given a file whose times move on with its content kept, we should trust it; given one
  // whose times move with another content of the same size, we should not.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  FileLog log;
  log.read(file, content_hash_of("A = \"1\"\n"));
  auto later = std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5);
  std::filesystem::last_write_time(file, later);
  EXPECT_TRUE(log.unchanged());
  dir.write("a.conf", "A = \"2\"\n");
  std::filesystem::last_write_time(file, later + std::chrono::seconds(5));
  EXPECT_FALSE(log.unchanged());
}

TEST(FileLogTest, TheContentTheParseUsedIsWhatCounts) {
  // Given a parse that used an older text than the file now holds (the round's cache), with
  // the file's times unchanged since, we should see the change.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"2\"\n");
  FileLog log;
  log.read(file, content_hash_of("A = \"1\"\n"));
  EXPECT_FALSE(log.unchanged());
}

TEST(FileLogTest, AFileModifiedASecondBeforeTheReadIsRacyOnlyWithWholeSecondTimes) {
  // Given a file modified a second before it was read and unchanged since, each log recording
  // another text than the file's, we should trust the stat where the file's times keep
  // nanoseconds (an edit since would show), and compare the content, so see the other text,
  // where they keep whole seconds (an edit in the same second would not show).
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  auto second_ago = std::filesystem::file_time_type::clock::now() - std::chrono::seconds(1);
  std::filesystem::last_write_time(file, second_ago);
  FileLog fine;
  fine.read(file, content_hash_of("other text"));
  EXPECT_TRUE(fine.unchanged());
  std::filesystem::last_write_time(file,
                                   std::chrono::time_point_cast<std::chrono::seconds>(second_ago));
  FileLog coarse;
  coarse.read(file, content_hash_of("other text"));
  EXPECT_FALSE(coarse.unchanged());
}

TEST(FileLogTest, SettledContentIsRememberedAcrossRoundsAndRacyContentIsNot) {
  // Given a file modified long ago and one modified just now, both read in a round of checks,
  // we should remember the settled one's content for later rounds (while its stat holds) and
  // read the racy one again next time.
  TempDir dir;
  auto old_file = dir.write("old.conf", "A = \"1\"\n");
  auto new_file = dir.write("new.conf", "B = \"1\"\n");
  std::filesystem::last_write_time(old_file, std::filesystem::file_time_type::clock::now() -
                                                 std::chrono::seconds(10));
  SettledContents settled;
  {
    FileStatCache round(&settled);
    for (const auto& file : {old_file, new_file}) {
      EXPECT_EQ(
          round.content_hash(Symbol(file.string()), round.current(Symbol(file.string()), true)),
          content_hash_of(file == old_file ? "A = \"1\"\n" : "B = \"1\"\n"));
    }
  }
  FileStatCache next(&settled);
  EXPECT_EQ(settled.find(Symbol(old_file.string()), next.current(Symbol(old_file.string()), true)),
            content_hash_of("A = \"1\"\n"));
  EXPECT_EQ(settled.find(Symbol(new_file.string()), next.current(Symbol(new_file.string()), true)),
            std::nullopt);
  // Edited since (same size, times moved): the remembered hash no longer applies.
  dir.write("old.conf", "A = \"2\"\n");
  FileStatCache after_edit(&settled);
  EXPECT_EQ(
      settled.find(Symbol(old_file.string()), after_edit.current(Symbol(old_file.string()), true)),
      std::nullopt);
}

TEST(FileLogTest, ARacyFileEditedUnseenIsCaughtInEveryRound) {
  // Given a log of a file read right after it was written, checked in rounds sharing what
  // settled, we should see a later same-size edit whichever round looks.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  FileLog log;
  log.read(file);
  SettledContents settled;
  FileStatCache first(&settled);
  EXPECT_TRUE(log.unchanged(&first));
  dir.write("a.conf", "A = \"2\"\n");
  FileStatCache second(&settled);
  EXPECT_FALSE(log.unchanged(&second));
}

TEST(FileLogTest, AFileAppearingWhereNoneWasIsAChange) {
  TempDir dir;
  FileLog log;
  EXPECT_FALSE(log.probe(dir.path() / "classes" / "extra.bbclass"));
  dir.write("classes/extra.bbclass", "X = \"1\"\n");
  EXPECT_FALSE(log.unchanged());
}

TEST(FileLogTest, ARemovedFileIsAChange) {
  TempDir dir;
  auto file = dir.write("r.bb", "A = \"1\"\n");
  FileLog log;
  log.read(file);
  std::filesystem::remove(file);
  EXPECT_FALSE(log.unchanged());
}

TEST(FileLogTest, ProbedFileThatStaysIsUnchangedWhateverItsContent) {
  // Given a path only checked for existence, we should not care about its content.
  TempDir dir;
  auto file = dir.write("layer/conf/bitbake.conf", "A = \"1\"\n");
  FileLog log;
  EXPECT_TRUE(log.probe(file));
  dir.write("layer/conf/bitbake.conf", "A = \"22\"\n");
  EXPECT_TRUE(log.unchanged());
}

TEST(FileLogTest, LogsOfTheSameTextHaveTheSameContentWhenever) {
  // Given two logs of the same files taken apart, the file touched in between, we should find
  // them the same; given the text edited, or a probed path appearing, we should not.
  TempDir dir;
  auto file = dir.write("a.conf", "A = \"1\"\n");
  auto missing = dir.path() / "b.conf";
  auto log_now = [&] {
    FileLog log;
    log.read(file);
    log.probe(missing);
    return log;
  };
  FileLog first = log_now();
  std::filesystem::last_write_time(file, std::filesystem::file_time_type::clock::now() +
                                             std::chrono::seconds(5));
  EXPECT_TRUE(first.same_content(log_now()));
  dir.write("a.conf", "A = \"2\"\n");
  EXPECT_FALSE(first.same_content(log_now()));
  dir.write("a.conf", "A = \"1\"\n");
  dir.write("b.conf", "");
  EXPECT_FALSE(first.same_content(log_now()));
}

} // namespace
} // namespace bbrun::server::metadata
