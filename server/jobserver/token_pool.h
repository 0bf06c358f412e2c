// SPDX-License-Identifier: MIT
// Job slots of one build, drawn from a jobserver one token per task (SPEC.md, "Jobserver").
//
// The GNU make protocol: a jobserver is a pipe (or fifo) holding one byte per free job slot
// beyond the one every participant already has. To run one more job, read a byte; when that
// job ends, write the same byte back. So k tasks at once need k - 1 tokens: the first task uses
// the slot the build was given (the client's own slot in make, or the server's).
//
// Invariants kept here:
// - Never block the event loop, and never touch make's file description: the read end is
//   reopened through /proc/self/fd as a private description with O_NONBLOCK, and only that one
//   is given to Asio (Asio makes every fd it wraps non-blocking; doing that to make's shared
//   description makes make fail with "read jobs pipe: Resource temporarily unavailable").
// - Tokens are read only while a task waits for one, and go back the moment a task ends.
// - Every token still held goes back when the pool is destroyed, whatever ended the build.
// - A token held is never in this process's memory but in an escrow pipe, moved there and
//   back with splice (common/token_escrow.h), so that a SIGKILL of the server loses none: the
//   client, which shares the escrow, gives them back.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>

namespace bbrun::server::jobserver {

/// Event-loop thread only.
class TokenPool {
public:
  /// Draw from the jobserver whose ends are `read_fd` and `write_fd` (borrowed: they must
  /// outlive the pool; they may be one fd, for a fifo opened read-write), keeping the tokens
  /// held in `escrow` (a fifo opened read-write, now the pool's; none: a private pipe). Fails
  /// with ErrorKind::io when the read end cannot be reopened or no pipe can be made.
  static common::Result<std::unique_ptr<TokenPool>>
  open(boost::asio::io_context& io, int read_fd, int write_fd, common::UniqueFd escrow = {});
  ~TokenPool();
  TokenPool(const TokenPool&) = delete;
  TokenPool& operator=(const TokenPool&) = delete;

  /// Called, on the event loop, each time a token arrives that a caller may now claim.
  void on_token(std::function<void()> callback) { m_on_token = std::move(callback); }

  /// Claim a slot for one more task: the build's own slot when no task holds it, else a token
  /// already read. Returns false when there is none; then ask with `want()`.
  bool try_acquire();
  /// A task ended: give its slot back (a token, at once, while other tasks still run).
  void release();
  /// Read tokens until `count` more tasks could start; 0 stops waiting. Tokens arrive
  /// through `on_token`; one that nobody claims goes straight back.
  void want(size_t count);

  /// Tasks holding a slot.
  size_t in_use() const { return m_in_use; }
  /// Tokens read and not yet given back.
  size_t held() const { return m_held; }

private:
  TokenPool(boost::asio::io_context& io, common::UniqueFd private_read, int write_fd,
            common::Pipe escrow);
  void wait();
  void on_readable();
  void give_back_spare();
  void give_back_one();

  boost::asio::posix::stream_descriptor m_reader; ///< our private, non-blocking description
  int m_write_fd;
  common::Pipe m_escrow; ///< ends of the escrow; one fd twice for a fifo (both owned once)
  int m_escrow_read;
  int m_escrow_write;
  size_t m_held = 0; ///< tokens this pool moved into the escrow and not back
  size_t m_in_use = 0;
  size_t m_wanted = 0;
  bool m_waiting = false;
  bool m_broken = false;
  std::function<void()> m_on_token;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::jobserver
