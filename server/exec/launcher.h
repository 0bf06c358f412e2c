// SPDX-License-Identifier: MIT
// The task launcher: a small process, forked once when the server starts, that forks tasks.
//
// Forking the cooker for every task costs more than the task itself once the cooker holds
// parsed metadata: page tables to copy, then copy-on-write faults on every page the cooker
// touches until the child execs. The launcher is forked while the server is still small and
// single-threaded, so its forks stay cheap, and nothing the cooker later holds (threads,
// databases, an interpreter) is ever inside a task's fork. This is BitBake's cooker/worker
// split.
//
// Frames over a socketpair (launcher_frames.h), JSON requests one way and binary reports the
// other:
//   cooker -> launcher  {"lend": K}                       the K fds every task started from
//                                                       now on inherits (a build's jobserver),
//                                                       sent just before as one SCM_RIGHTS
//                                                       message on the fd socket; K = 0 takes
//                                                       back those lent before
//                       {"id": N, "plan": TaskPlan}       start a task
//   launcher -> cooker  started N, pid P                  it runs, in process group P
//                       messages N, bytes                 what it wrote to its message channel
//                       ended N, pid P, exit status       it ended; its last messages come
//                                                       just before
//                       failed N, why                     it could not be forked
// A task's pid is reported on its own only if it still runs 20 ms after it started (or
// when it ended, then with its exit): most tasks end sooner, and one message per task wakes
// the cooker once. It is also recorded at once in memory both share (StartedPids), where the
// cooker looks only if the launcher dies before reporting it.
// The launcher makes each task's message channel and forwards what it reads there (up to the
// cap TaskMessageDecoder keeps), so the cooker spends no system call on a channel, and the
// fds lent for a build cross between the processes once, not with every task. The fd socket
// is a second socketpair (SOCK_SEQPACKET) that carries nothing but those fds: the stream
// socket is written asynchronously, so fds could not be tied to a place in it. They are sent
// before their frame is queued, so they are there when the launcher reads the frame. The
// launcher holds a client's jobserver fds only while they are lent, for one build. It exits
// when the cooker's end closes, killing the tasks it still runs.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "server/exec/started_pids.h"

#include <memory>
#include <sys/types.h>

namespace bbrun::server::exec {

struct Launcher {
  common::UniqueFd socket;    ///< the cooker's end
  common::UniqueFd fd_socket; ///< the cooker's end of the fd socket (non-blocking)
  pid_t pid = 0;
  std::shared_ptr<StartedPids> pids;
};

/// Fork the launcher. Call it early, while the process is small and has one thread.
common::Result<Launcher> start_launcher();

} // namespace bbrun::server::exec
