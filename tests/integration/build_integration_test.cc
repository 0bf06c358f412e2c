// SPDX-License-Identifier: MIT
// End to end: the real bbrun starts the real bbrun-server, which parses and runs real tasks.
#include "tests/integration/build_dir_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* k_hello_recipe = R"bb(
GREETING ?= "hello from a test"

do_compile() {
	echo "${GREETING}" > greeting.txt
	echo "compiled in $(pwd)"
}
do_compile[cleandirs] = "${B}"
addtask compile

do_install() {
	install -d ${D}/share
	cp ${B}/greeting.txt ${D}/share/greeting.txt
}
addtask install after do_compile

do_hello() {
	echo "ran at $(date +%s%N)" >> ${WORKDIR}/hello.count
}
do_hello[nostamp] = "1"
addtask hello after do_install before do_build
)bb";

class BuildIntegrationTest : public BuildDirFixture {};

TEST_F(BuildIntegrationTest, HelloBuildsThroughAStartedServer) {
  // Given no server, `bbrun hello` should start one, run the tasks, and leave logs and scripts.
  add_recipe("hello_1.0.bb", k_hello_recipe);
  auto result = bbrun({"hello"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("Running task 1 of 4 (hello:do_compile)"));
  EXPECT_THAT(result.out, HasSubstr("hello:do_hello: Succeeded"));

  int pid = server_pid();
  EXPECT_TRUE(process_alive(pid)) << "the server should outlive the client";
  EXPECT_EQ(read_file(workdir("hello") / "image/share/greeting.txt"), "hello from a test\n");

  fs::path temp = workdir("hello") / "temp";
  ASSERT_TRUE(fs::is_symlink(temp / "log.do_compile"));
  fs::path log = temp / fs::read_symlink(temp / "log.do_compile");
  EXPECT_THAT(log.filename().string(), ::testing::StartsWith("log.do_compile."));
  EXPECT_THAT(read_file(log),
              HasSubstr("compiled in " + (workdir("hello") / "hello-1.0").string()));
  std::string pid_suffix = log.filename().string().substr(std::string("log.do_compile.").size());
  std::string script = read_file(temp / ("run.do_compile." + pid_suffix));
  EXPECT_THAT(script, HasSubstr("do_compile() {"));
  EXPECT_THAT(script, HasSubstr("echo \"hello from a test\" > greeting.txt"));
}

TEST_F(BuildIntegrationTest, SecondBuildReusesTheServerAndSkipsUpToDateTasks) {
  // Given a finished build, a second `bbrun hello` should talk to the same server, rerun only
  // the nostamp task, and say how many tasks did not need to run.
  add_recipe("hello_1.0.bb", k_hello_recipe);
  ASSERT_EQ(bbrun({"hello"}).exit_code, 0);
  int first_pid = server_pid();
  auto second = bbrun({"hello"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(server_pid(), first_pid);
  EXPECT_THAT(second.out, ::testing::Not(HasSubstr("hello:do_compile")));
  EXPECT_THAT(second.out, HasSubstr("Running task 1 of 2 (hello:do_hello)"));
  EXPECT_THAT(second.out, HasSubstr("Attempted 4 tasks of which 2 didn't need to be rerun"));
  std::string count = read_file(workdir("hello") / "hello.count");
  EXPECT_EQ(std::count(count.begin(), count.end(), '\n'), 2);
}

TEST_F(BuildIntegrationTest, ChangedTaskInputRerunsIt) {
  // Given a finished build, changing a value a task uses should rerun it and its dependents.
  add_recipe("hello_1.0.bb", k_hello_recipe);
  ASSERT_EQ(bbrun({"hello"}).exit_code, 0);
  write_local_conf("GREETING = \"changed\"\n");
  auto result = bbrun({"hello"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("(hello:do_compile)"));
  EXPECT_THAT(result.out, HasSubstr("(hello:do_install)"));
  EXPECT_EQ(read_file(workdir("hello") / "image/share/greeting.txt"), "changed\n");
}

TEST_F(BuildIntegrationTest, ATaskRunAgainAfterItsRecipeChangedRunsAsItIsNow) {
  // Given a task run once by a warm server, then its [dirs] edited (which leaves its signature
  // alone), forcing it again should run it in the new directory, not as it was planned before.
  auto recipe = [](const std::string& dir) {
    return "do_where() {\n\tpwd > ${WORKDIR}/where.txt\n}\ndo_where[dirs] = \"${WORKDIR}/" + dir +
           "\"\naddtask where before do_build\n";
  };
  add_recipe("here_1.0.bb", recipe("one"));
  ASSERT_EQ(bbrun({"here"}).exit_code, 0);
  EXPECT_EQ(read_file(workdir("here") / "where.txt"), (workdir("here") / "one").string() + "\n");
  add_recipe("here_1.0.bb", recipe("two"));
  auto again = bbrun({"-f", "-c", "where", "here"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(read_file(workdir("here") / "where.txt"), (workdir("here") / "two").string() + "\n");
}

TEST_F(BuildIntegrationTest, FailingTaskExitsOneAndKeepsItsLog) {
  // Given a task that fails, bbrun should exit 1, show the log's tail and path, not run what
  // depends on it, and keep the log.
  add_recipe("broken_1.0.bb", R"bb(
do_compile() {
	echo "about to fail"
	exit 3
}
addtask compile before do_build
)bb");
  auto result = bbrun({"broken"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("ERROR: broken:do_compile: Failed: exit code 3"));
  EXPECT_THAT(result.out, HasSubstr("| about to fail"));
  EXPECT_THAT(result.out, HasSubstr("1 failed"));
  fs::path link = workdir("broken") / "temp" / "log.do_compile";
  ASSERT_TRUE(fs::exists(link));
  EXPECT_THAT(result.out, HasSubstr("Logfile of failure stored in: " +
                                    (link.parent_path() / fs::read_symlink(link)).string()));
  EXPECT_THAT(read_file(link), HasSubstr("about to fail"));
  // A failed task is never up to date: it runs again.
  auto again = bbrun({"broken"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.out, HasSubstr("Running task 1 of 2 (broken:do_compile)"));
}

TEST_F(BuildIntegrationTest, TaskFlagsShapeTheTaskProcess) {
  // Given [umask], [dirs] and [cleandirs], the task should see its umask, run in the last dir,
  // and find the cleaned dir empty.
  add_recipe("flags_1.0.bb", R"bb(
do_work() {
	touch ${WORKDIR}/made-by-task
	pwd > ${WORKDIR}/cwd.txt
	ls -A ${WORKDIR}/clean > ${WORKDIR}/clean.txt
}
do_work[umask] = "077"
do_work[dirs] = "${WORKDIR}/first ${WORKDIR}/second"
do_work[cleandirs] = "${WORKDIR}/clean"
addtask work before do_build
)bb");
  fs::create_directories(workdir("flags") / "clean");
  m_temp.write("build/tmp/work/flags-1.0-r0/clean/stale", "old");
  auto result = bbrun({"flags"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  struct stat st {};
  ASSERT_EQ(::stat((workdir("flags") / "made-by-task").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(read_file(workdir("flags") / "cwd.txt"), (workdir("flags") / "second").string() + "\n");
  EXPECT_TRUE(fs::is_directory(workdir("flags") / "first"));
  EXPECT_EQ(read_file(workdir("flags") / "clean.txt"), "");
}

TEST_F(BuildIntegrationTest, UnknownTargetIsAnError) {
  // Given a target nobody provides, bbrun should say so and exit 1.
  add_recipe("hello_1.0.bb", k_hello_recipe);
  auto result = bbrun({"nosuchrecipe"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out + result.err, HasSubstr("Nothing PROVIDES 'nosuchrecipe'"));
}

} // namespace
} // namespace bbrun::testing
