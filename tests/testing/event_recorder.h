// SPDX-License-Identifier: MIT
// An event sink that keeps every event, for assertions.
#pragma once

#include "server/event_sink.h"

#include <string>
#include <vector>

namespace bbrun::testing {

class EventRecorder final : public server::EventSink {
public:
  /// Each line is parsed back: what the server writes must be JSON a client reads.
  void send_line(std::string line, server::Delivery /*delivery*/) override {
    m_events.push_back(common::protocol::Json::parse(line));
  }

  const std::vector<common::protocol::Json>& events() const { return m_events; }
  /// The events of `type`, in order.
  std::vector<common::protocol::Json> of_type(std::string_view type) const {
    std::vector<common::protocol::Json> out;
    for (const auto& event : m_events) {
      if (event.value("type", "") == type) {
        out.push_back(event);
      }
    }
    return out;
  }

private:
  std::vector<common::protocol::Json> m_events;
};

} // namespace bbrun::testing
