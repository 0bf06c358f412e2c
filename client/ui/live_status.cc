// SPDX-License-Identifier: MIT
// The fancy UI's footer contents.
#include "client/ui/live_status.h"

#include "client/ui/progress_text.h"

#include <fmt/core.h>

#include <algorithm>

namespace bbrun::client::ui {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

constexpr size_t k_max_bar_width = 40;
constexpr size_t k_min_bar_width = 10;

std::string task_label(const Json& event) {
  return fmt::format("{}:{}", event.value("recipe", "?"), event.value("task", "?"));
}

// `head`, a bar as wide as what is left of `width` allows (within limits), then `tail`; without
// the bar, cut to `width`, when too little is left.
std::string with_bar(const std::string& head, double fraction, const std::string& tail,
                     size_t width) {
  size_t text = display_width(head) + 1 + display_width(tail);
  size_t room = width > text ? width - text : 0;
  if (room < k_min_bar_width) {
    return fit_to_width(head + tail, width);
  }
  return head + " " + progress_bar(fraction, std::min(room, k_max_bar_width)) + tail;
}

double fraction(size_t done, size_t total) {
  return total == 0 ? 0.0 : static_cast<double>(done) / static_cast<double>(total);
}

} // namespace

bool LiveStatus::update(const Json& event) {
  std::string type = event.value("type", "");
  double time = event.value("time", 0.0);
  if (type == protocol::event::parse_started) {
    m_phase = Phase::parsing;
    m_parsed = 0;
    m_recipes = event.value("total", size_t{0});
    m_parse_started = m_parse_latest = time;
  } else if (type == protocol::event::parse_progress) {
    m_parsed = event.value("current", size_t{0});
    m_recipes = event.value("total", m_recipes);
    m_parse_latest = time;
  } else if (type == protocol::event::task_started) {
    m_phase = Phase::building;
    m_tasks_started = std::max(m_tasks_started, event.value("number", size_t{0}));
    m_tasks_total = event.value("total", m_tasks_total);
    m_running.push_back({task_label(event), time});
  } else if (type == protocol::event::task_completed || type == protocol::event::task_failed) {
    task_ended(event);
  } else if (type == protocol::event::parse_completed || type == protocol::event::build_completed) {
    *this = LiveStatus();
  } else {
    return false;
  }
  return true;
}

void LiveStatus::task_ended(const Json& event) {
  ++m_tasks_ended;
  auto it =
      std::find_if(m_running.begin(), m_running.end(),
                   [label = task_label(event)](const auto& task) { return task.label == label; });
  if (it != m_running.end()) {
    m_running.erase(it);
  }
}

std::string LiveStatus::parse_line(size_t width) const {
  double seconds = m_parse_latest - m_parse_started;
  std::string rate =
      seconds > 0 ? fmt::format(" {:.0f}/s", static_cast<double>(m_parsed) / seconds) : "";
  return with_bar("Parsing recipes", fraction(m_parsed, m_recipes),
                  fmt::format(" {} of {}{}", m_parsed, m_recipes, rate), width);
}

std::string LiveStatus::build_line(size_t width) const {
  return with_bar(fmt::format("Running tasks ({} of {})", m_tasks_started, m_tasks_total),
                  fraction(m_tasks_ended, m_tasks_total), "", width);
}

std::vector<std::string> LiveStatus::lines(double now, TerminalSize size) const {
  auto width = static_cast<size_t>(std::max(size.columns - 1, 1));
  if (m_phase == Phase::parsing) {
    return {parse_line(width)};
  }
  if (m_phase == Phase::idle) {
    return {};
  }
  std::vector<std::string> lines{build_line(width)};
  auto room = static_cast<size_t>(std::max(size.rows / 2 - 1, 1));
  size_t shown = m_running.size() <= room ? m_running.size() : room - 1;
  for (size_t i = 0; i < shown; ++i) {
    const auto& task = m_running[i];
    lines.push_back(fit_to_width(
        fmt::format("  {:>6}  {}", format_elapsed(now - task.started), task.label), width));
  }
  if (shown < m_running.size()) {
    lines.push_back(
        fit_to_width(fmt::format("  ... and {} more", m_running.size() - shown), width));
  }
  return lines;
}

} // namespace bbrun::client::ui
