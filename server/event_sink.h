// SPDX-License-Identifier: MIT
// Where the cooker and the runqueue send events.
#pragma once

#include "common/framing.h"
#include "common/json_writer.h"
#include "common/protocol.h"

#include <string>
#include <string_view>

namespace bbrun::server {

/// When an event must reach the client: at once, or within a few milliseconds together with
/// others (LineWriter::write_batched), as the events of every task may.
enum class Delivery { now, batched };

/// A consumer of protocol events (a UI session, a test recorder). Called on the event-loop
/// thread; must not block. Events keep their order whatever their delivery.
class EventSink {
public:
  virtual ~EventSink() = default;
  /// Send one event written as a line of JSON text (common/framing.h).
  virtual void send_line(std::string line, Delivery delivery) = 0;
  void send_event(const common::protocol::Json& event) {
    send_line(common::encode_line(event), Delivery::now);
  }
};

/// An event written straight to its line of text, with the "type" and "time" that
/// protocol::make_event gives: for the events of every task, where building a Json object
/// first costs more than the rest of sending it.
class EventLine {
public:
  explicit EventLine(std::string_view type) {
    m_out.begin_object().key("type").value(type);
    m_out.key("time").value(common::protocol::monotonic_seconds());
  }
  template <typename Value>
  EventLine& field(std::string_view key, const Value& value) {
    m_out.key(key).value(value);
    return *this;
  }
  /// A field holding an array of strings.
  template <typename Strings>
  EventLine& strings(std::string_view key, const Strings& values) {
    m_out.key(key).begin_array();
    for (const auto& value : values) {
      m_out.value(std::string_view(value));
    }
    m_out.end_array();
    return *this;
  }
  /// Send it to `sink`.
  void send(EventSink& sink, Delivery delivery = Delivery::now) {
    m_out.end_object();
    std::string line = m_out.take();
    line.push_back('\n');
    sink.send_line(std::move(line), delivery);
  }

private:
  common::JsonWriter m_out;
};

} // namespace bbrun::server
