// SPDX-License-Identifier: MIT
// Running a real program from a test: its output, its exit status, a time limit.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace bbrun::testing {

struct ProcessResult {
  int exit_code = -1; ///< -1 when killed by a signal or the time limit
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Run `argv` in `cwd` with the test's environment plus `extra_env` ("NAME=value"), stdin from
/// /dev/null, and collect stdout and stderr until the program exits and both pipes close.
/// After `limit` the program's process group is killed and `timed_out` set.
ProcessResult run_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                          const std::vector<std::string>& extra_env = {},
                          std::chrono::milliseconds limit = std::chrono::seconds(60));

/// Start `argv` as run_process does (own process group, stdin from /dev/null) without waiting
/// for it; stdout and stderr go to the file `output`. The caller reaps it with waitpid.
int start_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                  const std::vector<std::string>& extra_env, const std::filesystem::path& output);

/// Whether a process `pid` exists (a zombie counts as gone).
bool process_alive(int pid);

/// Wait until `predicate` holds or `limit` passes; return whether it held.
template <typename Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

} // namespace bbrun::testing
