// SPDX-License-Identifier: MIT
// End to end with the real GNU make: bbrun inside make's jobserver, bbrun's own jobserver for
// the makes its tasks start, and every token back wherever the build ends. Every job (make's
// own, bbrun's tasks, the jobs of makes inside tasks) appends its start and end to one log, so
// the tests can count what ran at once.
#include "common/unique_fd.h"
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/job_log.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace common = bbrun::common;
namespace fs = std::filesystem;

constexpr const char* k_unavailable =
    "jobserver unavailable: using -j1.  Add '+' to parent make rule.";

int bytes_waiting(int fd) {
  int count = -1;
  ::ioctl(fd, FIONREAD, &count);
  return count;
}

// "pipe:[INODE]", what /proc shows for an fd of that pipe.
std::string pipe_name(int fd) {
  std::error_code ec;
  return fs::read_symlink(fmt::format("/proc/self/fd/{}", fd), ec).string();
}

// Whether process `pid` holds an fd on `name` (a /proc link target).
bool holds(int pid, const std::string& name) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    if (fs::read_symlink(entry.path(), ec).string() == name) {
      return true;
    }
  }
  return false;
}

class JobserverIntegrationTest : public BuildDirFixture {
protected:
  fs::path job_log() const { return m_temp.path() / "jobs.log"; }

  // Shell that logs LABEL's start and end around `sleep SECONDS`; `$` as `dollar` spells it
  // (make recipes need "$$").
  std::string logged(const std::string& label, double seconds,
                     const std::string& dollar = "$") const {
    return fmt::format("echo \"start {0} {2}(date +%s.%N)\" >> {3}; sleep {1}; "
                       "echo \"end {0} {2}(date +%s.%N)\" >> {3}",
                       label, seconds, dollar, job_log().string());
  }
  // Recipe NAME whose one task sleeps `seconds`, logged.
  void add_sleeper(const std::string& name, double seconds) const {
    add_recipe(name + "_1.0.bb",
               "do_work() {\n\t" + logged(name, seconds) + "\n}\naddtask work before do_build\n");
  }
  // Recipe NAME whose task runs `make` (flags only from MAKEFLAGS) on three logged jobs.
  void add_maker(const std::string& name, double seconds) const {
    m_temp.write(name + ".mk",
                 fmt::format("all: a b c\na b c:\n\t@{}\n", logged(name + "-$@", seconds, "$$")));
    add_recipe(name + "_1.0.bb", "do_work() {\n\tmake -f " + (m_temp.path() / name).string() +
                                     ".mk\n}\naddtask work before do_build\n");
  }
  // Recipe `all` that builds every recipe in `names`.
  void add_all(const std::string& names) const {
    add_recipe("all_1.0.bb", "DEPENDS = \"" + names + "\"\ndo_build[deptask] = \"do_build\"\n");
  }
  // A task (in recipe NAME) that records what the jobserver looks like from inside a task.
  void add_observer(const std::string& name) const {
    add_recipe(name + "_1.0.bb", "do_work() {\n"
                                 "\techo \"$MAKEFLAGS\" > ${TOPDIR}/makeflags.txt\n"
                                 "\techo \"$PARALLELISM\" > ${TOPDIR}/parallelism.txt\n"
                                 "\tfor fd in /proc/$$/fd/*; do readlink $fd || :; done"
                                 " > ${TOPDIR}/fds.txt\n"
                                 "}\naddtask work before do_build\n");
  }
  // Run the real make with `jobs` on `makefile`, outside any make of the test's own.
  ProcessResult make(int jobs, const std::string& makefile) const {
    auto path = m_temp.write("outer.mk", makefile);
    return run_process({"make", fmt::format("-j{}", jobs), "-f", path.string()}, m_temp.path(),
                       {"MAKEFLAGS=", "MAKELEVEL="}, std::chrono::seconds(60));
  }
  // The maker tasks' logs: make's own complaints (lost tokens, no jobserver) land there.
  std::string task_logs() const {
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(builddir() / "tmp/work")) {
      if (entry.path().filename().string().starts_with("log.do_work.")) {
        all += read_file(entry.path());
      }
    }
    return all;
  }
};

TEST_F(JobserverIntegrationTest, NestedInMakeEveryJobCountsAgainstMakesSlots) {
  // Given `make -j3` running `+bbrun all` beside three jobs of its own, and bbrun's tasks
  // sleeping or running makes of three jobs each, we should never see more than 3 jobs at
  // once, see more than one at some point, hear no complaint from any make, and leave no copy
  // of make's pipe in the server.
  add_sleeper("s1", 0.3);
  add_sleeper("s2", 0.3);
  add_maker("m1", 0.2);
  add_maker("m2", 0.2);
  add_observer("obs");
  add_all("s1 s2 m1 m2 obs");
  auto result = make(3, fmt::format("all: bb o1 o2 o3\n"
                                    "bb:\n\t+@readlink /proc/self/fd/3 > outer-pipe.txt; "
                                    "cd {} && {} all > bbrun.out\n"
                                    "o1 o2 o3:\n\t@{}\n",
                                    builddir().string(), client(), logged("$@", 0.4, "$$")));
  ASSERT_EQ(result.exit_code, 0) << result.err << read_file(builddir() / "bbrun.out");
  EXPECT_THAT(result.err, Not(HasSubstr("INTERNAL")));
  EXPECT_THAT(result.err, Not(HasSubstr("warning")));
  EXPECT_THAT(task_logs(), Not(HasSubstr("warning")));
  EXPECT_EQ(read_job_log(job_log()).size(), 3u + 2u + 6u);
  size_t peak = peak_concurrency(job_log());
  EXPECT_LE(peak, 3u);
  EXPECT_GT(peak, 1u);
  // Tasks get make's own pipe, at the numbers MAKEFLAGS names in them.
  std::string outer_pipe = read_file(m_temp.path() / "outer-pipe.txt");
  ASSERT_THAT(outer_pipe, ::testing::StartsWith("pipe:["));
  EXPECT_EQ(read_file(builddir() / "makeflags.txt"), " -j3 --jobserver-auth=3,4\n");
  EXPECT_EQ(read_file(builddir() / "parallelism.txt"), "3\n");
  EXPECT_THAT(read_file(builddir() / "fds.txt"), HasSubstr(outer_pipe + outer_pipe));
  outer_pipe.pop_back();
  EXPECT_FALSE(holds(server_pid(), outer_pipe));
}

TEST_F(JobserverIntegrationTest, RecipeLineWithoutPlusWarnsAndRunsOneJob) {
  // Given `make -j3` running bbrun from a line without '+' (make closes the jobserver fds),
  // bbrun should warn once in make's words and still build, one task at a time.
  add_sleeper("s1", 0.2);
  add_sleeper("s2", 0.2);
  add_sleeper("s3", 0.2);
  add_all("s1 s2 s3");
  auto result = make(3, fmt::format("all: bb o1\nbb:\n\tcd {} && {} all > bbrun.out\n"
                                    "o1:\n\t@sleep 0.2\n",
                                    builddir().string(), client()));
  ASSERT_EQ(result.exit_code, 0) << result.err << read_file(builddir() / "bbrun.out");
  EXPECT_THAT(result.err, HasSubstr(std::string("WARNING: ") + k_unavailable));
  EXPECT_EQ(result.err.find(k_unavailable), result.err.rfind(k_unavailable));
  EXPECT_THAT(result.err, Not(HasSubstr("INTERNAL")));
  EXPECT_EQ(read_job_log(job_log()).size(), 3u);
  EXPECT_EQ(peak_concurrency(job_log()), 1u);
}

TEST_F(JobserverIntegrationTest, FifoJobserverGetsExactlyItsTokensBack) {
  // Given a fifo jobserver the test made and filled with two tokens (make -j3), bbrun -j5
  // should still run at most three tasks at once, pass the fifo on to its tasks, and leave
  // exactly two tokens in it.
  auto fifo = m_temp.path() / "GMfifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  common::UniqueFd jobserver(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_TRUE(common::write_all(jobserver.get(), "++"));
  for (int i = 1; i <= 5; ++i) {
    add_sleeper(fmt::format("s{}", i), 0.2);
  }
  add_observer("obs");
  add_all("s1 s2 s3 s4 s5 obs");
  auto result = bbrun({"-j", "5", "all"}, {"MAKEFLAGS=-j3 --jobserver-auth=fifo:" + fifo.string()});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  size_t peak = peak_concurrency(job_log());
  EXPECT_LE(peak, 3u);
  EXPECT_GT(peak, 1u);
  EXPECT_EQ(bytes_waiting(jobserver.get()), 2);
  EXPECT_EQ(read_file(builddir() / "makeflags.txt"),
            " -j3 --jobserver-auth=fifo:" + fifo.string() + "\n");
}

TEST_F(JobserverIntegrationTest, ClientKilledMidBuildGivesEveryTokenBack) {
  // Given bbrun on the test's pipe jobserver (two tokens) running three long tasks, killing
  // the client with SIGKILL should end the tasks and put both tokens back in the pipe, with no
  // copy of the pipe left in the server.
  auto pipe = common::make_pipe();
  ASSERT_TRUE(pipe);
  ASSERT_TRUE(common::write_all(pipe->write.get(), "++"));
  for (int i = 1; i <= 3; ++i) {
    add_recipe(fmt::format("long{}_1.0.bb", i), "do_work() {\n\t" +
                                                    logged(fmt::format("long{}", i), 60) +
                                                    "\n}\naddtask work before do_build\n");
  }
  add_all("long1 long2 long3");
  std::string client_path = client();
  std::string dir = builddir().string();
  pid_t pid = ::fork();
  if (pid == 0) {
    // As make does for a '+' line: the pipe at 3 and 4, inherited, and MAKEFLAGS naming it.
    // Parked above first, since either end may sit on the other's number.
    int read_end = ::fcntl(pipe->read.get(), F_DUPFD, 10);
    int write_end = ::fcntl(pipe->write.get(), F_DUPFD, 10);
    ::dup2(read_end, 3);
    ::dup2(write_end, 4);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::setenv("MAKEFLAGS", " -j3 --jobserver-auth=3,4", 1);
    if (::chdir(dir.c_str()) == 0) {
      ::execl(client_path.c_str(), client_path.c_str(), "all", nullptr);
    }
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  bool all_started =
      wait_until([&] { return read_job_log(job_log()).size() == 3; }, std::chrono::seconds(20));
  if (!all_started) {
    ::kill(pid, SIGKILL);
  }
  ASSERT_TRUE(all_started);
  EXPECT_EQ(bytes_waiting(pipe->read.get()), 0);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_TRUE(
      wait_until([&] { return bytes_waiting(pipe->read.get()) == 2; }, std::chrono::seconds(15)));
  EXPECT_TRUE(process_alive(server_pid()));
  EXPECT_TRUE(wait_until([&] { return !holds(server_pid(), pipe_name(pipe->write.get())); }));
}

TEST_F(JobserverIntegrationTest, OutsideMakeTasksAndTheirMakesShareTheServersSlots) {
  // Given BB_NUMBER_THREADS = 3 and tasks that run makes of three jobs, all jobs together
  // should stay within 3, tasks should see the server's pipe in MAKEFLAGS at the fds they
  // have and nothing else of the server's, and no make should complain.
  write_local_conf("BB_NUMBER_THREADS = \"3\"\n");
  add_maker("m1", 0.2);
  add_maker("m2", 0.2);
  add_sleeper("s1", 0.3);
  add_observer("obs");
  add_all("m1 m2 s1 obs");
  auto result = bbrun({"all"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(read_job_log(job_log()).size(), 6u + 1u);
  size_t peak = peak_concurrency(job_log());
  EXPECT_LE(peak, 3u);
  EXPECT_GT(peak, 1u);
  EXPECT_THAT(task_logs(), Not(HasSubstr("warning")));
  EXPECT_THAT(task_logs(), Not(HasSubstr("INTERNAL")));
  EXPECT_EQ(read_file(builddir() / "makeflags.txt"), " -j3 --jobserver-auth=3,4\n");
  EXPECT_EQ(read_file(builddir() / "parallelism.txt"), "3\n");
  // fds 0-2 and the script are files; 3 and 4 the one pipe; 5 the task's message channel, a
  // pipe of its own; no socket, lock or other pipe.
  std::string fds = read_file(builddir() / "fds.txt");
  EXPECT_THAT(fds, Not(HasSubstr("socket:")));
  EXPECT_THAT(fds, Not(HasSubstr("bbrun.lock")));
  auto first_pipe = fds.find("pipe:[");
  ASSERT_NE(first_pipe, std::string::npos);
  std::string pipe = fds.substr(first_pipe, fds.find('\n', first_pipe) - first_pipe + 1);
  EXPECT_THAT(fds, HasSubstr(pipe + pipe));
  auto channel = first_pipe + 2 * pipe.size();
  EXPECT_EQ(fds.find("pipe:[", channel), channel);
  EXPECT_EQ(fds.rfind("pipe:["), channel);
  EXPECT_NE(fds.substr(channel, pipe.size()), pipe);
}

} // namespace
} // namespace bbrun::testing
