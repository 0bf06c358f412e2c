// SPDX-License-Identifier: MIT
// The command that runs one failed task again.
#include "client/ui/rerun_command.h"

#include <gtest/gtest.h>

namespace bbrun::client::ui {
namespace {

TEST(RerunCommandTest, NamesTheTaskAndForcesIt) {
  // Given a failed task, the command should run just it, forced.
  EXPECT_EQ(RerunCommand{}.for_task("hello", "do_compile"), "bbrun -c do_compile -f hello");
}

TEST(RerunCommandTest, RepeatsTheBuildDirectoryQuotedForTheShell) {
  // Given --builddir with spaces and a quote, the pasted command should reach the same place.
  RerunCommand rerun{"my build/it's"};
  EXPECT_EQ(rerun.for_task("hello", "do_compile"),
            "bbrun --builddir 'my build/it'\\''s' -c do_compile -f hello");
}

TEST(RerunCommandTest, QuotesOnlyWhatNeedsIt) {
  // Given safe and unsafe words, only the unsafe ones should be quoted.
  EXPECT_EQ(shell_quote("glibc-2.36_x86:64"), "glibc-2.36_x86:64");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a$b"), "'a$b'");
}

} // namespace
} // namespace bbrun::client::ui
