// SPDX-License-Identifier: MIT
// A shared-state HTTP cache that misbehaves on purpose (http_cache_server.py beside this file):
// a captive portal that answers every request with a login page, or a server that dies after
// serving a given number of objects.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bbrun::testing {

class ScriptedHttpCache {
public:
  /// Start the script serving `dir`/root with `options` ("--junk", or "--exit-after-objects"
  /// and a count); nullptr (with `why`) when it does not come up.
  static std::unique_ptr<ScriptedHttpCache> start(const std::filesystem::path& dir,
                                                  const std::vector<std::string>& options,
                                                  std::string* why);
  /// Kills it (SIGKILL) if it still runs, and reaps it.
  ~ScriptedHttpCache();
  ScriptedHttpCache(const ScriptedHttpCache&) = delete;
  ScriptedHttpCache& operator=(const ScriptedHttpCache&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string url() const;

private:
  ScriptedHttpCache(pid_t pid, std::string port) : m_pid(pid), m_port(std::move(port)) {}

  pid_t m_pid;
  std::string m_port;
};

} // namespace bbrun::testing
