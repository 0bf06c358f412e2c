// SPDX-License-Identifier: MIT
// AF_UNIX listen/connect with long-path support.
#include "common/unix_socket.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace bbrun::common {

namespace {

// A new socket and the address to bind or connect it to, plus the directory fd that keeps a
// /proc/self/fd path valid.
struct Endpoint {
  struct sockaddr_un addr {};
  UniqueFd dir;
  UniqueFd sock;
};

Result<Endpoint> make_endpoint(const std::filesystem::path& path) {
  Endpoint address;
  address.addr.sun_family = AF_UNIX;
  std::string name = path.string();
  if (name.size() >= sizeof address.addr.sun_path) {
    address.dir.reset(::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!address.dir) {
      return fail(ErrorKind::io, errno_message("open " + path.parent_path().string()));
    }
    name = "/proc/self/fd/" + std::to_string(address.dir.get()) + "/" + path.filename().string();
  }
  std::memcpy(address.addr.sun_path, name.c_str(), name.size() + 1);
  address.sock.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!address.sock) {
    return fail(ErrorKind::io, errno_message("socket"));
  }
  return address;
}

} // namespace

Result<UniqueFd> listen_unix(const std::filesystem::path& path, int backlog) {
  auto address = make_endpoint(path);
  if (!address) {
    return fail(address.error());
  }
  UniqueFd& sock = address->sock;
  // The umask makes the socket 0600 from the start, with no window in which another user
  // could connect before a chmod.
  mode_t old_mask = ::umask(0177);
  int rc =
      ::bind(sock.get(), reinterpret_cast<struct sockaddr*>(&address->addr), sizeof address->addr);
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) {
    return fail(ErrorKind::io, errno_message("bind " + path.string(), bind_errno));
  }
  if (::listen(sock.get(), backlog) != 0) {
    return fail(ErrorKind::io, errno_message("listen"));
  }
  return std::move(sock);
}

Result<UniqueFd> connect_unix(const std::filesystem::path& path) {
  auto address = make_endpoint(path);
  if (!address) {
    return fail(address.error());
  }
  UniqueFd& sock = address->sock;
  int rc;
  do {
    rc = ::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&address->addr),
                   sizeof address->addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    ErrorKind kind =
        (errno == ENOENT || errno == ECONNREFUSED) ? ErrorKind::transient : ErrorKind::io;
    return fail(kind, errno_message("connect " + path.string()));
  }
  return std::move(sock);
}

} // namespace bbrun::common
