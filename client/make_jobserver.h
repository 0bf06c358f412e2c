// SPDX-License-Identifier: MIT
// The jobserver of the make that runs this client, found through MAKEFLAGS (SPEC.md, "Jobserver").
//
// The client only checks and opens what make gave it; the server takes and returns the tokens.
// With the pipe form the fds must really be open pipes: make 4.3 closes them for recipe lines
// it does not know to be recursive (no `+`, no $(MAKE)) while MAKEFLAGS still names them, and
// the numbers may by then belong to something else. make's answer is to warn and run one job
// at a time, and so does bbrun.
#pragma once

#include "common/unique_fd.h"

#include <optional>
#include <string>

namespace bbrun::client {

/// A jobserver this client may hand to the server (the handshake's fds 4 and 5).
struct MakeJobserver {
  int read_fd = -1;             ///< make's fd, or `fifo_fd`; not owned
  int write_fd = -1;            ///< make's fd, or `fifo_fd`; not owned
  common::UniqueFd fifo_fd;     ///< the fifo form: our own read-write opening of the fifo
  std::string fifo;             ///< the fifo form: its path, for the tasks' MAKEFLAGS
  std::optional<unsigned> jobs; ///< make's -jN, when MAKEFLAGS says it
};

/// What running inside make means for this client's build.
struct MakeContext {
  std::optional<MakeJobserver> jobserver; ///< a usable jobserver
  bool one_job = false;                   ///< make asked for parallel jobs, but none can be had
  std::string warning;                    ///< to print once when `one_job`
};

/// Look at `makeflags` (MAKEFLAGS, or null when unset) and at the fds it names.
MakeContext join_make_jobserver(const char* makeflags);

} // namespace bbrun::client
