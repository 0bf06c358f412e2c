// SPDX-License-Identifier: MIT
// Queued pipe writer.
#include "server/line_writer.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fmt/core.h>

namespace bbrun::server {

LineWriter::LineWriter(boost::asio::io_context& io, common::UniqueFd fd, FailureHandler on_failure,
                       size_t limit)
    : m_pipe(io, fd.release()), m_on_failure(std::move(on_failure)), m_limit(limit), m_timer(io) {
  // write_now must never block; the asynchronous writes do not care.
  boost::system::error_code ignored;
  m_pipe.non_blocking(true, ignored);
}

LineWriter::~LineWriter() {
  *m_alive = false;
  // Lines queued in the handler that destroys the writer (a last reply), or waiting for their
  // batch, still go, as far as the pipe takes them now; a write already under way is left
  // alone, lest lines interleave.
  if (m_writing != Writing::now && m_pipe.is_open()) {
    boost::system::error_code ec;
    std::string_view rest = m_queued;
    while (!ec && !rest.empty()) {
      rest.remove_prefix(m_pipe.write_some(boost::asio::buffer(rest), ec));
    }
  }
}

void LineWriter::write(std::string line) {
  if (queue(std::move(line))) {
    m_urgent = true;
    schedule();
  }
}

void LineWriter::write_now(std::string line) {
  if (m_writing == Writing::no && m_queued.empty() && !m_failed && m_pipe.is_open()) {
    boost::system::error_code ec;
    size_t written = m_pipe.write_some(boost::asio::buffer(line), ec);
    if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::interrupted) {
      fail(ec.message());
      return;
    }
    if (written == line.size()) {
      return;
    }
    line.erase(0, written);
  }
  write(std::move(line));
}

void LineWriter::write_batched(std::string line) {
  if (queue(std::move(line))) {
    schedule();
  }
}

bool LineWriter::queue(std::string line) {
  if (m_failed || !m_pipe.is_open()) {
    return false;
  }
  m_queued_bytes += line.size();
  m_queued += line;
  if (m_queued_bytes > m_limit) {
    fail(fmt::format("reader is not reading: {} bytes queued", m_queued_bytes));
    return false;
  }
  return true;
}

void LineWriter::schedule() {
  if (m_writing != Writing::no || m_queued.empty()) {
    return;
  }
  if (m_urgent) {
    // Written once the handler queueing this line returns, with whatever else it queues: a
    // task's end and the next task's start are one system call, not two.
    m_writing = Writing::soon;
    boost::asio::post(m_pipe.get_executor(), [this, alive = m_alive] {
      if (*alive && m_pipe.is_open()) {
        write_front();
      }
    });
  } else if (!m_batching) {
    m_batching = true;
    m_timer.expires_after(k_batch_delay);
    m_timer.async_wait([this, alive = m_alive](const boost::system::error_code& ec) {
      if (!*alive || ec) {
        return;
      }
      m_batching = false;
      // An urgent line may have taken the batch along already.
      if (m_pipe.is_open() && m_writing == Writing::no && !m_queued.empty()) {
        write_front();
      }
    });
  }
}

void LineWriter::write_front() {
  // Lines queued while a write was under way go out together, in one system call.
  m_sending.clear();
  std::swap(m_sending, m_queued);
  m_urgent = false;
  m_writing = Writing::now;
  boost::asio::async_write(m_pipe, boost::asio::buffer(m_sending),
                           [this, alive = m_alive](const boost::system::error_code& ec, size_t) {
                             // Destroyed, or closed (which emptied the queue): whether the
                             // write was aborted or had completed, there is nothing to do.
                             if (!*alive || !m_pipe.is_open()) {
                               return;
                             }
                             m_writing = Writing::no;
                             if (ec) {
                               fail(ec.message());
                               return;
                             }
                             m_queued_bytes -= m_sending.size();
                             if (m_urgent) {
                               write_front();
                             } else {
                               schedule();
                             }
                           });
}

void LineWriter::fail(const std::string& why) {
  if (m_failed) {
    return;
  }
  m_failed = true;
  close();
  if (m_on_failure) {
    m_on_failure(why);
  }
}

void LineWriter::close() {
  m_timer.cancel();
  m_queued.clear();
  m_sending.clear();
  m_queued_bytes = 0;
  boost::system::error_code ignored;
  m_pipe.close(ignored);
}

} // namespace bbrun::server
