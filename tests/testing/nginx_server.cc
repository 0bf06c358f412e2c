// SPDX-License-Identifier: MIT
// nginx for tests.
#include "tests/testing/nginx_server.h"

#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

#include <fmt/core.h>

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::testing {

namespace fs = std::filesystem;

namespace {

// A port that was free a moment ago: the kernel's choice for a socket bound to port 0.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// One process (no workers, so it keeps the tests' user and needs no other), WebDAV PUT on.
std::string config(const fs::path& dir, int port) {
  return fmt::format(R"(daemon off;
master_process off;
pid {0}/nginx.pid;
error_log {0}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {0}/body;
  proxy_temp_path {0}/proxy;
  fastcgi_temp_path {0}/fastcgi;
  uwsgi_temp_path {0}/uwsgi;
  scgi_temp_path {0}/scgi;
  server {{
    listen 127.0.0.1:{1};
    root {0}/root;
    client_max_body_size 0;
    location / {{
      dav_methods PUT DELETE;
      create_full_put_path on;
    }}
  }}
}}
)",
                     dir.string(), port);
}

} // namespace

fs::path NginxServer::binary() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(path, X_OK) == 0) {
      return path;
    }
  }
  return {};
}

std::unique_ptr<NginxServer> NginxServer::start(const fs::path& dir, std::string* why) {
  auto nginx = binary();
  int port = free_port();
  fs::create_directories(dir / "root");
  std::ofstream(dir / "nginx.conf") << config(dir, port);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::execl(nginx.c_str(), nginx.c_str(), "-p", dir.c_str(), "-e", (dir / "error.log").c_str(),
            "-c", (dir / "nginx.conf").c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::unique_ptr<NginxServer> server(new NginxServer(pid, port, dir / "root"));
  if (!wait_until([&] { return accepts(port) || !process_alive(pid); })) {
    *why = "nginx did not start listening: " + read_file(dir / "error.log");
    return nullptr;
  }
  if (!accepts(port)) {
    *why = "nginx exited: " + read_file(dir / "error.log");
    return nullptr;
  }
  return server;
}

NginxServer::~NginxServer() {
  stop();
}

std::string NginxServer::url() const {
  return fmt::format("http://127.0.0.1:{}", m_port);
}

void NginxServer::stop() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = 0;
  }
}

} // namespace bbrun::testing
