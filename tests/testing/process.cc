// SPDX-License-Identifier: MIT
// Real child processes for tests.
#include "tests/testing/process.h"

#include "common/unique_fd.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bbrun::testing {

namespace {

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                             const std::vector<std::string>& extra_env, int out, int err) {
  ::setpgid(0, 0);
  int null = ::open("/dev/null", O_RDONLY);
  ::dup2(null, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(err, STDERR_FILENO);
  if (::chdir(cwd.c_str()) != 0) {
    ::_exit(126);
  }
  for (const auto& entry : extra_env) {
    ::putenv(const_cast<char*>(entry.c_str()));
  }
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::vector<std::string>& extra_env,
                          std::chrono::milliseconds limit) {
  ProcessResult result;
  auto out = common::make_pipe();
  auto err = common::make_pipe();
  pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(argv, cwd, extra_env, out->write.get(), err->write.get());
  }
  out->write.reset();
  err->write.reset();
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string* sinks[] = {&result.out, &result.err};
  struct pollfd fds[] = {{out->read.get(), POLLIN, 0}, {err->read.get(), POLLIN, 0}};
  int open_pipes = 2;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        char buffer[4096];
        ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          sinks[i]->append(buffer, static_cast<size_t>(n));
        } else {
          fds[i].fd = -1;
          --open_pipes;
        }
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) && !result.timed_out ? WEXITSTATUS(status) : -1;
  return result;
}

int start_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                  const std::vector<std::string>& extra_env, const std::filesystem::path& output) {
  common::UniqueFd out(::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  pid_t pid = ::fork();
  if (pid == 0) {
    exec_child(argv, cwd, extra_env, out.get(), out.get());
  }
  return pid;
}

bool process_alive(int pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) {
    return false;
  }
  // kill(pid, 0) succeeds for a zombie: look at its state too.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state != "Z";
}

} // namespace bbrun::testing
