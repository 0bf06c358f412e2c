// SPDX-License-Identifier: MIT
// The footer's contents, worked out from events.
#include "client/ui/live_status.h"
#include "client/ui/progress_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::client::ui {
namespace {

using common::protocol::Json;
using ::testing::ElementsAre;

Json event(std::string_view type, double time, Json fields = Json::object()) {
  fields["type"] = type;
  fields["time"] = time;
  return fields;
}

Json task(std::string_view type, double time, const std::string& recipe, size_t number = 0) {
  return event(type, time,
               {{"recipe", recipe}, {"task", "do_compile"}, {"number", number}, {"total", 4}});
}

TEST(LiveStatusTest, ParsingShowsCountTotalAndRate) {
  // Given 30 of 60 recipes parsed in 3 seconds, the bar should be half full and say 10/s.
  LiveStatus status;
  status.update(event("ParseStarted", 10, {{"total", 60}}));
  status.update(event("ParseProgress", 13, {{"current", 30}, {"total", 60}}));
  EXPECT_THAT(status.lines(13, {43, 24}),
              ElementsAre("Parsing recipes [#####     ] 30 of 60 10/s"));
}

TEST(LiveStatusTest, BuildShowsProgressAndRunningTasksOldestFirst) {
  // Given two running tasks and one finished, the footer should count them and show each
  // running task with its elapsed time.
  LiveStatus status;
  status.update(task("TaskStarted", 100, "a", 1));
  status.update(task("TaskStarted", 101, "b", 2));
  status.update(task("TaskStarted", 102, "c", 3));
  status.update(task("TaskCompleted", 103, "b"));
  EXPECT_THAT(status.lines(165, {80, 24}),
              ElementsAre(::testing::StartsWith("Running tasks (3 of 4) [#####"),
                          "   1m05s  a:do_compile", "   1m03s  c:do_compile"));
}

TEST(LiveStatusTest, EveryLineFitsTheWidth) {
  // Given a narrow terminal and a long task name, no line should reach the last column.
  LiveStatus status;
  status.update(task("TaskStarted", 0, std::string(100, 'r'), 1));
  for (const auto& line : status.lines(0, {20, 24})) {
    EXPECT_LE(display_width(line), 19U) << line;
  }
}

TEST(LiveStatusTest, TooManyTasksForTheHeightAreSummed) {
  // Given 8 running tasks on a 10-row terminal, the footer should use at most 5 rows.
  LiveStatus status;
  for (size_t i = 1; i <= 8; ++i) {
    status.update(task("TaskStarted", 0, "r" + std::to_string(i), i));
  }
  auto lines = status.lines(0, {80, 10});
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_EQ(lines.back(), "  ... and 5 more");
}

TEST(LiveStatusTest, NothingShowsOnceTheBuildCompleted) {
  // Given a finished build, the footer should be empty.
  LiveStatus status;
  status.update(task("TaskStarted", 0, "a", 1));
  status.update(event("BuildCompleted", 1, {{"success", true}}));
  EXPECT_TRUE(status.lines(1, {80, 24}).empty());
}

} // namespace
} // namespace bbrun::client::ui
