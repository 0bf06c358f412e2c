// SPDX-License-Identifier: MIT
// The words for each event.
#include "client/ui/event_text.h"

#include <fmt/core.h>
#include <fmt/format.h>

namespace bbrun::client::ui {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

std::string task_label(const Json& event) {
  return fmt::format("{}:{}", event.value("recipe", "?"), event.value("task", "?"));
}

std::string plural(size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

Level level_named(const std::string& name) {
  static const std::map<std::string, Level, std::less<>> k_levels{
      {"debug", Level::debug}, {"verbose", Level::verbose}, {"note", Level::note},
      {"plain", Level::plain}, {"warning", Level::warning}, {"error", Level::error}};
  auto it = k_levels.find(name);
  return it == k_levels.end() ? Level::note : it->second;
}

} // namespace

std::string_view level_prefix(Level level) {
  switch (level) {
  case Level::debug:
    return "DEBUG: ";
  case Level::verbose:
  case Level::note:
    return "NOTE: ";
  case Level::plain:
  case Level::detail:
    return "";
  case Level::warning:
    return "WARNING: ";
  case Level::error:
    return "ERROR: ";
  }
  return "";
}

const std::map<std::string, EventText::Handler, std::less<>> EventText::k_handlers{
    {std::string(protocol::event::parse_started), &EventText::parse_started},
    {std::string(protocol::event::parse_progress), &EventText::parse_progress},
    {std::string(protocol::event::parse_completed), &EventText::parse_completed},
    {std::string(protocol::event::runqueue_state_changed), &EventText::runqueue_state_changed},
    {std::string(protocol::event::task_started), &EventText::task_started},
    {std::string(protocol::event::task_completed), &EventText::task_completed},
    {std::string(protocol::event::task_skipped), &EventText::task_skipped},
    {std::string(protocol::event::task_failed), &EventText::task_failed},
    {std::string(protocol::event::log_message), &EventText::log_message},
    {std::string(protocol::event::build_completed), &EventText::build_completed},
};

EventText::EventText(int verbosity, RerunCommand rerun)
    : m_verbosity(verbosity), m_rerun(std::move(rerun)) {}

std::vector<Line> EventText::lines_for(const Json& event) {
  std::vector<Line> lines;
  auto it = k_handlers.find(event.value("type", ""));
  if (it != k_handlers.end()) {
    (this->*(it->second))(event, lines);
  }
  return lines;
}

std::vector<Line> EventText::interrupted(int count) const {
  std::vector<Line> lines;
  add(lines, Level::warning,
      count == 1 ? "Interrupted: no new tasks will start; running tasks will finish. "
                   "Press Ctrl-C again to stop them now."
                 : "Interrupted again: stopping the running tasks.");
  return lines;
}

void EventText::add(std::vector<Line>& lines, Level level, std::string text, LineKind kind) const {
  static const std::map<Level, int> k_least_verbosity{
      {Level::debug, 2},   {Level::verbose, 1},  {Level::note, 0},  {Level::plain, 0},
      {Level::detail, -1}, {Level::warning, -1}, {Level::error, -1}};
  if (m_verbosity >= k_least_verbosity.at(level)) {
    lines.push_back({level, std::move(text), kind});
  }
}

void EventText::parse_started(const Json& event, std::vector<Line>& lines) {
  add(lines, Level::verbose, fmt::format("Parsing {}", plural(event.value("total", 0), "recipe")));
}

void EventText::parse_progress(const Json& event, std::vector<Line>& lines) {
  add(lines, Level::debug,
      fmt::format("Parsed {} of {} recipes", event.value("current", 0), event.value("total", 0)));
}

void EventText::parse_completed(const Json& event, std::vector<Line>& lines) {
  add(lines, Level::note,
      fmt::format("Parsing of {} .bb files complete ({} cached, {} parsed). {} errors.",
                  event.value("total", 0), event.value("cached", 0), event.value("parsed", 0),
                  event.value("errors", 0)));
}

void EventText::runqueue_state_changed(const Json& event, std::vector<Line>& lines) {
  std::string state = event.value("state", "");
  add(lines, Level::debug, "Runqueue state: " + state);
  if (state == "Running") {
    add(lines, Level::verbose, "Executing tasks");
  }
}

void EventText::task_started(const Json& event, std::vector<Line>& lines) {
  add(lines, Level::note,
      fmt::format("Running {}task {} of {} ({})",
                  event.value("setscene", false) ? "setscene "
                  : event.value("noexec", false) ? "noexec "
                                                 : "",
                  event.value("number", 0), event.value("total", 0), task_label(event)),
      LineKind::task_progress);
}

void EventText::task_completed(const Json& event, std::vector<Line>& lines) {
  // A setscene task that restored nothing is followed by the real task: its warning says so.
  if (!event.value("noexec", false) && !event.value("dry_run", false) &&
      event.value("restored", true)) {
    add(lines, Level::note, task_label(event) + ": Succeeded", LineKind::task_progress);
  }
}

void EventText::task_skipped(const Json& event, std::vector<Line>& lines) {
  add(lines, Level::note,
      fmt::format("{}: Skipped: {}", task_label(event), event.value("reason", "")));
}

void EventText::task_failed(const Json& event, std::vector<Line>& lines) {
  ++m_errors;
  add(lines, Level::error,
      fmt::format("{}: Failed: {}", task_label(event), event.value("reason", "")));
  if (event.contains("log")) {
    add(lines, Level::error, "Logfile of failure stored in: " + event.value("log", ""));
    auto tail = event.value("log_tail", Json::array());
    if (!tail.empty()) {
      add(lines, Level::detail, fmt::format("Last {} of the log:", plural(tail.size(), "line")));
    }
    for (const auto& line : tail) {
      add(lines, Level::detail, "| " + line.get<std::string>());
    }
  }
  add(lines, Level::detail,
      "To run just this task again: " +
          m_rerun.for_task(event.value("recipe", "?"), event.value("task", "?")));
}

void EventText::log_message(const Json& event, std::vector<Line>& lines) {
  Level level = level_named(event.value("level", "note"));
  if (level == Level::warning) {
    ++m_warnings;
  } else if (level == Level::error) {
    ++m_errors;
  }
  std::string text = event.value("message", "");
  // A task's message names the task first, as BitBake does: "hello-1.0-r0 do_compile: text".
  if (event.contains("task") && level != Level::plain) {
    std::string recipe = event.value("pf", event.value("recipe", "?"));
    text = fmt::format("{} {}: {}", recipe, event.value("task", "?"), text);
  }
  add(lines, level, text);
}

// "Restored 12 tasks from shared state (10 local, 2 http).", when any were.
void EventText::add_restored_summary(const Json& restored, std::vector<Line>& lines) const {
  size_t total = 0;
  std::vector<std::string> by_place;
  for (const auto& [place, count] : restored.items()) {
    size_t n = count.is_number_unsigned() ? count.get<size_t>() : 0;
    total += n;
    by_place.push_back(fmt::format("{} {}", n, place));
  }
  if (total > 0) {
    add(lines, Level::note,
        fmt::format("Restored {} from shared state ({}).", plural(total, "task"),
                    fmt::join(by_place, ", ")));
  }
}

void EventText::build_completed(const Json& event, std::vector<Line>& lines) {
  size_t failed = event.value("failed", size_t{0});
  add_restored_summary(event.value("restored", Json::object()), lines);
  if (event.value("attempted", 0) > 0) {
    add(lines, Level::note,
        fmt::format("Tasks Summary: Attempted {} tasks of which {} didn't need to be rerun and "
                    "{}.",
                    event.value("attempted", 0), event.value("up_to_date", 0),
                    failed == 0 ? std::string("all succeeded") : fmt::format("{} failed", failed)));
  }
  // Nothing failed and yet no success: the build was stopped (Ctrl-C), as knotty says.
  if (!event.value("success", false) && failed == 0 && m_errors == 0) {
    add(lines, Level::warning, "Execution was interrupted, returning a non-zero exit code.");
  }
  auto failed_tasks = event.value("failed_tasks", Json::array());
  if (!failed_tasks.empty()) {
    add(lines, Level::detail,
        fmt::format("Summary: {} failed:", plural(failed_tasks.size(), "task")));
    for (const auto& task : failed_tasks) {
      add(lines, Level::detail, "  " + task.get<std::string>());
    }
  }
  std::vector<std::string> reported;
  if (m_warnings > 0) {
    reported.push_back(plural(m_warnings, "warning"));
  }
  if (m_errors > 0) {
    reported.push_back(plural(m_errors, "error"));
  }
  if (!reported.empty()) {
    add(lines, Level::note, fmt::format("Summary: {} reported.", fmt::join(reported, " and ")));
  }
}

} // namespace bbrun::client::ui
