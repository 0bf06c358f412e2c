// SPDX-License-Identifier: MIT
// End to end: task ordering, parallelism, flags and options of the runqueue, with real tasks
// that log when they start and end.
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/job_log.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <sys/wait.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// A task body that appends "start LABEL TIME" and "end LABEL TIME" around `sleep SECONDS`.
std::string timed_body(const std::string& label, double seconds) {
  return fmt::format("\techo \"start {0} $(date +%s.%N)\" >> ${{TOPDIR}}/times.log\n"
                     "\tsleep {1}\n"
                     "\techo \"end {0} $(date +%s.%N)\" >> ${{TOPDIR}}/times.log\n",
                     label, seconds);
}

class RunqueueIntegrationTest : public BuildDirFixture {
protected:
  std::map<std::string, Interval> intervals() const {
    return read_job_log(builddir() / "times.log");
  }
  size_t peak_concurrency() const { return testing::peak_concurrency(builddir() / "times.log"); }
  // Recipes w0..w{n-1}, each one task sleeping `seconds`, and `all` depending on them.
  void add_wide_recipes(int count, double seconds) {
    std::string all_depends;
    for (int i = 0; i < count; ++i) {
      std::string name = fmt::format("w{}", i);
      add_recipe(name + "_1.0.bb",
                 "do_work() {\n" + timed_body(name, seconds) + "}\naddtask work before do_build\n");
      all_depends += " " + name;
    }
    add_recipe("all_1.0.bb",
               "DEPENDS = \"" + all_depends + "\"\ndo_build[deptask] = \"do_build\"\n");
  }
};

TEST_F(RunqueueIntegrationTest, NeverMoreThanJobsTasksAtOnce) {
  // Given six independent 0.3 s tasks, -j 2 should run exactly two at a time at its peak.
  add_wide_recipes(6, 0.3);
  auto result = bbrun({"-j", "2", "all"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(intervals().size(), 6u);
  EXPECT_EQ(peak_concurrency(), 2u);
}

TEST_F(RunqueueIntegrationTest, DependenciesFinishBeforeDependentsStart) {
  // Given app DEPENDS on lib with do_configure[deptask] = "do_install", lib's install should
  // end before app's configure starts, and each recipe's tasks should run in addtask order.
  std::string tasks = "addtask configure\naddtask compile after do_configure\n"
                      "addtask install after do_compile before do_build\n"
                      "do_configure[deptask] = \"do_install\"\n";
  for (const std::string name : {"lib", "app"}) {
    std::string recipe = name == "app" ? "DEPENDS = \"lib\"\n" : "";
    for (const std::string task : {"configure", "compile", "install"}) {
      recipe += "do_" + task + "() {\n" + timed_body(name + "." + task, 0.05) + "}\n";
    }
    add_recipe(name + "_1.0.bb", recipe + tasks);
  }
  auto result = bbrun({"-j", "4", "app"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto times = intervals();
  ASSERT_EQ(times.size(), 6u);
  EXPECT_LE(times["lib.install"].end, times["app.configure"].start);
  EXPECT_LE(times["lib.configure"].end, times["lib.compile"].start);
  EXPECT_LE(times["app.compile"].end, times["app.install"].start);
}

TEST_F(RunqueueIntegrationTest, LockfilesSerialiseTasks) {
  // Given two tasks of different recipes sharing a [lockfiles] entry, they should never
  // overlap even with free slots.
  for (const std::string name : {"a", "b"}) {
    add_recipe(name + "_1.0.bb", "do_work() {\n" + timed_body(name, 0.3) +
                                     "}\ndo_work[lockfiles] = \"${TOPDIR}/shared.lock\"\n"
                                     "addtask work before do_build\n");
  }
  add_recipe("all_1.0.bb", "DEPENDS = \"a b\"\ndo_build[deptask] = \"do_build\"\n");
  auto result = bbrun({"-j", "2", "all"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(peak_concurrency(), 1u);
}

TEST_F(RunqueueIntegrationTest, KeepGoingRunsWhatDoesNotDependOnAFailure) {
  // Given a failing recipe, one that depends on it and one that does not, -k should run the
  // independent one, skip the dependent one, and exit 1 naming the failure.
  add_recipe("bad_1.0.bb", "do_work() {\n\texit 1\n}\naddtask work before do_build\n");
  add_recipe("needsbad_1.0.bb", "DEPENDS = \"bad\"\ndo_work[deptask] = \"do_build\"\n"
                                "do_work() {\n\ttouch ${TOPDIR}/needsbad.ran\n}\n"
                                "addtask work before do_build\n");
  add_recipe("fine_1.0.bb", "do_work() {\n\tsleep 0.3\n\ttouch ${TOPDIR}/fine.ran\n}\n"
                            "addtask work before do_build\n");
  add_recipe("all_1.0.bb", "DEPENDS = \"needsbad fine\"\ndo_build[deptask] = \"do_build\"\n");
  auto result = bbrun({"-k", "-j", "1", "all"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(fs::exists(builddir() / "fine.ran"));
  EXPECT_FALSE(fs::exists(builddir() / "needsbad.ran"));
  EXPECT_THAT(result.out, HasSubstr("needsbad:do_work: Skipped"));
  EXPECT_THAT(result.out, HasSubstr("Summary: 1 task failed:\n  bad:do_work"));
}

TEST_F(RunqueueIntegrationTest, ForceRerunsTheTaskAndLaterBuildsRerunWhatFollows) {
  // Given a finished build, -f -c compile should rerun compile alone, and the next plain build
  // should rerun install, which now predates compile.
  add_recipe("app_1.0.bb", "do_compile() {\n\techo c >> ${TOPDIR}/runs.log\n}\n"
                           "do_install() {\n\techo i >> ${TOPDIR}/runs.log\n}\n"
                           "addtask compile\naddtask install after do_compile before do_build\n");
  ASSERT_EQ(bbrun({"app"}).exit_code, 0);
  auto forced = bbrun({"-f", "-c", "compile", "app"});
  ASSERT_EQ(forced.exit_code, 0) << forced.out;
  EXPECT_EQ(read_file(builddir() / "runs.log"), "c\ni\nc\n");
  ASSERT_EQ(bbrun({"app"}).exit_code, 0);
  EXPECT_EQ(read_file(builddir() / "runs.log"), "c\ni\nc\ni\n");
  ASSERT_EQ(bbrun({"app"}).exit_code, 0);
  EXPECT_EQ(read_file(builddir() / "runs.log"), "c\ni\nc\ni\n");
}

TEST_F(RunqueueIntegrationTest, DryRunListsWhatWouldRunAndRunsNothing) {
  // Given a fresh recipe, -n should list its tasks in order, run none and record no stamp.
  add_recipe("app_1.0.bb", "do_compile() {\n\ttouch ${TOPDIR}/compiled\n}\n"
                           "addtask compile before do_build\n");
  auto dry = bbrun({"-n", "app"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("Running task 1 of 2 (app:do_compile)"));
  EXPECT_FALSE(fs::exists(builddir() / "compiled"));
  auto real = bbrun({"app"});
  EXPECT_THAT(real.out, HasSubstr("Running task 1 of 2 (app:do_compile)"));
  EXPECT_TRUE(fs::exists(builddir() / "compiled"));
}

TEST_F(RunqueueIntegrationTest, CycleIsReportedWithItsPath) {
  // Given tasks that wait for each other, the build should fail naming the whole cycle.
  add_recipe("loop_1.0.bb", "do_a() {\n\t:\n}\ndo_b() {\n\t:\n}\n"
                            "addtask a after do_b\naddtask b after do_a before do_build\n");
  auto result = bbrun({"loop"});
  EXPECT_EQ(result.exit_code, 1);
  std::string all = result.out + result.err;
  EXPECT_THAT(all, HasSubstr("cycle"));
  EXPECT_TRUE(all.find("loop:do_a -> loop:do_b -> loop:do_a") != std::string::npos ||
              all.find("loop:do_b -> loop:do_a -> loop:do_b") != std::string::npos)
      << all;
}

TEST_F(RunqueueIntegrationTest, TenThousandTaskChainBuilds) {
  // Given a chain of 10,000 dependent tasks (noexec but the last), the build should finish:
  // no walk of the graph may recurse.
  std::string recipe = "addtask t0\ndo_t0[noexec] = \"1\"\n";
  for (int i = 1; i < 10000; ++i) {
    recipe += fmt::format("addtask t{} after do_t{}\ndo_t{}[noexec] = \"1\"\n", i, i - 1, i);
  }
  recipe += "do_last() {\n\ttouch ${TOPDIR}/last.ran\n}\naddtask last after do_t9999 before "
            "do_build\n";
  add_recipe("deep_1.0.bb", recipe);
  auto result = bbrun({"deep"}, {}, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err << result.out.substr(0, 2000);
  EXPECT_TRUE(fs::exists(builddir() / "last.ran"));
  EXPECT_THAT(result.out, HasSubstr("Attempted 10002 tasks"));
}

TEST_F(RunqueueIntegrationTest, TaskKilledBySignalIsNamed) {
  // Given a task that is killed by SIGKILL, the failure should name the signal.
  add_recipe("victim_1.0.bb", "do_die() {\n\tkill -KILL $$\n}\naddtask die before do_build\n");
  auto result = bbrun({"victim"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("victim:do_die: Failed: killed by SIGKILL"));
}

TEST_F(RunqueueIntegrationTest, FirstInterruptFinishesRunningTasksSecondStopsThem) {
  // Given a build whose first task waits, one SIGINT to the client should let that task finish
  // and start nothing more; in a second build, two SIGINTs should kill the running task.
  add_recipe("slow_1.0.bb", R"bb(
do_first() {
	echo $$ > ${TOPDIR}/first.pid
	while [ ! -e ${TOPDIR}/go ]; do sleep 0.05; done
	touch ${TOPDIR}/first.done
}
do_second() {
	touch ${TOPDIR}/second.ran
}
addtask first
addtask second after do_first before do_build
do_first[nostamp] = "1"
)bb");
  for (int interrupts : {1, 2}) {
    fs::remove(builddir() / "first.pid");
    fs::remove(builddir() / "go");
    pid_t client = start_bbrun({"slow"});
    ASSERT_TRUE(wait_until([&] { return !read_file(builddir() / "first.pid").empty(); },
                           std::chrono::seconds(30)));
    int task = std::atoi(read_file(builddir() / "first.pid").c_str());
    for (int i = 0; i < interrupts; ++i) {
      ::kill(client, SIGINT);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (interrupts == 1) {
      EXPECT_TRUE(process_alive(task)) << "one interrupt must not kill running tasks";
      m_temp.write("build/go", "");
    } else {
      EXPECT_TRUE(wait_until([&] { return !process_alive(task); }));
    }
    int status = 0;
    ::waitpid(client, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    EXPECT_EQ(fs::exists(builddir() / "first.done"), interrupts == 1);
    EXPECT_FALSE(fs::exists(builddir() / "second.ran"));
    fs::remove(builddir() / "first.done");
  }
}

TEST_F(RunqueueIntegrationTest, GraphvizWritesTheTaskEdges) {
  // Given two dependent tasks, -g should write task-depends.dot with that edge.
  add_recipe("app_1.0.bb", "do_compile() {\n\t:\n}\naddtask compile before do_build\n");
  auto result = bbrun({"-g", "app"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string dot = read_file(builddir() / "task-depends.dot");
  EXPECT_THAT(dot, HasSubstr("digraph depends {"));
  EXPECT_THAT(dot, HasSubstr("\"app.do_build\" -> \"app.do_compile\""));
}

} // namespace
} // namespace bbrun::testing
