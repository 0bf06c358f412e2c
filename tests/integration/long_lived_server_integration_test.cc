// SPDX-License-Identifier: MIT
// End to end: one server serving many commands for a long time, and recovering from SIGKILL.
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/proc_inspect.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <regex>
#include <sys/wait.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A recipe whose do_compile records its shell's pid, starts a child in its process group, and
// waits for the file `go` in the build directory.
constexpr const char* k_waiting_recipe = R"bb(do_compile() {
	sleep 60 &
	echo $$ > ${TOPDIR}/compile.pid
	while [ ! -e ${TOPDIR}/go ]; do sleep 0.05; done
	kill $! || true
}
addtask compile before do_build
)bb";

// The same in Python: a python task is forked from the cooker, not from the task launcher.
constexpr const char* k_waiting_python_recipe = R"bb(python do_compile() {
    import os, subprocess, time
    topdir = d.getVar('TOPDIR')
    subprocess.Popen(['sleep', '60'])
    with open(topdir + '/compile.pid', 'w') as f:
        f.write(str(os.getpid()))
    while not os.path.exists(topdir + '/go'):
        time.sleep(0.05)
}
addtask compile before do_build
)bb";

class LongLivedServerIntegrationTest : public BuildDirFixture {
protected:
  int compile_pid() const { return std::atoi(read_file(builddir() / "compile.pid").c_str()); }
  void wait_for_compile() const {
    ASSERT_TRUE(wait_until([&] { return compile_pid() > 0; })) << server_log();
  }
  // Build `recipe` (whose do_compile waits for `go`), SIGKILL the server while the task runs,
  // and check that the task's process group goes with it and the next build reruns the task.
  void expect_killed_server_takes_the_task_along(const char* recipe) {
    add_recipe("hello_1.0.bb", recipe);
    pid_t client = start_bbrun({"hello"});
    wait_for_compile();
    int task = compile_pid();
    ASSERT_TRUE(process_alive(task));
    ::kill(server_pid(), SIGKILL);
    // The task's whole process group goes: the task and the sleep it started.
    EXPECT_TRUE(wait_until([&] { return ::kill(-task, 0) != 0 && errno == ESRCH; }))
        << "tasks of a killed server must not run on";
    int status = 0;
    ::waitpid(client, &status, 0);
    EXPECT_NE(status, 0);

    m_temp.write("build/go", "");
    auto again = bbrun({"hello"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_THAT(again.out, HasSubstr("(hello:do_compile)")) << "the cut-off task runs again";
  }
};

TEST_F(LongLivedServerIntegrationTest, DryRunIsServedWhileABuildRuns) {
  add_recipe("hello_1.0.bb", k_waiting_recipe);
  pid_t client = start_bbrun({"hello"});
  wait_for_compile();
  auto dry = bbrun({"-n", "hello"}, {}, std::chrono::seconds(20));
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("(hello:do_compile)"));
  EXPECT_THAT(dry.out + dry.err, ::testing::Not(HasSubstr("waiting for the build")));
  m_temp.write("build/go", "");
  int status = 0;
  ::waitpid(client, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(LongLivedServerIntegrationTest, StatusReportsCachedRecipesAndMemory) {
  add_recipe("hello_1.0.bb", "do_compile() {\n\ttrue\n}\naddtask compile before do_build\n");
  add_recipe("other_1.0.bb", "");
  ASSERT_EQ(bbrun({"hello"}).exit_code, 0);
  auto status = bbrun({"--status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_THAT(status.out, HasSubstr("1 builds served"));
  EXPECT_THAT(status.out, HasSubstr("2 recipes cached"));
  EXPECT_TRUE(std::regex_search(status.out, std::regex(R"([0-9.]+ MiB resident)"))) << status.out;
}

TEST_F(LongLivedServerIntegrationTest, KilledServerLeavesNoTaskRunningAndTheNextBuildRecovers) {
  // Given a shell task that started a child, SIGKILL of the server should end both, and the
  // next build should run the task again.
  expect_killed_server_takes_the_task_along(k_waiting_recipe);
}

TEST_F(LongLivedServerIntegrationTest, KilledServerLeavesNoPythonTaskRunning) {
  // Given a python task (forked from the cooker) that started a child, SIGKILL of the server
  // should end both, and the next build should run the task again.
  expect_killed_server_takes_the_task_along(k_waiting_python_recipe);
}

TEST_F(LongLivedServerIntegrationTest, ServerOfAnotherBuildIsReplacedOnceIdle) {
  // Given a copy of both binaries, a server started from it, and then a "rebuild" of the
  // server binary (a new mtime), the next client should replace the server.
  fs::path bin = m_temp.path() / "bin";
  fs::create_directories(bin);
  const char* client_env = std::getenv("BBRUN_CLIENT");
  ASSERT_NE(client_env, nullptr);
  fs::path built = fs::path(client_env).parent_path();
  fs::copy_file(built / "bbrun", bin / "bbrun");
  fs::copy_file(built / "bbrun-server", bin / "bbrun-server");
  add_recipe("hello_1.0.bb", "");
  std::vector<std::string> client{(bin / "bbrun").string(), "-p"};
  ASSERT_EQ(run_process(client, builddir()).exit_code, 0);
  int first = server_pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(run_process(client, builddir()).exit_code, 0);
  EXPECT_EQ(server_pid(), first) << "the same build is not replaced";

  fs::last_write_time(bin / "bbrun-server",
                      fs::last_write_time(bin / "bbrun-server") + std::chrono::seconds(5));
  auto replaced = run_process(client, builddir());
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_THAT(replaced.err, HasSubstr("runs another build of bbrun"));
  EXPECT_NE(server_pid(), first);
  EXPECT_FALSE(process_alive(first));
}

TEST_F(LongLivedServerIntegrationTest, MemoryStaysFlatOverManyNoOpBuilds) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's quarantine keeps freed memory resident by design";
#endif
  add_recipe("hello_1.0.bb", "do_compile() {\n\ttrue\n}\naddtask compile before do_build\n");
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(bbrun({"hello"}).exit_code, 0);
  }
  size_t warm = resident_kib(server_pid());
  for (int i = 0; i < 180; ++i) {
    ASSERT_EQ(bbrun({"hello"}).exit_code, 0);
  }
  size_t after = resident_kib(server_pid());
  EXPECT_LT(after, warm * 105 / 100)
      << "warm " << warm << " kB, after 200 builds " << after << " kB";
}

TEST_F(LongLivedServerIntegrationTest, LargeLogIsRotated) {
  m_temp.write("build/bbrun-server.log", std::string(9u << 20, 'x'));
  add_recipe("hello_1.0.bb", "");
  ASSERT_EQ(bbrun({"-p"}).exit_code, 0);
  ASSERT_EQ(bbrun({"-p"}).exit_code, 0);
  EXPECT_GT(fs::file_size(builddir() / "bbrun-server.log.old"), 9u << 20);
  EXPECT_LT(fs::file_size(builddir() / "bbrun-server.log"), 1u << 20);
  EXPECT_THAT(server_log(), HasSubstr("log rotated"));
}

} // namespace
} // namespace bbrun::testing
