// SPDX-License-Identifier: MIT
// Build directory fixture.
#include "tests/integration/build_dir_fixture.h"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

namespace bbrun::testing {

std::string BuildDirFixture::client() {
  const char* path = std::getenv("BBRUN_CLIENT");
  return path != nullptr ? path : "bbrun";
}

void BuildDirFixture::SetUp() {
  // The build directory is the cwd of every bbrun run here, never an inherited one.
  ::unsetenv("BBRUN_BUILDDIR");
  m_temp.write("build/conf/bblayers.conf",
               "BBPATH = \"${TOPDIR}\"\nBBFILES ?= \"\"\nBBLAYERS = \"" + layer().string() +
                   "\"\n");
  write_local_conf("");
  m_temp.write("meta-test/conf/layer.conf", "BBPATH .= \":${LAYERDIR}\"\n"
                                            "BBFILES += \"${LAYERDIR}/recipes-*/*/*.bb\"\n"
                                            "BBFILE_COLLECTIONS += \"test\"\n"
                                            "BBFILE_PATTERN_test = \"^${LAYERDIR}/\"\n"
                                            "BBFILE_PRIORITY_test = \"5\"\n");
}

void BuildDirFixture::TearDown() {
  int pid = server_pid();
  if (pid <= 0 || !process_alive(pid)) {
    return;
  }
  bbrun({"-m"}, {}, std::chrono::seconds(20));
  if (!wait_until([pid] { return !process_alive(pid); })) {
    ADD_FAILURE() << "the server did not exit after -m; killing it";
    ::kill(pid, SIGKILL);
  }
}

std::filesystem::path BuildDirFixture::workdir(const std::string& pn) const {
  return builddir() / "tmp" / "work" / (pn + "-1.0-r0");
}

void BuildDirFixture::add_recipe(const std::string& file, const std::string& content) const {
  std::string name = file.substr(0, file.find_first_of("_."));
  m_temp.write("meta-test/recipes-test/" + name + "/" + file, content);
}

void BuildDirFixture::write_local_conf(const std::string& content) const {
  m_temp.write("build/conf/local.conf", content);
}

ProcessResult BuildDirFixture::bbrun(const std::vector<std::string>& args,
                                     const std::vector<std::string>& extra_env,
                                     std::chrono::milliseconds limit) const {
  return bbrun_in(builddir(), args, extra_env, limit);
}

ProcessResult BuildDirFixture::bbrun_in(const std::filesystem::path& dir,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& extra_env,
                                        std::chrono::milliseconds limit) const {
  std::vector<std::string> argv{client()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, dir, extra_env, limit);
}

pid_t BuildDirFixture::start_bbrun(const std::vector<std::string>& args) const {
  std::string program = client();
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(builddir().c_str()) != 0) {
      ::_exit(126);
    }
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    std::vector<char*> argv{program.data()};
    for (const auto& arg : args) {
      argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

int BuildDirFixture::start_server(const std::vector<std::string>& extra) const {
  std::vector<std::string> args{"--server-only"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = bbrun(args);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  return server_pid();
}

int BuildDirFixture::start_quiet_server() const {
  int pid = start_server();
  EXPECT_TRUE(
      wait_until([&] { return server_log().find("session 1: closed") != std::string::npos; }));
  return pid;
}

int BuildDirFixture::server_pid() const {
  std::string text = read_file(builddir() / "bbrun.lock");
  return text.empty() ? 0 : std::atoi(text.c_str());
}

} // namespace bbrun::testing
