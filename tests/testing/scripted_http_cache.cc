// SPDX-License-Identifier: MIT
// Misbehaving HTTP caches for tests.
#include "tests/testing/scripted_http_cache.h"

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

#include <csignal>
#include <sys/wait.h>

namespace bbrun::testing {

namespace fs = std::filesystem;

std::unique_ptr<ScriptedHttpCache> ScriptedHttpCache::start(const fs::path& dir,
                                                            const std::vector<std::string>& options,
                                                            std::string* why) {
  fs::create_directories(dir / "root");
  fs::remove(dir / "port");
  std::vector<std::string> argv{"python3", BBRUN_TESTING_DIR "/http_cache_server.py",
                                (dir / "root").string(), (dir / "port").string()};
  argv.insert(argv.end(), options.begin(), options.end());
  pid_t pid = start_process(argv, dir, {}, dir / "output");
  bool up = wait_until([&] { return fs::exists(dir / "port") || !process_alive(pid); });
  std::unique_ptr<ScriptedHttpCache> server(
      new ScriptedHttpCache(pid, up ? read_file(dir / "port") : ""));
  if (server->m_port.empty()) {
    *why = "the scripted HTTP cache did not start: " + read_file(dir / "output");
    return nullptr;
  }
  return server;
}

ScriptedHttpCache::~ScriptedHttpCache() {
  ::kill(m_pid, SIGKILL);
  ::waitpid(m_pid, nullptr, 0);
}

std::string ScriptedHttpCache::url() const {
  return "http://127.0.0.1:" + m_port;
}

} // namespace bbrun::testing
