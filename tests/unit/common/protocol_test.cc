// SPDX-License-Identifier: MIT
// Tests for command parsing and message construction.
#include "common/protocol.h"

#include <gtest/gtest.h>

namespace bbrun::common::protocol {
namespace {

struct BadCommand {
  std::string line;
  std::string expected_message;
};

class ParseCommandRejectsTest : public ::testing::TestWithParam<BadCommand> {};

TEST_P(ParseCommandRejectsTest, SaysWhatIsWrong) {
  // Given a malformed command line, we should get a protocol error that says why.
  auto command = parse_command(GetParam().line);
  ASSERT_FALSE(command);
  EXPECT_EQ(command.error().kind, ErrorKind::protocol);
  EXPECT_NE(command.error().message.find(GetParam().expected_message), std::string::npos)
      << command.error().message;
}

INSTANTIATE_TEST_SUITE_P(Malformed, ParseCommandRejectsTest,
                         ::testing::Values(BadCommand{"not json", "not valid JSON"},
                                           BadCommand{"[1, 2]", "must be a JSON object"},
                                           BadCommand{"{}", "string \"command\""},
                                           BadCommand{R"({"command": 7})", "string \"command\""},
                                           BadCommand{R"({"command": "build", "args": {}})",
                                                      "must be an array"},
                                           BadCommand{"{\"command\": \"x\"", "not valid JSON"}));

TEST(ParseCommandTest, NameAndArgs) {
  // Given a well-formed command, we should get its name and arguments.
  auto command = parse_command(R"({"command": "build", "args": [{"targets": ["hello"]}]})");
  ASSERT_TRUE(command);
  EXPECT_EQ(command->name, "build");
  ASSERT_EQ(command->args.size(), 1u);
  EXPECT_EQ(command->args[0]["targets"][0], "hello");
}

TEST(ParseCommandTest, MissingArgsIsAnEmptyArray) {
  // Given a command without "args", we should treat it as no arguments.
  auto command = parse_command(R"({"command": "status"})");
  ASSERT_TRUE(command);
  EXPECT_TRUE(command->args.is_array());
  EXPECT_TRUE(command->args.empty());
}

TEST(MakeEventTest, CarriesTypeAndMonotonicTime) {
  // Given two events made in order, we should see their type and non-decreasing times.
  auto first = make_event(event::task_started, {{"task", "do_compile"}});
  auto second = make_event(event::task_completed);
  EXPECT_EQ(first["type"], "TaskStarted");
  EXPECT_EQ(first["task"], "do_compile");
  EXPECT_LE(first["time"].get<double>(), second["time"].get<double>());
}

TEST(RepliesTest, OkAndError) {
  // Given the reply helpers, we should get SPEC's two shapes.
  EXPECT_EQ(ok_reply({{"pid", 1}}), (Json{{"ok", true}, {"pid", 1}}));
  EXPECT_EQ(error_reply("no"), (Json{{"ok", false}, {"error", "no"}}));
}

} // namespace
} // namespace bbrun::common::protocol
