// SPDX-License-Identifier: MIT
// A fresh build directory with one test layer, driven through the real bbrun binaries.
#pragma once

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bbrun::testing {

/// Each test gets its own TOPDIR (and so its own socket and server); TearDown always stops the
/// server, by `bbrun -m` and, failing that, SIGKILL.
class BuildDirFixture : public ::testing::Test {
protected:
  void SetUp() override;
  void TearDown() override;

  std::filesystem::path builddir() const { return m_temp.path() / "build"; }
  std::filesystem::path layer() const { return m_temp.path() / "meta-test"; }
  /// WORKDIR of recipe `pn` at version 1.0, as the shipped bitbake.conf lays it out.
  std::filesystem::path workdir(const std::string& pn) const;

  /// Write `recipes-test/NAME/FILE` into the test layer, e.g. add_recipe("hello_1.0.bb", ...).
  void add_recipe(const std::string& file, const std::string& content) const;
  void write_local_conf(const std::string& content) const;

  /// The `bbrun` under test: $BBRUN_CLIENT, else bbrun on PATH.
  static std::string client();

  /// Run the real `bbrun` in the build directory with `args`.
  ProcessResult bbrun(const std::vector<std::string>& args,
                      const std::vector<std::string>& extra_env = {},
                      std::chrono::milliseconds limit = std::chrono::seconds(60)) const;
  /// Run the real `bbrun` with `args` in another build directory `dir`.
  ProcessResult bbrun_in(const std::filesystem::path& dir, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {},
                         std::chrono::milliseconds limit = std::chrono::seconds(60)) const;

  /// Start the real `bbrun` with `args` in the build directory without waiting for it (stdout
  /// to /dev/null); the caller reaps it with waitpid.
  pid_t start_bbrun(const std::vector<std::string>& args) const;

  /// Start a server with `bbrun --server-only` plus `extra` and return its pid.
  int start_server(const std::vector<std::string>& extra = {}) const;
  /// Start a server and wait until the starting client's session is closed, so that the
  /// server holds nothing of any client; return its pid.
  int start_quiet_server() const;

  /// The pid written in bbrun.lock (0 when none).
  int server_pid() const;
  std::string server_log() const { return read_file(builddir() / "bbrun-server.log"); }

  TempDir m_temp;
};

} // namespace bbrun::testing
