// SPDX-License-Identifier: MIT
// Queued, non-blocking writes of NDJSON lines to one pipe.
#pragma once

#include "common/unique_fd.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

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

  /// Queue `line` (which ends with '\n'). Ignored once the writer has failed or closed.
  void write(std::string line);
  /// Stop writing and close the pipe; queued lines are dropped.
  void close();

private:
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
  bool m_failed = false;
  // A write that completed before a close or the destruction still has its handler queued:
  // the flag tells it that the writer is gone.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server
