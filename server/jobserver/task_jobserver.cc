// SPDX-License-Identifier: MIT
// A build's jobserver.
#include "server/jobserver/task_jobserver.h"

#include "common/log.h"
#include "common/token_escrow.h"

#include <fmt/core.h>

#include <algorithm>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::server::jobserver {

using common::ErrorKind;
using common::fail;

namespace {

// Far below a pipe's 64 KiB, so that filling it never blocks.
constexpr size_t k_max_tokens = 4096;
constexpr char k_token = '+';

// make writes a blank in an option value as "\ ", and so a backslash as "\\".
std::string escaped(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '\t' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

} // namespace

common::Result<std::unique_ptr<TaskJobserver>>
TaskJobserver::join(boost::asio::io_context& io, MakeJobserver make, size_t jobs) {
  std::unique_ptr<TaskJobserver> jobserver(new TaskJobserver());
  jobserver->m_read = std::move(make.read);
  jobserver->m_write = std::move(make.write);
  jobserver->m_fifo = std::move(make.fifo);
  jobserver->m_slots = std::max<size_t>(make.jobs.value_or(jobs), 1);
  common::UniqueFd escrow;
  if (!make.escrow.empty()) {
    jobserver->m_escrow = std::move(make.escrow);
    auto opened = common::open_escrow(jobserver->m_escrow);
    if (opened) {
      escrow = std::move(*opened);
    } else {
      common::log::warning("jobserver: {}: tokens are lost if the server is killed",
                           opened.error().message);
    }
  }
  if (auto opened = jobserver->open_pool(io, std::move(escrow)); !opened) {
    return fail(opened.error());
  }
  return jobserver;
}

common::Result<std::unique_ptr<TaskJobserver>>
TaskJobserver::create(boost::asio::io_context& io, size_t jobs, Style style,
                      const std::filesystem::path& fifo) {
  std::unique_ptr<TaskJobserver> jobserver(new TaskJobserver());
  jobserver->m_slots = std::max<size_t>(jobs, 1);
  if (style == Style::fifo) {
    ::unlink(fifo.c_str());
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
      return fail(ErrorKind::io, common::errno_message("mkfifo " + fifo.string()));
    }
    jobserver->m_fifo = fifo.string();
    jobserver->m_owns_fifo = true;
    // Read-write: never waits for a peer, and keeps the tokens alive while no task has it open.
    jobserver->m_read.reset(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));
    if (!jobserver->m_read) {
      return fail(ErrorKind::io, common::errno_message("open " + fifo.string()));
    }
  } else {
    auto pipe = common::make_pipe();
    if (!pipe) {
      return fail(pipe.error());
    }
    jobserver->m_read = std::move(pipe->read);
    jobserver->m_write = std::move(pipe->write);
  }
  int write_fd = jobserver->m_write ? jobserver->m_write.get() : jobserver->m_read.get();
  std::string tokens(std::min(jobserver->m_slots - 1, k_max_tokens), k_token);
  if (auto filled = common::write_all(write_fd, tokens); !filled) {
    return fail(filled.error());
  }
  if (auto opened = jobserver->open_pool(io); !opened) {
    return fail(opened.error());
  }
  return jobserver;
}

TaskJobserver::~TaskJobserver() {
  m_pool.reset();
  if (m_owns_fifo) {
    ::unlink(m_fifo.c_str());
  }
  // The client removes its escrow when it exits; this is for a client that was killed.
  if (!m_escrow.empty()) {
    ::unlink(m_escrow.c_str());
  }
}

common::Result<void> TaskJobserver::open_pool(boost::asio::io_context& io,
                                              common::UniqueFd escrow) {
  int write_fd = m_write ? m_write.get() : m_read.get();
  auto pool = TokenPool::open(io, m_read.get(), write_fd, std::move(escrow));
  if (!pool) {
    return fail(pool.error());
  }
  m_pool = std::move(*pool);
  return {};
}

std::vector<int> TaskJobserver::task_fds() const {
  if (!m_fifo.empty()) {
    return {};
  }
  return {m_read.get(), m_write.get()};
}

std::vector<std::string> TaskJobserver::task_environment(int first_fd) const {
  std::string auth =
      m_fifo.empty() ? fmt::format("{},{}", first_fd, first_fd + 1) : "fifo:" + escaped(m_fifo);
  // The leading blank is make's own: no single-letter flags.
  return {fmt::format("MAKEFLAGS= -j{} --jobserver-auth={}", m_slots, auth),
          fmt::format("PARALLELISM={}", m_slots)};
}

} // namespace bbrun::server::jobserver
