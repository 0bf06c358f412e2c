// SPDX-License-Identifier: MIT
// One UI session.
#include "server/ui_session.h"

#include "common/log.h"

#include <boost/asio/post.hpp>

#include <iterator>

namespace bbrun::server {

namespace protocol = common::protocol;

UiSession::UiSession(boost::asio::io_context& io, UiChannels channels, unsigned id,
                     SessionHost& host)
    : m_id(id), m_host(host), m_commands(io, channels.commands.release()),
      m_replies(io, std::move(channels.replies),
                [this](const std::string& why) { close("reply pipe: " + why); }),
      m_events(io, std::move(channels.events),
               [this](const std::string& why) { close("event pipe: " + why); }),
      m_jobserver(std::move(channels.jobserver)) {}

UiSession::~UiSession() {
  *m_alive = false;
}

void UiSession::start() {
  read_more();
}

void UiSession::read_more() {
  m_commands.async_read_some(
      boost::asio::buffer(m_buffer),
      [this, alive = m_alive](const boost::system::error_code& ec, size_t n) {
        if (!*alive || ec == boost::asio::error::operation_aborted) {
          return;
        }
        if (ec) {
          close(ec == boost::asio::error::eof ? "client closed its command pipe" : ec.message());
          return;
        }
        std::vector<common::Line> lines;
        m_decoder.feed(std::string_view(m_buffer.data(), n), lines);
        std::move(lines.begin(), lines.end(), std::back_inserter(m_pending));
        handle_next();
      });
}

// One command per turn of the event loop: a client that sends a hundred expensive commands
// at once must not keep every other session waiting until all are done. The next read waits
// until this one's lines are handled, so a flood is held back by the pipe, not by our memory.
void UiSession::handle_next() {
  if (m_pending.empty()) {
    read_more();
    return;
  }
  common::Line line = std::move(m_pending.front());
  m_pending.pop_front();
  auto alive = m_alive;
  handle_line(line);
  if (!*alive || m_closed) {
    return;
  }
  boost::asio::post(m_commands.get_executor(), [this, alive] {
    if (*alive && !m_closed) {
      handle_next();
    }
  });
}

void UiSession::handle_line(const common::Line& line) {
  if (line.too_long) {
    reply(protocol::error_reply("command line longer than 1 MiB"));
    return;
  }
  auto command = protocol::parse_command(line.text);
  if (!command) {
    reply(protocol::error_reply(command.error().message));
    return;
  }
  m_host.on_command(*this, std::move(*command));
}

void UiSession::reply(protocol::Json reply) {
  m_replies.write(common::encode_line(reply));
}

void UiSession::send_line(std::string line, Delivery delivery) {
  if (delivery == Delivery::batched) {
    m_events.write_batched(std::move(line));
  } else {
    m_events.write(std::move(line));
  }
}

void UiSession::close(const std::string& why) {
  if (m_closed) {
    return;
  }
  m_closed = true;
  common::log::info("session {}: closed ({})", m_id, why);
  boost::system::error_code ignored;
  m_commands.close(ignored);
  m_host.on_session_closed(*this);
}

} // namespace bbrun::server
