// SPDX-License-Identifier: MIT
// Turning server events into what the user sees, in one of three modes (README, "User
// interface"): plain lines, a fancy terminal footer, or JSON.
#pragma once

#include "client/ui/rerun_command.h"
#include "client/ui/terminal.h"
#include "common/protocol.h"

#include <cstdio>
#include <functional>
#include <memory>

namespace bbrun::client::ui {

/// Consumes events in arrival order. All calls come from the client's only thread.
class Renderer {
public:
  virtual ~Renderer() = default;

  /// Show `event`.
  virtual void render(const common::protocol::Json& event) = 0;

  /// The user pressed Ctrl-C for the `count`th time: say what happens now.
  virtual void interrupted(int count) = 0;

  /// Redraw what changes with time or with the terminal's size. Called after each event and
  /// whenever no event came for tick_interval_ms().
  virtual void tick() {}

  /// How long the caller may wait for an event before calling tick(); -1: as long as it likes.
  virtual int tick_interval_ms() const { return -1; }
};

struct RendererOptions {
  int verbosity = 0; ///< -1 quiet, 0 normal, 1 verbose, 2 debug
  RerunCommand rerun;
};

/// What the fancy renderer draws on: the real terminal, or a fixed one in tests.
struct FancyDisplay {
  bool colour = false;
  std::function<TerminalSize()> size;
  std::function<double()> now; ///< monotonic seconds, as event times are
};

/// The terminal behind `out`, with colour unless NO_COLOR says otherwise.
FancyDisplay terminal_display(std::FILE* out);

/// One line per event, knotty's wording (client/ui/event_text.h).
std::unique_ptr<Renderer> make_plain_renderer(std::FILE* out, RendererOptions options);

/// Every event as it arrived, one JSON object per line on `out`; the client's own notes (the
/// Ctrl-C messages) go to `notes` so that `out` stays JSON.
std::unique_ptr<Renderer> make_json_renderer(std::FILE* out, std::FILE* notes);

/// Messages scroll on `out` above a footer with the parse progress bar, or the build's
/// progress and its running tasks.
std::unique_ptr<Renderer> make_fancy_renderer(std::FILE* out, RendererOptions options,
                                              FancyDisplay display);

} // namespace bbrun::client::ui
