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

TEST(FieldTest, AbsentOrNullGivesTheFallback) {
  // Given an object without the field, or with null, we should get the fallback.
  Json message = Json::parse(R"({"b": null})");
  EXPECT_EQ(field(message, "a", 7).value(), 7);
  EXPECT_EQ(field<std::string>(message, "b", "x").value(), "x");
}

TEST(FieldTest, IntegersMustBeWholeAndInRange) {
  // Given numbers that nlohmann would silently convert (a fraction, a negative for an unsigned,
  // a float beyond every integer, a value beyond int), we should refuse each.
  Json message = Json::parse(
      R"({"ok": 3, "neg": -1, "frac": 2.5, "huge": 1e300, "big": 99999999999999, "str": "3"})");
  EXPECT_EQ(field<size_t>(message, "ok", 0).value(), 3u);
  EXPECT_EQ(field<int>(message, "neg", 0).value(), -1);
  for (const char* key : {"neg", "frac", "huge", "big", "str"}) {
    EXPECT_FALSE(field<unsigned>(message, key, 0)) << key;
  }
  EXPECT_FALSE(field<int>(message, "big", 0));
  auto error = field<int>(message, "frac", 0);
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message, "\"frac\" must be an integer in range");
}

TEST(FieldTest, BooleansAndStringsMustHaveTheirType) {
  // Given a boolean field holding 1 and a string field holding a number, we should refuse both.
  Json message = Json::parse(R"({"flag": 1, "name": 5, "yes": true, "text": "t"})");
  EXPECT_FALSE(field(message, "flag", false));
  EXPECT_FALSE(field<std::string>(message, "name", ""));
  EXPECT_TRUE(field(message, "yes", false).value());
  EXPECT_EQ(field<std::string>(message, "text", "").value(), "t");
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
