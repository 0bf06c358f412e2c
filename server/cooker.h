// SPDX-License-Identifier: MIT
// The cooker: parses the metadata, answers commands, and runs one build at a time.
#pragma once

#include "common/protocol.h"
#include "server/build_plan.h"
#include "server/exec/executor.h"
#include "server/jobserver/make_version.h"
#include "server/metadata/configuration.h"
#include "server/parsed_metadata.h"
#include "server/python/metadata_python.h"
#include "server/runqueue/runqueue.h"
#include "server/ui_session.h"

#include <boost/asio/io_context.hpp>

#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>

namespace bbrun::server {

/// Facts about this server that `status` reports.
struct ServerInfo {
  std::filesystem::path builddir;
  std::filesystem::path metadata_dir; ///< the default conf/bitbake.conf and classes/
  double started = 0;                 ///< monotonic seconds
  double idle_timeout = 0;            ///< seconds; negative: never
};

/// Owns the current build and the queue of builds waiting for it. All calls happen on the
/// event-loop thread.
class Cooker {
public:
  Cooker(boost::asio::io_context& io, ServerInfo info, std::function<void()> request_shutdown);
  ~Cooker();

  /// Run tasks with `executor` from now on. Called once, before the first build.
  void set_executor(std::unique_ptr<exec::Executor> executor) { m_executor = std::move(executor); }
  /// Start reading the parse cache for the command of the client that started this server,
  /// its parent (MetadataCache::preload). Not before the launcher is forked: this starts a
  /// thread.
  void preload_metadata();
  /// Execute `command` for `session` and reply to it (command.cc holds the table).
  void execute(UiSession& session, const common::protocol::Command& command);
  /// The session is gone: cancel its build, drop its queued ones.
  void session_closed(UiSession& session);
  /// Whether a build runs or waits.
  bool busy() const { return m_build != nullptr || !m_queue.empty(); }
  /// Stop starting tasks; `on_idle` runs once no build is left.
  void wind_down(std::function<void()> on_idle);

  // Command handlers, dispatched from command.cc.
  common::protocol::Json cmd_hello(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_status(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_build(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_cancel(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_shutdown(UiSession& session, const common::protocol::Json& args);
  // Read-only metadata commands (query_commands.cc): served even while a build runs.
  common::protocol::Json cmd_parse(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_environment(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_getvar(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_graph(UiSession& session, const common::protocol::Json& args);
  common::protocol::Json cmd_explain(UiSession& session, const common::protocol::Json& args);

private:
  struct Build;
  struct Queued {
    UiSession* session;
    BuildRequest request;
  };

  metadata::LoadOptions load_options() const;
  /// The configuration's datastore, or `recipe`'s (parsing every recipe, with progress on
  /// `events`, to find its provider).
  common::Result<std::shared_ptr<const metadata::DataStore>>
  datastore_for(EventSink& events, const std::optional<std::string>& recipe);
  /// "waiting for the build of TARGETS started by pid N", for a build that has to queue.
  std::string waiting_message() const;
  void start_build(UiSession& session, BuildRequest request);
  /// A dry run (-n) writes and runs nothing, so it starts at once, beside any build.
  void start_dry_run(UiSession& session, BuildRequest request);
  /// Find out, once, which form of the jobserver the host's make reads (see m_make_style).
  void probe_make();
  void open_jobserver(std::optional<JobserverFds> client);
  /// The runqueue options of `build`; opens its shared-state cache and hash equivalences.
  runqueue::RunOptions run_options(Build& build);
  void finish_build(bool success, const runqueue::BuildSummary& summary);
  void start_next();

  boost::asio::io_context& m_io;
  ServerInfo m_info;
  std::function<void()> m_request_shutdown;
  std::function<void()> m_on_idle;
  std::unique_ptr<exec::Executor> m_executor;
  /// The form of the jobserver a build of ours offers its tasks. `make --version` takes a few
  /// milliseconds: it runs on a thread of its own from the first build request on, while that
  /// build's metadata is parsed; a server that only answers queries never runs it.
  std::shared_future<jobserver::Style> m_make_style;
  python::MetadataPython m_python; ///< before m_metadata, which uses it
  MetadataCache m_metadata;
  /// The client whose next command may use what m_metadata read ahead; 0 once it is used.
  pid_t m_preload_client = 0;
  PlanCache m_plans;
  runqueue::TaskFactsCache m_task_facts; ///< before the builds, whose runqueues use it
  std::unique_ptr<Build> m_build;
  std::deque<Queued> m_queue;
  std::vector<std::shared_ptr<Build>> m_dry_runs;
  size_t m_builds_served = 0;
};

} // namespace bbrun::server
