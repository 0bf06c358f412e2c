// SPDX-License-Identifier: MIT
// Turning server events into what the user sees.
#pragma once

#include "common/protocol.h"

#include <cstdio>
#include <memory>

namespace bbrun::client::ui {

/// Consumes events in arrival order. Called on the client's only thread.
class Renderer {
public:
  virtual ~Renderer() = default;
  virtual void render(const common::protocol::Json& event) = 0;
};

/// One line per event, knotty's wording ("NOTE: Running task 3 of 6 (hello:do_compile)").
/// `verbosity`: -1 errors only, 0 normal, 1+ more.
std::unique_ptr<Renderer> make_plain_renderer(std::FILE* out, int verbosity);
/// Every event as it arrived, one JSON object per line.
std::unique_ptr<Renderer> make_json_renderer(std::FILE* out);

} // namespace bbrun::client::ui
