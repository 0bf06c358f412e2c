// SPDX-License-Identifier: MIT
// Queued, non-blocking writes of NDJSON lines to one pipe.
#pragma once

#include "common/unique_fd.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bbrun::server {

/// Writes lines to a pipe in order without ever blocking the event loop. The queue is bounded:
/// a reader that stops reading cannot make the server grow without limit; past the bound the
/// writer fails, as it does when the reader is gone. Called on the event-loop thread only.
class LineWriter {
public:
  /// Called once, on the first write error or overflow, with a description.
  using FailureHandler = std::function<void(const std::string&)>;

  static constexpr size_t k_default_limit = size_t{64} << 20;

  LineWriter(boost::asio::io_context& io, common::UniqueFd fd, FailureHandler on_failure,
             size_t limit = k_default_limit);
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  /// Lines written with write_batched go out within this, several in one write.
  static constexpr std::chrono::milliseconds k_batch_delay{10};

  /// Queue `line` (which ends with '\n'), to go out once the current handler returns. Ignored
  /// once the writer has failed or closed.
  void write(std::string line);
  /// Write `line` before returning, as far as the pipe takes it without blocking, when nothing
  /// queued comes before it; queue the rest as `write` does: for a reader that waits on each
  /// line, the task launcher.
  void write_now(std::string line);
  /// Queue `line` to go out within k_batch_delay, with whatever else is queued by then (or at
  /// once with the next `write`): for frequent lines nobody waits on, the events of every task,
  /// which then cost one system call, and one wakeup of the reader, for many.
  void write_batched(std::string line);
  /// Stop writing and close the pipe; queued lines are dropped.
  void close();

private:
  bool queue(std::string line);
  /// Start writing what is queued, now or after k_batch_delay, unless a write is under way
  /// (its end calls this again).
  void schedule();
  void write_front();
  void fail(const std::string& why);

  boost::asio::posix::stream_descriptor m_pipe;
  FailureHandler m_on_failure;
  size_t m_limit;
  std::string m_queued;      ///< lines not yet being written
  std::string m_sending;     ///< being written
  size_t m_queued_bytes = 0; ///< in both
  /// idle; a write about to start (nothing of m_queued written yet); or one under way.
  enum class Writing { no, soon, now } m_writing = Writing::no;
  bool m_urgent = false;   ///< a line of m_queued came through `write`
  bool m_batching = false; ///< m_timer runs: queued lines go when it expires
  boost::asio::steady_timer m_timer;
  bool m_failed = false;
  // A write that completed before a close or the destruction still has its handler queued:
  // the flag tells it that the writer is gone.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server
