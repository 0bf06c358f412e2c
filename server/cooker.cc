// SPDX-License-Identifier: MIT
// The cooker: commands, parsing, and the build queue.
#include "server/cooker.h"

#include "common/build_id.h"
#include "common/log.h"
#include "server/cleansstate_command.h"
#include "server/exec/task_child.h"
#include "server/jobserver/task_jobserver.h"
#include "server/parsed_metadata.h"
#include "server/sstate/equivalence_db.h"
#include "server/sstate/helper_cache.h"

#include <boost/asio/post.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <unistd.h>

#include "bbrun_config.h"

extern char** environ;

namespace bbrun::server {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

// Where a build's own jobserver lives in its fifo form.
constexpr const char* k_jobserver_fifo = "bbrun.jobserver";

void log_make_version(std::optional<jobserver::MakeVersion> make) {
  common::log::info("make on PATH: {}; tasks get the {} form of the jobserver",
                    make ? fmt::format("GNU Make {}.{}", make->major, make->minor) : "none",
                    jobserver::style_for(make) == jobserver::Style::fifo ? "fifo" : "pipe");
}

// Forwards a build's events to its session while the session lives.
class BuildEvents final : public EventSink {
public:
  explicit BuildEvents(UiSession* session) : m_session(session) {}
  void send_line(std::string line, Delivery delivery) override {
    if (m_session != nullptr) {
      m_session->send_line(std::move(line), delivery);
    }
  }
  void detach() { m_session = nullptr; }

private:
  UiSession* m_session;
};

void send_build_completed(EventSink& events, bool success, const runqueue::BuildSummary& summary) {
  Json fields{{"success", success},
              {"attempted", summary.attempted},
              {"up_to_date", summary.up_to_date},
              {"restored", summary.restored},
              {"ran", summary.ran},
              {"failed", summary.failed},
              {"failed_tasks", summary.failed_tasks}};
  events.send_event(protocol::make_event(protocol::event::build_completed, fields));
}

// This process's resident memory in bytes (0 if /proc cannot tell).
size_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  unsigned long size = 0;
  unsigned long resident = 0;
  if (statm != nullptr) {
    if (std::fscanf(statm, "%lu %lu", &size, &resident) != 2) {
      resident = 0;
    }
    std::fclose(statm);
  }
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

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

} // namespace

// Fds lent to every task an executor starts (Executor::lend_fds), taken back when this ends.
class LentFds {
public:
  explicit LentFds(exec::Executor& executor) : m_executor(executor) {}
  LentFds(const LentFds&) = delete;
  LentFds& operator=(const LentFds&) = delete;
  ~LentFds() { (void)m_executor.lend_fds({}); }

private:
  exec::Executor& m_executor;
};

// Members are destroyed in reverse order: the runqueue first, then what it draws slots from.
struct Cooker::Build {
  Build(UiSession* owner, BuildRequest wanted)
      : session(owner), request(std::move(wanted)), events(owner) {}

  UiSession* session;
  BuildRequest request;
  BuildEvents events;
  BuildPlan plan;
  std::optional<stamps::StampDb> stamps;
  std::optional<sstate::EquivalenceDb> equivalence;
  std::unique_ptr<sstate::HelperCache> sstate; ///< its helpers die with the build
  std::unique_ptr<jobserver::TaskJobserver> jobserver;
  std::optional<LentFds> lent_jobserver; ///< its fds, lent to every task of the build
  std::unique_ptr<runqueue::RunQueue> runqueue;
};

Cooker::Cooker(boost::asio::io_context& io, ServerInfo info, std::function<void()> request_shutdown)
    : m_io(io), m_info(std::move(info)), m_request_shutdown(std::move(request_shutdown)),
      m_metadata(load_options()) {}

Cooker::~Cooker() = default;

Json Cooker::cmd_hello(UiSession& session, const Json& args) {
  if (args.size() != 1 || !args[0].is_object()) {
    return protocol::error_reply("hello: expected one object argument");
  }
  auto version = protocol::field(args[0], "protocol", 0);
  auto pid = protocol::field<pid_t>(args[0], "pid", 0);
  for (const auto* field : {&version, &pid}) {
    if (!*field) {
      return protocol::error_reply("hello: " + field->error().message);
    }
  }
  if (*version != protocol::k_version) {
    return protocol::error_reply(fmt::format("protocol version {} is not supported (server: {})",
                                             *version, protocol::k_version));
  }
  session.set_client_pid(*pid);
  static const std::string k_build_id = common::executable_build_id("/proc/self/exe");
  return protocol::ok_reply({{"protocol", protocol::k_version},
                             {"version", BBRUN_VERSION},
                             {"build_id", k_build_id},
                             {"pid", ::getpid()}});
}

Json Cooker::cmd_status(UiSession&, const Json&) {
  Json status{{"pid", ::getpid()},
              {"builddir", m_info.builddir.string()},
              {"uptime", protocol::monotonic_seconds() - m_info.started},
              {"idle_timeout", m_info.idle_timeout},
              {"builds_served", m_builds_served},
              {"building", m_build != nullptr},
              {"queued", m_queue.size()},
              {"recipes_cached", m_metadata.cached_recipes()},
              {"memory", resident_bytes()}};
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
  if (request->dry_run) {
    boost::asio::post(m_io, [this, &session, request = std::move(*request)]() mutable {
      start_dry_run(session, std::move(request));
    });
    return protocol::ok_reply({{"queued", false}});
  }
  probe_make();
  if (busy()) {
    if (request->no_wait) {
      return protocol::error_reply("another build is running");
    }
    send_log_message(session, "note", waiting_message());
    m_queue.push_back({&session, std::move(*request)});
    return protocol::ok_reply({{"queued", true}});
  }
  // Start after the reply, so that the client sees "accepted" before any event.
  boost::asio::post(m_io, [this, &session, request = std::move(*request)]() mutable {
    start_build(session, std::move(request));
  });
  return protocol::ok_reply({{"queued", false}});
}

std::string Cooker::waiting_message() const {
  const UiSession* owner = m_build ? m_build->session : m_queue.back().session;
  const BuildRequest& request = m_build ? m_build->request : m_queue.back().request;
  std::string targets;
  for (const auto& target : request.targets) {
    targets += (targets.empty() ? "" : " ") + target.recipe;
  }
  if (owner == nullptr) {
    return fmt::format("waiting for the build of {} to stop (its client is gone)", targets);
  }
  return fmt::format("waiting for the build of {} started by pid {}", targets, owner->client_pid());
}

void Cooker::start_build(UiSession& session, BuildRequest request) {
  m_build = std::make_unique<Build>(&session, std::move(request));
  // Taken now, so that whatever ends this build also closes the client's make fds.
  auto client_jobserver = session.take_jobserver();
  if (is_cleansstate(m_build->request)) {
    return clean_sstate(m_io, m_metadata, m_build->request, m_build->events, m_build->sstate,
                        [this](bool success) { finish_build(success, {}); });
  }
  auto& events = m_build->events;
  auto plan = plan_build(m_metadata, m_plans, m_build->request, events);
  if (!plan) {
    send_log_message(events, "error", plan.error().describe());
    finish_build(false, {});
    return;
  }
  m_build->plan = std::move(*plan);
  m_build->stamps = open_stamps(m_build->plan, events);
  open_jobserver(std::move(client_jobserver));
  auto environment = task_base_environment();
  if (m_build->jobserver) {
    for (auto& entry : m_build->jobserver->task_environment(exec::k_first_inherited_fd)) {
      environment.push_back(std::move(entry));
    }
  }
  m_build->runqueue = std::make_unique<runqueue::RunQueue>(
      m_io, std::move(m_build->plan.graph), *m_build->plan.recipes, *m_executor,
      m_build->stamps ? &*m_build->stamps : nullptr, events, run_options(*m_build),
      std::move(environment));
  m_build->runqueue->start(
      [this](const runqueue::BuildSummary& summary) { finish_build(summary.success, summary); });
}

void Cooker::probe_make() {
  if (m_make_style.valid()) {
    return;
  }
  m_make_style = std::async(std::launch::async, [this] {
                   auto make = jobserver::detect_make_version();
                   // Logged on the loop's thread: a first log line elsewhere sets up the time
                   // zone under Python's feet.
                   boost::asio::post(m_io, [make] { log_make_version(make); });
                   return jobserver::style_for(make);
                 }).share();
}

// The jobserver of the build in m_build: the client's make's, or one of our own with the
// build's jobs. If it cannot be opened, the build still runs; inside make it then runs one task
// at a time, as make itself does when it has no jobserver to offer.
void Cooker::open_jobserver(std::optional<JobserverFds> client) {
  auto& build = *m_build;
  common::Result<std::unique_ptr<jobserver::TaskJobserver>> opened;
  if (client) {
    jobserver::MakeJobserver make{std::move(client->read), std::move(client->write), {}, {}, {}};
    if (build.request.make_jobserver) {
      make.fifo = build.request.make_jobserver->fifo;
      make.jobs = build.request.make_jobserver->jobs;
      make.escrow = build.request.make_jobserver->escrow;
    }
    opened = jobserver::TaskJobserver::join(m_io, std::move(make), build.plan.jobs);
  } else {
    probe_make(); // normally started by the build request already
    auto style = m_make_style.get();
    opened = jobserver::TaskJobserver::create(m_io, build.plan.jobs, style,
                                              m_info.builddir / k_jobserver_fifo);
  }
  if (opened) {
    if (auto lent = m_executor->lend_fds((*opened)->task_fds()); !lent) {
      opened = common::fail(lent.error());
    }
  }
  if (!opened) {
    send_log_message(build.events, "warning",
                     fmt::format("jobserver: {}{}", opened.error().message,
                                 client ? ": running one task at a time" : ""));
    if (client) {
      build.plan.jobs = 1;
    }
    return;
  }
  build.jobserver = std::move(*opened);
  build.lent_jobserver.emplace(*m_executor);
}

runqueue::RunOptions Cooker::run_options(Build& build) {
  const auto& plan = build.plan;
  if (plan.sstate) {
    build.sstate = std::make_unique<sstate::HelperCache>(
        m_io, sstate::HelperCache::default_helper(), *plan.sstate);
    // A database that does not exist holds no equivalence; a dry run must not create it.
    auto path = plan.sstate->sstate_dir / "hashequiv.db";
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      auto opened = sstate::EquivalenceDb::open(path);
      if (opened) {
        build.equivalence = std::move(*opened);
      } else {
        send_log_message(build.events, "warning", "hash equivalence: " + opened.error().message);
      }
    }
  }
  runqueue::RunOptions options;
  options.jobs = plan.jobs;
  options.forced = forced_tasks(plan, build.request);
  options.keep_going = build.request.keep_going;
  options.dry_run = build.request.dry_run;
  options.signatures = std::move(build.plan.signatures);
  options.slots = build.jobserver ? &build.jobserver->pool() : nullptr;
  options.sstate = build.sstate.get();
  options.facts = &m_task_facts;
  if (build.equivalence) {
    options.unihashes = [db = &*build.equivalence](std::string_view method,
                                                   std::string_view taskhash) {
      return db->unihash(method, taskhash);
    };
  }
  return options;
}

void Cooker::start_dry_run(UiSession& session, BuildRequest request) {
  auto build = std::make_shared<Build>(&session, std::move(request));
  m_dry_runs.push_back(build);
  auto done = [this, build = build.get()](bool success, const runqueue::BuildSummary& summary) {
    send_build_completed(build->events, success, summary);
    ++m_builds_served;
    // Destroy the rest after this call returns: we may be inside a callback of something the
    // build owns (its shared-state helpers, for cleansstate).
    boost::asio::post(m_io, [this, build] {
      std::erase_if(m_dry_runs, [build](const auto& run) { return run.get() == build; });
    });
  };
  auto plan = plan_build(m_metadata, m_plans, build->request, build->events);
  if (!plan) {
    send_log_message(build->events, "error", plan.error().describe());
    done(false, {});
    return;
  }
  build->plan = std::move(*plan);
  build->stamps = open_stamps(build->plan, build->events);
  build->runqueue = std::make_unique<runqueue::RunQueue>(
      m_io, std::move(build->plan.graph), *build->plan.recipes, *m_executor,
      build->stamps ? &*build->stamps : nullptr, build->events, run_options(*build),
      std::vector<std::string>{});
  build->runqueue->start(
      [done](const runqueue::BuildSummary& summary) { done(summary.success, summary); });
}

void Cooker::finish_build(bool success, const runqueue::BuildSummary& summary) {
  // The runqueue has committed its stamps (and reports its end from a posted handler, never from
  // inside itself): close it and the database before the client hears the build is over, so
  // that what the client does next sees every stamp in the database file.
  m_build->runqueue.reset();
  m_build->stamps.reset();
  // Taken back now, not when the build is destroyed: by then the next build may have lent its.
  m_build->lent_jobserver.reset();
  send_build_completed(m_build->events, success, summary);
  ++m_builds_served;
  // Destroy the rest after this call returns: we may be inside a callback of something the
  // build owns (its shared-state helpers, for cleansstate).
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

void Cooker::preload_metadata() {
  m_preload_client = ::getppid();
  m_metadata.preload();
}

void Cooker::session_closed(UiSession& session) {
  // A later client's command may come after edits the read-ahead did not see.
  m_preload_client = 0;
  m_metadata.drop_preloaded();
  std::erase_if(m_queue, [&session](const Queued& queued) { return queued.session == &session; });
  for (const auto& run : m_dry_runs) {
    if (run->session == &session) {
      run->session = nullptr;
      run->events.detach();
    }
  }
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
  // A queued client waits for its BuildCompleted: give it one rather than silence.
  for (const auto& queued : m_queue) {
    send_log_message(*queued.session, "error", "the server is shutting down");
    queued.session->send_event(protocol::make_event(protocol::event::build_completed,
                                                    {{"success", false}, {"failed", 0}}));
  }
  m_queue.clear();
  if (m_build && m_build->runqueue) {
    m_build->runqueue->stop(runqueue::StopMode::graceful);
  }
  start_next();
}

} // namespace bbrun::server
