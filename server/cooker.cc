// SPDX-License-Identifier: MIT
// The cooker: commands, parsing, and the build queue.
#include "server/cooker.h"

#include "common/log.h"
#include "server/parsed_metadata.h"

#include <boost/asio/post.hpp>
#include <fmt/core.h>

#include <thread>
#include <unistd.h>

#include "bbrun_config.h"

extern char** environ;

namespace bbrun::server {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

// Forwards a build's events to its session while the session lives.
class BuildEvents final : public EventSink {
public:
  explicit BuildEvents(UiSession* session) : m_session(session) {}
  void send_event(Json event) override {
    if (m_session != nullptr) {
      m_session->send_event(std::move(event));
    }
  }
  void detach() { m_session = nullptr; }

private:
  UiSession* m_session;
};

// The environment tasks start from: what a shell needs, nothing of the server's own state.
std::vector<std::string> task_base_environment() {
  static constexpr std::string_view k_kept[] = {
      "PATH=", "HOME=", "USER=", "LOGNAME=", "SHELL=", "LANG=", "LC_", "TZ=", "TERM="};
  std::vector<std::string> kept;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    for (auto prefix : k_kept) {
      if (text.starts_with(prefix)) {
        kept.emplace_back(text);
        break;
      }
    }
  }
  return kept;
}

common::Result<BuildRequest> decode_build_request(const Json& args) {
  auto bad = [](std::string_view why) {
    return common::fail(common::ErrorKind::usage, fmt::format("build: {}", why));
  };
  if (args.size() != 1 || !args[0].is_object()) {
    return bad("expected one object argument");
  }
  const Json& options = args[0];
  BuildRequest request;
  auto targets = options.find("targets");
  if (targets == options.end() || !targets->is_array() || targets->empty()) {
    return bad("\"targets\" must be a non-empty array of strings");
  }
  for (const auto& target : *targets) {
    if (!target.is_string()) {
      return bad("\"targets\" must be a non-empty array of strings");
    }
    std::string text = target.get<std::string>();
    auto colon = text.find(':');
    request.targets.push_back(
        {text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 1)});
  }
  request.task = options.value("task", "");
  request.force = options.value("force", false);
  request.keep_going = options.value("continue", false);
  request.no_wait = options.value("no_wait", false);
  request.jobs = options.value("jobs", size_t{0});
  return request;
}

} // namespace

struct Cooker::Build {
  UiSession* session;
  BuildRequest request;
  BuildEvents events;
  std::unique_ptr<runqueue::RecipeIndex> recipes;
  std::optional<stamps::StampDb> stamps;
  std::unique_ptr<runqueue::RunQueue> runqueue;
};

Cooker::Cooker(boost::asio::io_context& io, ServerInfo info, std::function<void()> request_shutdown)
    : m_io(io), m_info(std::move(info)), m_request_shutdown(std::move(request_shutdown)),
      m_executor(io) {}

Cooker::~Cooker() = default;

Json Cooker::cmd_hello(UiSession& session, const Json& args) {
  if (args.size() != 1 || !args[0].is_object()) {
    return protocol::error_reply("hello: expected one object argument");
  }
  int version = args[0].value("protocol", 0);
  if (version != protocol::k_version) {
    return protocol::error_reply(fmt::format("protocol version {} is not supported (server: {})",
                                             version, protocol::k_version));
  }
  session.set_client_pid(args[0].value("pid", 0));
  return protocol::ok_reply(
      {{"protocol", protocol::k_version}, {"version", BBRUN_VERSION}, {"pid", ::getpid()}});
}

Json Cooker::cmd_status(UiSession&, const Json&) {
  Json status{{"pid", ::getpid()},
              {"builddir", m_info.builddir.string()},
              {"uptime", protocol::monotonic_seconds() - m_info.started},
              {"idle_timeout", m_info.idle_timeout},
              {"builds_served", m_builds_served},
              {"building", m_build != nullptr},
              {"queued", m_queue.size()}};
  return protocol::ok_reply(std::move(status));
}

Json Cooker::cmd_shutdown(UiSession&, const Json&) {
  // Post: the daemon winds down after this reply has been queued.
  boost::asio::post(m_io, m_request_shutdown);
  return protocol::ok_reply();
}

Json Cooker::cmd_cancel(UiSession& session, const Json& args) {
  bool terminate = !args.empty() && args[0].is_string() && args[0] == "terminate";
  if (!m_build || m_build->session != &session) {
    return protocol::error_reply("no build of yours is running");
  }
  if (m_build->runqueue) {
    m_build->runqueue->stop(terminate ? runqueue::StopMode::terminate
                                      : runqueue::StopMode::graceful);
  }
  return protocol::ok_reply();
}

Json Cooker::cmd_build(UiSession& session, const Json& args) {
  auto request = decode_build_request(args);
  if (!request) {
    return protocol::error_reply(request.error().message);
  }
  if (m_on_idle) {
    return protocol::error_reply("the server is shutting down");
  }
  if (busy()) {
    if (request->no_wait) {
      return protocol::error_reply("another build is running");
    }
    UiSession* owner = m_build ? m_build->session : m_queue.back().session;
    send_log_message(session, "note",
                     fmt::format("waiting for the build started by pid {} to finish",
                                 owner != nullptr ? owner->client_pid() : 0));
    m_queue.push_back({&session, std::move(*request)});
    return protocol::ok_reply({{"queued", true}});
  }
  // Start after the reply, so that the client sees "accepted" before any event.
  boost::asio::post(m_io, [this, &session, request = std::move(*request)]() mutable {
    start_build(session, std::move(request));
  });
  return protocol::ok_reply({{"queued", false}});
}

void Cooker::start_build(UiSession& session, BuildRequest request) {
  m_build = std::make_unique<Build>(
      Build{&session, std::move(request), BuildEvents(&session), nullptr, std::nullopt, nullptr});
  auto& events = m_build->events;
  auto fail_build = [this, &events](const std::string& message) {
    send_log_message(events, "error", message);
    finish_build(false, {});
  };
  auto parsed = parse_metadata(load_options(), events);
  if (!parsed) {
    fail_build(parsed.error().describe());
    return;
  }
  if (!parsed->errors.empty()) {
    for (size_t i = 0; i + 1 < parsed->errors.size(); ++i) {
      send_log_message(events, "error", parsed->errors[i]);
    }
    fail_build(parsed->errors.back());
    return;
  }
  auto& config = parsed->config;
  auto recipes = std::move(parsed->recipes);
  m_build->recipes = std::make_unique<runqueue::RecipeIndex>(std::move(recipes));
  std::vector<runqueue::TargetRequest> targets = m_build->request.targets;
  std::string default_task = m_build->request.task;
  if (default_task.empty()) {
    auto configured = config.data->get_var("BB_DEFAULT_TASK");
    default_task = (configured && *configured && !(*configured)->empty()) ? **configured : "build";
  }
  for (auto& target : targets) {
    if (target.task.empty()) {
      target.task = default_task;
    }
  }
  auto graph = runqueue::build_task_graph(*m_build->recipes, targets);
  if (!graph) {
    fail_build(graph.error().describe());
    return;
  }
  auto tmpdir = config.data->get_var("TMPDIR");
  if (tmpdir && *tmpdir) {
    std::string warning;
    auto stamps = stamps::StampDb::open(std::filesystem::path(**tmpdir) / "stamps.db", &warning);
    if (!warning.empty()) {
      send_log_message(events, "warning", warning);
    }
    if (stamps) {
      m_build->stamps.emplace(std::move(*stamps));
    } else {
      send_log_message(events, "warning", stamps.error().message + ": every task will run");
    }
  }
  size_t jobs = m_build->request.jobs;
  if (jobs == 0) {
    auto threads = config.data->get_var("BB_NUMBER_THREADS");
    jobs = (threads && *threads) ? std::strtoul((*threads)->c_str(), nullptr, 10) : 0;
  }
  if (jobs == 0) {
    jobs = std::max(1u, std::thread::hardware_concurrency());
  }
  runqueue::RunOptions run_options{jobs, m_build->request.force, m_build->request.keep_going};
  m_build->runqueue = std::make_unique<runqueue::RunQueue>(
      m_io, std::move(*graph), *m_build->recipes, m_executor,
      m_build->stamps ? &*m_build->stamps : nullptr, events, run_options, task_base_environment());
  m_build->runqueue->start(
      [this](const runqueue::BuildSummary& summary) { finish_build(summary.success, summary); });
}

void Cooker::finish_build(bool success, const runqueue::BuildSummary& summary) {
  Json fields{{"success", success},
              {"attempted", summary.attempted},
              {"up_to_date", summary.up_to_date},
              {"ran", summary.ran},
              {"failed", summary.failed},
              {"failed_tasks", summary.failed_tasks}};
  m_build->events.send_event(protocol::make_event(protocol::event::build_completed, fields));
  ++m_builds_served;
  // Destroy after this call returns: we may be inside the runqueue's own callback.
  boost::asio::post(m_io,
                    [this, build = std::shared_ptr<Build>(std::move(m_build))] { start_next(); });
}

void Cooker::start_next() {
  if (m_build) {
    return;
  }
  if (!m_queue.empty() && !m_on_idle) {
    Queued next = std::move(m_queue.front());
    m_queue.pop_front();
    start_build(*next.session, std::move(next.request));
    return;
  }
  if (m_on_idle && !busy()) {
    auto on_idle = std::move(m_on_idle);
    on_idle();
  }
}

void Cooker::session_closed(UiSession& session) {
  std::erase_if(m_queue, [&session](const Queued& queued) { return queued.session == &session; });
  if (m_build && m_build->session == &session) {
    m_build->session = nullptr;
    m_build->events.detach();
    if (m_build->runqueue) {
      m_build->runqueue->stop(runqueue::StopMode::terminate);
    }
  }
}

void Cooker::wind_down(std::function<void()> on_idle) {
  m_on_idle = std::move(on_idle);
  m_queue.clear();
  if (m_build && m_build->runqueue) {
    m_build->runqueue->stop(runqueue::StopMode::graceful);
  }
  start_next();
}

} // namespace bbrun::server
