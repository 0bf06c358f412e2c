// SPDX-License-Identifier: MIT
// Joining the enclosing make's jobserver.
#include "client/make_jobserver.h"

#include "common/makeflags.h"

#include <fmt/core.h>

#include <fcntl.h>

namespace bbrun::client {

namespace {

// make 4.3's own words for the same situation.
constexpr const char* k_unavailable =
    "jobserver unavailable: using -j1.  Add '+' to parent make rule.";

// Whether `fd` is open, a pipe or fifo, and open for `access` (O_RDONLY or O_WRONLY).
bool usable_end(int fd, int access) {
  if (fd < 0 || ::fcntl(fd, F_GETFD) == -1 || !common::is_pipe(fd)) {
    return false;
  }
  int mode = ::fcntl(fd, F_GETFL) & O_ACCMODE;
  return mode == access || mode == O_RDWR;
}

MakeContext one_job(std::string warning) {
  MakeContext context;
  context.one_job = true;
  context.warning = std::move(warning);
  return context;
}

MakeContext join_pipe(const common::MakeFlags& flags) {
  if (!usable_end(flags.read_fd, O_RDONLY) || !usable_end(flags.write_fd, O_WRONLY)) {
    return one_job(k_unavailable);
  }
  MakeContext context;
  context.jobserver = MakeJobserver{flags.read_fd, flags.write_fd, {}, {}, flags.jobs};
  return context;
}

// O_RDWR: on Linux opening a fifo for both never waits for a peer.
MakeContext join_fifo(const common::MakeFlags& flags) {
  common::UniqueFd fd(::open(flags.fifo.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd || !common::is_pipe(fd.get())) {
    return one_job(fd ? fmt::format("jobserver fifo {} is not a fifo: using -j1", flags.fifo)
                      : common::errno_message("cannot open jobserver fifo " + flags.fifo) +
                            ": using -j1");
  }
  MakeContext context;
  int raw = fd.get();
  context.jobserver = MakeJobserver{raw, raw, std::move(fd), flags.fifo, flags.jobs};
  return context;
}

} // namespace

MakeContext join_make_jobserver(const char* makeflags) {
  if (makeflags == nullptr) {
    return {};
  }
  auto flags = common::parse_makeflags(makeflags);
  switch (flags.jobserver) {
  case common::JobserverKind::none:
    return {};
  case common::JobserverKind::pipe:
    return join_pipe(flags);
  case common::JobserverKind::fifo:
    return join_fifo(flags);
  case common::JobserverKind::malformed:
    break;
  }
  return one_job(fmt::format("invalid --jobserver-auth string '{}': using -j1", flags.auth));
}

} // namespace bbrun::client
