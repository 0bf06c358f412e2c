// SPDX-License-Identifier: MIT
// Plain and JSON renderers.
#include "client/ui/renderer.h"
#include "common/framing.h"

#include <fmt/core.h>

#include <map>
#include <string>

namespace bbrun::client::ui {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

std::string task_label(const Json& event) {
  return fmt::format("{}:{}", event.value("recipe", "?"), event.value("task", "?"));
}

std::string level_prefix(const std::string& level) {
  static const std::map<std::string, std::string> k_prefixes{{"debug", "DEBUG"},
                                                             {"note", "NOTE"},
                                                             {"plain", ""},
                                                             {"warning", "WARNING"},
                                                             {"error", "ERROR"}};
  auto it = k_prefixes.find(level);
  return it == k_prefixes.end() ? "NOTE" : it->second;
}

class PlainRenderer final : public Renderer {
public:
  PlainRenderer(std::FILE* out, int verbosity) : m_out(out), m_verbosity(verbosity) {}

  void render(const Json& event) override {
    std::string type = event.value("type", "");
    auto it = k_handlers.find(type);
    if (it != k_handlers.end()) {
      (this->*(it->second))(event);
      std::fflush(m_out);
    }
  }

private:
  using Handler = void (PlainRenderer::*)(const Json&);
  static const std::map<std::string, Handler> k_handlers;

  void note(const std::string& text) {
    if (m_verbosity >= 0) {
      fmt::print(m_out, "NOTE: {}\n", text);
    }
  }

  void task_started(const Json& event) {
    note(fmt::format("Running {}task {} of {} ({})", event.value("noexec", false) ? "noexec " : "",
                     event.value("number", 0), event.value("total", 0), task_label(event)));
  }
  void task_completed(const Json& event) {
    if (!event.value("noexec", false) && !event.value("dry_run", false)) {
      note(fmt::format("{}: Succeeded", task_label(event)));
    }
  }
  void task_skipped(const Json& event) {
    note(fmt::format("{}: Skipped: {}", task_label(event), event.value("reason", "")));
  }
  void task_failed(const Json& event) {
    fmt::print(m_out, "ERROR: {}: Failed: {}\n", task_label(event), event.value("reason", ""));
    if (event.contains("log")) {
      fmt::print(m_out, "ERROR: Logfile of failure stored in: {}\n", event.value("log", ""));
      for (const auto& line : event.value("log_tail", Json::array())) {
        fmt::print(m_out, "| {}\n", line.get<std::string>());
      }
    }
  }
  void log_message(const Json& event) {
    std::string level = event.value("level", "note");
    if (m_verbosity < 0 && level != "error") {
      return;
    }
    std::string prefix = level_prefix(level);
    std::string message = event.value("message", "");
    fmt::print(m_out, "{}{}\n", prefix.empty() ? "" : prefix + ": ", message);
  }
  void parse_completed(const Json& event) {
    note(fmt::format("Parsing of {} .bb files complete ({} cached, {} parsed). {} errors.",
                     event.value("total", 0), event.value("cached", 0), event.value("parsed", 0),
                     event.value("errors", 0)));
  }
  void build_completed(const Json& event) {
    size_t failed = event.value("failed", 0);
    std::string outcome = failed == 0 ? "all succeeded" : fmt::format("{} failed", failed);
    if (event.value("attempted", 0) > 0) {
      note(fmt::format("Tasks Summary: Attempted {} tasks of which {} didn't need to be rerun "
                       "and {}.",
                       event.value("attempted", 0), event.value("up_to_date", 0), outcome));
    }
    auto failed_tasks = event.value("failed_tasks", Json::array());
    if (!failed_tasks.empty()) {
      fmt::print(m_out, "Summary: {} task{} failed:\n", failed_tasks.size(),
                 failed_tasks.size() == 1 ? "" : "s");
      for (const auto& task : failed_tasks) {
        fmt::print(m_out, "  {}\n", task.get<std::string>());
      }
    }
  }

  std::FILE* m_out;
  int m_verbosity;
};

const std::map<std::string, PlainRenderer::Handler> PlainRenderer::k_handlers{
    {std::string(protocol::event::parse_completed), &PlainRenderer::parse_completed},
    {std::string(protocol::event::task_started), &PlainRenderer::task_started},
    {std::string(protocol::event::task_completed), &PlainRenderer::task_completed},
    {std::string(protocol::event::task_skipped), &PlainRenderer::task_skipped},
    {std::string(protocol::event::task_failed), &PlainRenderer::task_failed},
    {std::string(protocol::event::log_message), &PlainRenderer::log_message},
    {std::string(protocol::event::build_completed), &PlainRenderer::build_completed},
};

class JsonRenderer final : public Renderer {
public:
  explicit JsonRenderer(std::FILE* out) : m_out(out) {}
  void render(const Json& event) override {
    std::string line = common::encode_line(event);
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fflush(m_out);
  }

private:
  std::FILE* m_out;
};

} // namespace

std::unique_ptr<Renderer> make_plain_renderer(std::FILE* out, int verbosity) {
  return std::make_unique<PlainRenderer>(out, verbosity);
}

std::unique_ptr<Renderer> make_json_renderer(std::FILE* out) {
  return std::make_unique<JsonRenderer>(out);
}

} // namespace bbrun::client::ui
