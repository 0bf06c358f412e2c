// SPDX-License-Identifier: MIT
// Token pool over a jobserver.
#include "server/jobserver/token_pool.h"

#include "common/log.h"
#include "common/token_escrow.h"

#include <fmt/core.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace bbrun::server::jobserver {

common::Result<std::unique_ptr<TokenPool>> TokenPool::open(boost::asio::io_context& io, int read_fd,
                                                           int write_fd, common::UniqueFd escrow) {
  // A new open file description of the same pipe or fifo: O_NONBLOCK on it is ours alone.
  std::string path = fmt::format("/proc/self/fd/{}", read_fd);
  common::UniqueFd reader(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!reader) {
    return common::fail(common::ErrorKind::io,
                        common::errno_message("cannot reopen the jobserver through " + path));
  }
  common::Pipe own_escrow{std::move(escrow), {}};
  if (!own_escrow.read) {
    auto pipe = common::make_pipe();
    if (!pipe) {
      return common::fail(pipe.error());
    }
    own_escrow = std::move(*pipe);
  }
  return std::unique_ptr<TokenPool>(
      new TokenPool(io, std::move(reader), write_fd, std::move(own_escrow)));
}

TokenPool::TokenPool(boost::asio::io_context& io, common::UniqueFd private_read, int write_fd,
                     common::Pipe escrow)
    : m_reader(io, private_read.release()), m_write_fd(write_fd), m_escrow(std::move(escrow)),
      m_escrow_read(m_escrow.read.get()),
      m_escrow_write(m_escrow.write ? m_escrow.write.get() : m_escrow.read.get()) {}

TokenPool::~TokenPool() {
  *m_alive = false;
  boost::system::error_code ignored;
  m_reader.close(ignored);
  while (m_held > 0) {
    give_back_one();
  }
}

bool TokenPool::try_acquire() {
  if (m_in_use >= 1 + m_held) {
    return false;
  }
  ++m_in_use;
  return true;
}

void TokenPool::release() {
  if (m_in_use > 0) {
    --m_in_use;
  }
  give_back_spare();
}

void TokenPool::want(size_t count) {
  m_wanted = count;
  if (m_wanted > 0 && !m_waiting) {
    wait();
  } else if (m_wanted == 0 && m_waiting) {
    // The pending wait ends as aborted; no byte is read after a cancel.
    m_reader.cancel();
  }
}

void TokenPool::wait() {
  if (m_broken) {
    return;
  }
  m_waiting = true;
  m_reader.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, alive = m_alive](const boost::system::error_code& ec) {
                        if (!*alive) {
                          return;
                        }
                        m_waiting = false;
                        if (ec && ec != boost::asio::error::operation_aborted) {
                          common::log::warning("jobserver: {}: no more tokens for this build",
                                               ec.message());
                          m_broken = true;
                          return;
                        }
                        if (!ec && m_wanted > 0) {
                          on_readable();
                        }
                        if (m_wanted > 0 && !m_waiting) {
                          wait();
                        }
                      });
}

// Readable does not mean ours: make and its other children read the same pipe, and whoever
// reads first gets the byte (EAGAIN for the others).
void TokenPool::on_readable() {
  auto moved = common::move_token(m_reader.native_handle(), m_escrow_write);
  if (moved && *moved) {
    ++m_held;
    --m_wanted;
    if (m_on_token) {
      m_on_token();
    }
    give_back_spare();
    return;
  }
  if (!moved) {
    common::log::warning("jobserver: {}: no more tokens for this build", moved.error().message);
    m_broken = true;
  }
}

// Keep exactly one token per task beyond the first.
void TokenPool::give_back_spare() {
  size_t needed = m_in_use > 0 ? m_in_use - 1 : 0;
  while (m_held > needed) {
    give_back_one();
  }
}

// The jobserver pipe holds at most its own tokens, so moving one back never waits. If it
// fails, make is gone, and nobody is left to return the token to. An empty escrow means the
// client already gave everything back (it does when it loses us): nothing is owed.
void TokenPool::give_back_one() {
  --m_held;
  auto moved = common::move_token(m_escrow_read, m_write_fd);
  if (!moved) {
    common::log::warning("jobserver: cannot give a token back: {}", moved.error().message);
  }
}

} // namespace bbrun::server::jobserver
