// SPDX-License-Identifier: MIT
// End to end: the server's life cycle, its socket, and what it does with bad clients.
#include "common/fd_passing.h"
#include "common/protocol.h"
#include "common/unix_socket.h"
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/raw_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <csignal>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Sleeps until the file `go` exists, so that a test decides when it may finish.
constexpr const char* k_sleeper_recipe = R"bb(
do_sleep() {
	echo $$ > ${WORKDIR}/task.pid
	while [ ! -e ${WORKDIR}/go ]; do sleep 0.05; done
	echo finished > ${WORKDIR}/finished
}
addtask sleep before do_build
)bb";

class ServerIntegrationTest : public BuildDirFixture {};

TEST_F(ServerIntegrationTest, StatusAndKillServer) {
  // Given a started server, --status should name its pid and -m should stop it and remove
  // its socket; --status then says no server runs (exit 3).
  int pid = start_server();
  ASSERT_TRUE(process_alive(pid));
  struct stat st {};
  ASSERT_EQ(::stat((builddir() / "bbrun.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600);

  auto status = bbrun({"--status"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_THAT(status.out, HasSubstr("Server pid " + std::to_string(pid)));

  auto killed = bbrun({"-m"});
  EXPECT_EQ(killed.exit_code, 0) << killed.out << killed.err;
  EXPECT_TRUE(wait_until([pid] { return !process_alive(pid); }));
  EXPECT_FALSE(fs::exists(builddir() / "bbrun.sock"));
  EXPECT_EQ(bbrun({"--status"}).exit_code, 3);
}

TEST_F(ServerIntegrationTest, KillServerReturnsOnceTheBuildDirectoryIsFree) {
  // Given a server holding a few hundred parsed recipes (its exit takes a while after it has
  // closed its clients' pipes), -m should return only once its lock is free: the next command
  // must not find the directory still held.
  for (int i = 0; i < 300; ++i) {
    add_recipe("r" + std::to_string(i) + "_1.0.bb",
               "DESCRIPTION = \"recipe " + std::to_string(i) + "\"\ndo_compile() {\n\ttrue\n}\n");
  }
  for (int round = 0; round < 5; ++round) {
    ASSERT_EQ(bbrun({"-p"}).exit_code, 0);
    ASSERT_EQ(bbrun({"-m"}).exit_code, 0);
    int lock = ::open((builddir() / "bbrun.lock").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(lock, 0);
    EXPECT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0) << "round " << round;
    ::close(lock);
  }
}

TEST_F(ServerIntegrationTest, StaleSocketAndLockAreReplaced) {
  // Given a socket file nobody listens on and a lock naming a dead pid, bbrun should start a
  // fresh server rather than trust them.
  {
    auto listener = common::listen_unix(builddir() / "bbrun.sock");
    ASSERT_TRUE(listener);
  } // closed without unlinking: a stale socket
  m_temp.write("build/bbrun.lock", "999999\n");
  int pid = start_server();
  EXPECT_NE(pid, 999999);
  EXPECT_TRUE(process_alive(pid));
  EXPECT_EQ(bbrun({"--status"}).exit_code, 0);
}

TEST_F(ServerIntegrationTest, SecondServerIsRefusedByTheLock) {
  // Given a live server, starting another for the same build directory should fail and leave
  // the first one serving.
  int pid = start_server();
  const char* server = std::getenv("BBRUN_SERVER");
  ASSERT_NE(server, nullptr);
  auto second = run_process({server, "--builddir", builddir().string()}, builddir());
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("another server holds"));
  EXPECT_EQ(server_pid(), pid);
  EXPECT_EQ(bbrun({"--status"}).exit_code, 0);
}

TEST_F(ServerIntegrationTest, BuildDirectoryBeyondSunPathWorks) {
  // Given a build directory whose socket path is longer than sun_path's 108 bytes, a build
  // should start a server there, connect to it (through the directory's fd) and succeed.
  const fs::path deep = m_temp.path() / std::string(80, 'd') / std::string(80, 'e') / "build";
  ASSERT_GT((deep / "bbrun.sock").string().size(), sizeof(sockaddr_un::sun_path));
  const fs::path relative = fs::relative(deep, m_temp.path());
  m_temp.write(relative / "conf/bblayers.conf", read_file(builddir() / "conf/bblayers.conf"));
  m_temp.write(relative / "conf/local.conf", "");
  add_recipe("hello_1.0.bb", "do_x() {\n\t:\n}\naddtask x before do_build\n");
  auto built = bbrun_in(deep, {"hello"});
  EXPECT_EQ(built.exit_code, 0) << built.out << built.err;
  EXPECT_EQ(bbrun_in(deep, {"--status"}).exit_code, 0);
  EXPECT_EQ(bbrun_in(deep, {"-m"}).exit_code, 0);
}

TEST_F(ServerIntegrationTest, IdleTimeoutStopsTheServer) {
  // Given -T 1, the server should exit by itself about a second after its last client left.
  int pid = start_server({"-T", "1"});
  ASSERT_TRUE(process_alive(pid));
  EXPECT_TRUE(wait_until([pid] { return !process_alive(pid); }, std::chrono::seconds(15)));
}

TEST_F(ServerIntegrationTest, PeerOfAnotherUidIsRefused) {
  // Given a socket opened up to everyone and a client running as another user, the server
  // should refuse that client by its SO_PEERCRED uid and keep serving its own user.
  if (::getuid() != 0) {
    GTEST_SKIP() << "needs root to run a client as another uid";
  }
  start_server();
  ASSERT_EQ(::chmod(m_temp.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(builddir().c_str(), 0755), 0);
  ASSERT_EQ(::chmod((builddir() / "bbrun.sock").c_str(), 0666), 0);
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      ::_exit(10);
    }
    auto socket = common::connect_unix(builddir() / "bbrun.sock");
    if (!socket) {
      ::_exit(11);
    }
    auto pipe = common::make_pipe();
    std::array<int, 3> fds{pipe->write.get(), pipe->read.get(), pipe->write.get()};
    (void)common::send_fds(socket->get(), 3, fds);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(wait_until([&] { return server_log().find("with uid 65534") != std::string::npos; }));
  EXPECT_EQ(bbrun({"--status"}).exit_code, 0);
}

TEST_F(ServerIntegrationTest, MalformedCommandsGetErrorRepliesAndTheSessionStaysUsable) {
  // Given garbage, an unknown command and bad arguments on one session, each should get an
  // error reply, and a good command afterwards should still be answered.
  start_server();
  RawClient client(builddir() / "bbrun.sock");
  client.send("this is not json\n");
  EXPECT_EQ(client.reply()["ok"], false);
  client.send(R"({"command": "frobnicate"})"
              "\n");
  auto unknown = client.reply();
  EXPECT_EQ(unknown["ok"], false);
  EXPECT_THAT(unknown["error"].get<std::string>(), HasSubstr("unknown command"));
  client.send(R"({"command": "build", "args": [{"targets": 5}]})"
              "\n");
  EXPECT_EQ(client.reply()["ok"], false);
  // Arguments of the wrong JSON type, where the server reads them as numbers.
  client.send(R"({"command": "hello", "args": [{"protocol": "one", "pid": []}]})"
              "\n");
  EXPECT_EQ(client.reply()["ok"], false);
  client.send(R"({"command": "build", "args": [{"targets": ["x"], "jobs": "many"}]})"
              "\n");
  EXPECT_EQ(client.reply()["ok"], false);
  client.send(R"({"command": "status"})"
              "\n");
  auto status = client.reply();
  EXPECT_EQ(status["ok"], true);
  EXPECT_EQ(status["pid"], server_pid());
}

TEST_F(ServerIntegrationTest, KilledClientEndsItsBuildWithoutAStamp) {
  // Given a client killed during a long task, the server should kill the task, write no stamp
  // for it, and keep serving: the next build runs the task again.
  add_recipe("sleeper_1.0.bb", k_sleeper_recipe);
  pid_t pid = start_bbrun({"sleeper"});
  fs::path task_pid_file = workdir("sleeper") / "task.pid";
  ASSERT_TRUE(
      wait_until([&] { return !read_file(task_pid_file).empty(); }, std::chrono::seconds(30)));
  int task_pid = std::atoi(read_file(task_pid_file).c_str());
  ASSERT_TRUE(process_alive(task_pid));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_TRUE(wait_until([&] { return !process_alive(task_pid); }))
      << "the task should be terminated with its client";
  EXPECT_FALSE(fs::exists(workdir("sleeper") / "finished"));
  EXPECT_TRUE(process_alive(server_pid()));

  // Same recipe, now allowed to finish: with no stamp from the cut-off run, it runs again.
  m_temp.write("build/tmp/work/sleeper-1.0-r0/go", "");
  auto again = bbrun({"sleeper"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("(sleeper:do_sleep)"));
}

} // namespace
} // namespace bbrun::testing
