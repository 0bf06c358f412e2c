// SPDX-License-Identifier: MIT
// End to end: what a task inherits from the server, and what the server could leak. A task
// sees its log, /dev/null and the jobserver pipe it is given on purpose; no socket, database,
// lock or client pipe. Every fd the server itself holds beyond stdio is close-on-exec.
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/proc_inspect.h"
#include "tests/testing/raw_client.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Two tasks list the fds a process they run holds ("FD -> TARGET" lines, into their logs),
// then wait for `go`: the shell task runs `ls -l /proc/self/fd`, a child that inherits what
// the task's shell has (listing the shell itself would show the shell's own juggling of fds
// for redirections and pipes); the python task lists /proc/self/fd itself.
constexpr const char* k_lister_recipe = R"bb(
do_shell_fds() {
	ls -l /proc/self/fd
	touch ${TOPDIR}/shell-listed
	while [ ! -e ${TOPDIR}/go ]; do sleep 0.05; done
}
addtask shell_fds before do_build

python do_python_fds() {
    import os, sys, time
    for fd in sorted(os.listdir('/proc/self/fd'), key=int):
        try:
            print('%s -> %s' % (fd, os.readlink('/proc/self/fd/' + fd)))
        except OSError:
            pass
    sys.stdout.flush()
    topdir = d.getVar('TOPDIR')
    open(os.path.join(topdir, 'python-listed'), 'w').close()
    while not os.path.exists(os.path.join(topdir, 'go')):
        time.sleep(0.05)
}
addtask python_fds before do_build
)bb";

// The fds of a listing ("... FD -> TARGET" lines among others), by number.
std::map<int, std::string> parse_listing(const std::string& text) {
  static const std::regex k_entry(R"((\d+) -> (.*)$)");
  std::map<int, std::string> fds;
  std::istringstream lines(text);
  std::smatch match;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, match, k_entry)) {
      fds[std::stoi(match[1])] = match[2];
    }
  }
  return fds;
}

class FdHygieneIntegrationTest : public BuildDirFixture {
protected:
  // Check a task's fds: stdio, the jobserver pipe at 3 and 4, its message channel at 5 (another
  // pipe), and otherwise only what the task itself opened (its script, the listing's own file or
  // directory).
  void expect_clean(const std::map<int, std::string>& fds, const std::string& what) {
    ASSERT_GE(fds.size(), 6u) << what;
    EXPECT_EQ(fds.at(0), "/dev/null") << what;
    EXPECT_THAT(fds.at(1), HasSubstr("/temp/log.do_")) << what;
    EXPECT_EQ(fds.at(2), fds.at(1)) << what;
    EXPECT_THAT(fds.at(3), ::testing::StartsWith("pipe:[")) << what;
    EXPECT_EQ(fds.at(4), fds.at(3)) << what;
    EXPECT_THAT(fds.at(5), ::testing::StartsWith("pipe:[")) << what;
    EXPECT_NE(fds.at(5), fds.at(3)) << what;
    for (const auto& [fd, target] : fds) {
      if (fd <= 5) {
        continue;
      }
      EXPECT_THAT(target, Not(HasSubstr("socket:"))) << what << " fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr("pipe:"))) << what << " fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr(".db"))) << what << " fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr("bbrun."))) << what << " fd " << fd;
      EXPECT_THAT(target, Not(HasSubstr("anon_inode"))) << what << " fd " << fd;
    }
  }
};

TEST_F(FdHygieneIntegrationTest, TasksSeeOnlyWhatTheyAreGiven) {
  // Given a build whose shell and python tasks list their fds while a second client is
  // connected and the stamps database is open, each task should hold stdio, the jobserver
  // pipe at 3 and 4, its message channel at 5 and nothing of the server's; and every fd of the
  // server except stdio should be close-on-exec.
  write_local_conf("BB_NUMBER_THREADS = \"2\"\n");
  add_recipe("lister_1.0.bb", k_lister_recipe);
  int server = start_quiet_server();
  RawClient bystander(builddir() / "bbrun.sock");
  pid_t client = start_bbrun({"lister"});
  bool listed = wait_until(
      [&] {
        return fs::exists(builddir() / "shell-listed") && fs::exists(builddir() / "python-listed");
      },
      std::chrono::seconds(60));

  std::vector<OpenFd> server_fds = open_fds(server);
  m_temp.write("build/go", "");
  int status = 0;
  ::waitpid(client, &status, 0);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  const fs::path logs = workdir("lister") / "temp";
  expect_clean(parse_listing(read_file(logs / "log.do_shell_fds")), "shell task");
  expect_clean(parse_listing(read_file(logs / "log.do_python_fds")), "python task");

  bool saw_database = false;
  for (const auto& fd : server_fds) {
    saw_database = saw_database || fd.target.ends_with("stamps.db");
    if (fd.fd > 2) {
      EXPECT_TRUE(fd.cloexec) << "server fd " << fd.fd << " (" << fd.target
                              << ") is inherited by every exec";
    }
  }
  EXPECT_TRUE(saw_database) << "the check ran while the stamps database was open";
}

} // namespace
} // namespace bbrun::testing
