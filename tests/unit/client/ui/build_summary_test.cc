// SPDX-License-Identifier: MIT
// What the plain renderer says at the end of a build that did not succeed.
#include "client/ui/renderer.h"
#include "tests/testing/captured_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::client::ui {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string summary_of(const common::protocol::Json& completed) {
  testing::CapturedOutput out;
  auto renderer = make_plain_renderer(out.file(), {0, {}});
  auto event = completed;
  event["type"] = "BuildCompleted";
  event["time"] = 1.0;
  renderer->render(event);
  return out.take();
}

TEST(BuildSummaryTest, StoppedBuildSaysItWasInterrupted) {
  // Given a build that ended without success and without a failed task (Ctrl-C), the summary
  // should say so instead of leaving "all succeeded" as the last word.
  auto text = summary_of({{"success", false}, {"attempted", 2}, {"up_to_date", 1}, {"failed", 0}});
  EXPECT_THAT(text, HasSubstr("WARNING: Execution was interrupted, returning a non-zero exit code."));
}

TEST(BuildSummaryTest, FailedBuildIsNotCalledInterrupted) {
  // Given a build with a failed task, the failure is the story: no word of an interruption.
  auto text = summary_of({{"success", false},
                          {"attempted", 2},
                          {"up_to_date", 1},
                          {"failed", 1},
                          {"failed_tasks", {"a:do_compile"}}});
  EXPECT_THAT(text, HasSubstr("1 failed"));
  EXPECT_THAT(text, Not(HasSubstr("interrupted")));
}

} // namespace
} // namespace bbrun::client::ui
