// SPDX-License-Identifier: MIT
// End to end: -e, --getvar and -p against the real server.
#include "tests/integration/build_dir_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class QueryIntegrationTest : public BuildDirFixture {};

TEST_F(QueryIntegrationTest, GetvarPrintsTheExpandedValueAndNothingElse) {
  // Given a recipe value that refers to a configuration value, --getvar should print the
  // expanded value alone, globally or in the recipe, and fail for an unset variable.
  write_local_conf("BAR = \"from-conf\"\n");
  add_recipe("tool_2.1.bb", "FOO = \"${PN}-${PV} uses ${BAR}\"\ndo_x[dirs] = \"${B}/x\"\n"
                            "addtask x\n");
  auto in_recipe = bbrun({"--getvar", "FOO", "-r", "tool"});
  EXPECT_EQ(in_recipe.exit_code, 0) << in_recipe.err;
  EXPECT_EQ(in_recipe.out, "tool-2.1 uses from-conf\n");
  auto global = bbrun({"--getvar", "BAR"});
  EXPECT_EQ(global.out, "from-conf\n");
  auto flag = bbrun({"--getvar", "do_x", "-r", "tool", "--flag", "dirs"});
  EXPECT_EQ(flag.out, (builddir() / "tmp/work/tool-2.1-r0/tool-2.1/x").string() + "\n");
  auto unset = bbrun({"--getvar", "NOT_SET_ANYWHERE"});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_EQ(unset.out, "");
  EXPECT_THAT(unset.err, HasSubstr("NOT_SET_ANYWHERE is not set"));
}

TEST_F(QueryIntegrationTest, EnvironmentPrintsBitbakeForm) {
  // Given exported, escaped and function values, -e RECIPE should print them as BitBake -e.
  add_recipe("env_1.0.bb", R"bb(
export EXPORTED = "yes"
QUOTED = 'say "hi" to $USER and `date` \n'
do_greet() {
	echo hello
}
python do_py() {
    pass
}
addtask greet
)bb");
  auto result = bbrun({"-e", "env"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\nexport EXPORTED=\"yes\"\n"));
  EXPECT_THAT(result.out, HasSubstr("\nQUOTED=\"say \\\"hi\\\" to \\$USER and \\`date\\` \\n\"\n"));
  EXPECT_THAT(result.out, HasSubstr("\ndo_greet() {\n\techo hello\n}\n"));
  EXPECT_THAT(result.out, HasSubstr("\npython do_py () {\n    pass\n}\n"));
  EXPECT_THAT(result.out, HasSubstr("\nPN=\"env\"\n"));
  auto global = bbrun({"-e"});
  ASSERT_EQ(global.exit_code, 0) << global.err;
  EXPECT_THAT(global.out, HasSubstr("\nTOPDIR=\"" + builddir().string() + "\"\n"));
  EXPECT_THAT(global.out, Not(HasSubstr("EXPORTED")));
}

TEST_F(QueryIntegrationTest, ParseOnlyReportsEveryErrorWithFileAndLine) {
  // Given two broken recipes and a good one, -p should name both errors by file:line and exit
  // 1; a build should fail the same way and run nothing.
  add_recipe("good_1.0.bb", "do_x() {\n\ttouch ${TOPDIR}/ran\n}\naddtask x before do_build\n");
  add_recipe("bad1_1.0.bb", "A = \"1\"\n\nB ~= \"2\"\n");
  add_recipe("bad2_1.0.bb", "do_y() {\n\techo never closed\n");
  auto parsed = bbrun({"-p"});
  EXPECT_EQ(parsed.exit_code, 1);
  std::string all = parsed.out + parsed.err;
  EXPECT_THAT(all, HasSubstr("bad1_1.0.bb:3"));
  EXPECT_THAT(all, HasSubstr("bad2_1.0.bb:1"));
  EXPECT_THAT(all, HasSubstr("Parsing of 3 .bb files complete"));

  auto built = bbrun({"good"});
  EXPECT_EQ(built.exit_code, 1);
  EXPECT_THAT(built.out + built.err, HasSubstr("bad1_1.0.bb:3"));
  EXPECT_FALSE(fs::exists(builddir() / "ran"));
}

TEST_F(QueryIntegrationTest, ReadOnlyCommandsAreServedDuringABuildAndBuildsQueue) {
  // Given a build whose task waits, --getvar should still be answered meanwhile, a second
  // build should wait in line, and --no-wait should refuse at once.
  add_recipe("waiter_1.0.bb", R"bb(
WHO = "waiter"
do_wait() {
	touch ${TOPDIR}/waiting
	while [ ! -e ${TOPDIR}/go ]; do sleep 0.05; done
}
addtask wait before do_build
)bb");
  pid_t pid = start_bbrun({"waiter"});
  ASSERT_TRUE(
      wait_until([&] { return fs::exists(builddir() / "waiting"); }, std::chrono::seconds(30)));
  auto during = bbrun({"--getvar", "WHO", "-r", "waiter"}, {}, std::chrono::seconds(20));
  EXPECT_EQ(during.out, "waiter\n");
  // A second build waits in line and is told whose build it waits for; --no-wait refuses.
  auto refused = bbrun({"--no-wait", "waiter"});
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.err, HasSubstr("another build is running"));
  ProcessResult queued;
  std::thread second([&] { queued = bbrun({"waiter"}, {}, std::chrono::seconds(60)); });
  ASSERT_TRUE(wait_until(
      [&] { return bbrun({"--status"}).out.find("1 build waiting") != std::string::npos; }));
  m_temp.write("build/go", "");
  int status = 0;
  ::waitpid(pid, &status, 0);
  second.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(queued.exit_code, 0) << queued.out << queued.err;
  EXPECT_THAT(queued.out,
              HasSubstr("waiting for the build of waiter started by pid " + std::to_string(pid)));
}

} // namespace
} // namespace bbrun::testing
