// SPDX-License-Identifier: MIT
// What the fancy UI's footer shows, worked out from the events so far: the parse progress bar,
// or the build's progress line and the tasks running now.
#pragma once

#include "client/ui/terminal.h"
#include "common/protocol.h"

#include <string>
#include <vector>

namespace bbrun::client::ui {

class LiveStatus {
public:
  /// Take in one event. Returns whether what the footer shows changed.
  bool update(const common::protocol::Json& event);

  /// The footer at monotonic time `now` for a terminal of `size`: each line fits in
  /// `size.columns` - 1 columns, and there are at most half the terminal's rows. Empty when
  /// nothing is in progress.
  std::vector<std::string> lines(double now, TerminalSize size) const;

private:
  enum class Phase { idle, parsing, building };
  struct RunningTask {
    std::string label;
    double started;
  };

  std::string parse_line(size_t width) const;
  std::string build_line(size_t width) const;
  void task_ended(const common::protocol::Json& event);

  Phase m_phase = Phase::idle;
  size_t m_parsed = 0;
  size_t m_recipes = 0;
  double m_parse_started = 0;
  double m_parse_latest = 0;
  size_t m_tasks_started = 0;
  size_t m_tasks_ended = 0;
  size_t m_tasks_total = 0;
  std::vector<RunningTask> m_running; ///< oldest first
};

} // namespace bbrun::client::ui
