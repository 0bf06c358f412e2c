// SPDX-License-Identifier: MIT
// Where the cooker and the runqueue send events.
#pragma once

#include "common/protocol.h"

namespace bbrun::server {

/// A consumer of protocol events (a UI session, a test recorder). Called on the event-loop
/// thread; must not block.
class EventSink {
public:
  virtual ~EventSink() = default;
  virtual void send_event(common::protocol::Json event) = 0;
};

} // namespace bbrun::server
