// SPDX-License-Identifier: MIT
// The jobserver one build's tasks draw their slots from, and the one they offer to the makes
// they start (SPEC.md, "Jobserver").
//
// Inside make it is the client's: make's pipe (the fds came with the handshake) or make's
// fifo. Outside make it is the server's own, made for the build with `jobs` slots: a pipe, or a
// fifo (mode 0600) next to the socket when the host's make is 4.4 or newer. Either way the
// runqueue draws a token per task beyond the first from it (token_pool.h) and every task gets
// MAKEFLAGS naming it, so that a task's own `make` shares the same slots instead of adding
// PARALLEL_MAKE jobs of its own. For the pipe form both fds are given to each task at fixed
// numbers, and MAKEFLAGS names those numbers, not the server's.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "server/jobserver/make_version.h"
#include "server/jobserver/token_pool.h"

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::jobserver {

/// The jobserver of the make the client runs in, as the client passed it.
struct MakeJobserver {
  common::UniqueFd read;
  common::UniqueFd write;
  std::string fifo;             ///< the fifo form's path; empty for the pipe form
  std::optional<size_t> jobs;   ///< make's -jN, when the client saw it
  std::filesystem::path escrow; ///< the client's escrow fifo (common/token_escrow.h), if any
};

/// Owns the build's jobserver fds (and its fifo, if it made one) and the pool over them. All
/// of it is closed, and the fifo removed, when the object is destroyed: after that no process
/// of the server holds the client's make fds. Event-loop thread only.
class TaskJobserver {
public:
  /// Draw from the client's make jobserver; `jobs` is what -jN tells tasks when make did not
  /// say. Fails with ErrorKind::io when the fds cannot be used.
  static common::Result<std::unique_ptr<TaskJobserver>> join(boost::asio::io_context& io,
                                                             MakeJobserver make, size_t jobs);
  /// Make a jobserver with `jobs` slots (jobs - 1 tokens), in `style`; the fifo form puts it
  /// at `fifo` (replacing whatever is there). Fails with ErrorKind::io.
  static common::Result<std::unique_ptr<TaskJobserver>>
  create(boost::asio::io_context& io, size_t jobs, Style style, const std::filesystem::path& fifo);
  ~TaskJobserver();
  TaskJobserver(const TaskJobserver&) = delete;
  TaskJobserver& operator=(const TaskJobserver&) = delete;

  TokenPool& pool() { return *m_pool; }
  /// Fds every task must inherit, in order, for MAKEFLAGS to be true (the pipe form: read,
  /// write); empty for the fifo form.
  std::vector<int> task_fds() const;
  /// "MAKEFLAGS= -jN --jobserver-auth=..." and "PARALLELISM=N" for every task, where the task
  /// has `task_fds()` at `first_fd`, `first_fd` + 1.
  std::vector<std::string> task_environment(int first_fd) const;

private:
  TaskJobserver() = default;
  common::Result<void> open_pool(boost::asio::io_context& io, common::UniqueFd escrow = {});

  common::UniqueFd m_read;
  common::UniqueFd m_write; ///< unset when `m_read` is a fifo opened read-write
  std::string m_fifo;
  bool m_owns_fifo = false;
  std::filesystem::path m_escrow; ///< the client's escrow fifo, removed at the end

  size_t m_slots = 1;                ///< the jobserver's size: -jN and PARALLELISM for tasks
  std::unique_ptr<TokenPool> m_pool; ///< last: gives its tokens back before the fds close
};

} // namespace bbrun::server::jobserver
