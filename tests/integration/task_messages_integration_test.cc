// SPDX-License-Identifier: MIT
// End to end: what tasks say with bbwarn, bb.warn and friends reaches the build's output.
#include "tests/integration/build_dir_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace bbrun::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* k_talker_recipe = R"bb(
do_shell() {
	bbnote "shell note"
	bbwarn "shell warning"
	echo "plain output stays in the log"
}
addtask shell before do_build

say_from_shell() {
	bbwarn "exec_func warning"
}

python do_python() {
    bb.warn('python warning ', d.getVar('PN'))
    bb.build.exec_func('say_from_shell', d)
}
addtask python after do_shell before do_build

do_fail() {
	bbfatal "cannot go on"
}
addtask fail after do_python before do_build
)bb";

class TaskMessagesIntegrationTest : public BuildDirFixture {};

TEST_F(TaskMessagesIntegrationTest, ShellAndPythonMessagesReachTheOutputNamingTheirTask) {
  // Given shell and python tasks that warn (one through exec_func) and a task that stops with
  // bbfatal, the plain output should show each message as BitBake does, naming the recipe and
  // task; the warnings should also be in the tasks' logs.
  add_recipe("talker_1.0.bb", k_talker_recipe);
  auto result = bbrun({"talker", "--ui", "plain"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("NOTE: talker-1.0-r0 do_shell: shell note\n"));
  EXPECT_THAT(result.out, HasSubstr("WARNING: talker-1.0-r0 do_shell: shell warning\n"));
  EXPECT_THAT(result.out, HasSubstr("WARNING: talker-1.0-r0 do_python: python warning talker\n"));
  EXPECT_THAT(result.out, HasSubstr("WARNING: talker-1.0-r0 do_python: exec_func warning\n"));
  EXPECT_THAT(result.out, HasSubstr("ERROR: talker-1.0-r0 do_fail: cannot go on\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("plain output stays in the log")));
  std::string temp = (workdir("talker") / "temp").string();
  EXPECT_THAT(read_file(temp + "/log.do_shell"), HasSubstr("WARNING: shell warning"));
  EXPECT_THAT(read_file(temp + "/log.do_python"), HasSubstr("WARNING: python warning talker"));
}

TEST_F(TaskMessagesIntegrationTest, JsonEventsNameTheTaskAndComeBeforeItsEnd) {
  // Given the same recipe with --ui json, each message should be a LogMessage with the task's
  // recipe, PF and task, after that task started and before it completed or failed.
  add_recipe("talker_1.0.bb", k_talker_recipe);
  auto result = bbrun({"talker", "--ui", "json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  std::map<std::string, std::string> state; // task -> "started" / "ended"
  size_t task_messages = 0;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    json event = json::parse(line, nullptr, false);
    ASSERT_TRUE(event.is_object()) << line;
    std::string type = event.value("type", "");
    std::string task = event.value("task", "");
    if (type == "TaskStarted") {
      state[task] = "started";
    } else if (type == "TaskCompleted" || type == "TaskFailed") {
      state[task] = "ended";
    } else if (type == "LogMessage" && !task.empty()) {
      ++task_messages;
      EXPECT_EQ(state[task], "started") << line;
      EXPECT_EQ(event.value("recipe", ""), "talker") << line;
      EXPECT_EQ(event.value("pf", ""), "talker-1.0-r0") << line;
    }
  }
  EXPECT_EQ(task_messages, 5u) << result.out;
}

} // namespace
} // namespace bbrun::testing
