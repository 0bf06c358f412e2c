// SPDX-License-Identifier: MIT
// Status text pieces: elapsed times, bars, cutting to width.
#include "client/ui/progress_text.h"

#include <gtest/gtest.h>

namespace bbrun::client::ui {
namespace {

TEST(ProgressTextTest, ElapsedTimesAreShortAndPadded) {
  // Given durations across units, we should print whole seconds, then minutes, then hours.
  EXPECT_EQ(format_elapsed(-1), "0s");
  EXPECT_EQ(format_elapsed(7.9), "7s");
  EXPECT_EQ(format_elapsed(65), "1m05s");
  EXPECT_EQ(format_elapsed(7380), "2h03m");
}

TEST(ProgressTextTest, BarIsExactlyAsWideAsAsked) {
  // Given a fraction, the bar should fill that share of its inside and keep its width.
  EXPECT_EQ(progress_bar(0.5, 12), "[#####     ]");
  EXPECT_EQ(progress_bar(2.0, 5), "[###]");
  EXPECT_EQ(progress_bar(0.0, 4), "[  ]");
  EXPECT_EQ(progress_bar(0.5, 2), "");
}

TEST(ProgressTextTest, FittingCountsCodePointsNotBytes) {
  // Given UTF-8 text, cutting should count columns and never split a character.
  EXPECT_EQ(display_width("h\xc3\xa9llo"), 5U);
  EXPECT_EQ(fit_to_width("h\xc3\xa9llo", 2), "h\xc3\xa9");
  EXPECT_EQ(fit_to_width("short", 10), "short");
  EXPECT_EQ(fit_to_width("abc", 0), "");
}

} // namespace
} // namespace bbrun::client::ui
