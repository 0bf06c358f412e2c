// SPDX-License-Identifier: MIT
// A real nginx (Debian's package) serving WebDAV on a loopback port, as a shared-state HTTP
// cache for tests: GET, HEAD and PUT of any path under its root.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <sys/types.h>

namespace bbrun::testing {

class NginxServer {
public:
  /// The nginx binary, or an empty path when it is not installed.
  static std::filesystem::path binary();

  /// Start nginx with its configuration, root and logs under `dir`; nullptr (with `why`) when it
  /// does not come up.
  static std::unique_ptr<NginxServer> start(const std::filesystem::path& dir, std::string* why);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string url() const;
  const std::filesystem::path& root() const { return m_root; }
  /// Kill it (SIGKILL) and wait: from now on its port refuses connections.
  void stop();

private:
  NginxServer(pid_t pid, int port, std::filesystem::path root)
      : m_pid(pid), m_port(port), m_root(std::move(root)) {}

  pid_t m_pid;
  int m_port;
  std::filesystem::path m_root;
};

} // namespace bbrun::testing
