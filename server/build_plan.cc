// SPDX-License-Identifier: MIT
// Build planning.
#include "server/build_plan.h"

#include "common/log.h"
#include "server/parsed_metadata.h"
#include "server/sstate/settings.h"

#include <fmt/core.h>

#include <thread>

namespace bbrun::server {

using common::protocol::Json;

namespace {

size_t job_count(const BuildRequest& request, const metadata::DataStore& config) {
  size_t jobs = request.jobs;
  if (jobs == 0) {
    jobs = std::strtoul(metadata::value_or_empty(config, "BB_NUMBER_THREADS").c_str(), nullptr, 10);
  }
  if (jobs == 0 && request.make_jobserver) {
    jobs = request.make_jobserver->jobs.value_or(0);
  }
  return jobs > 0 ? jobs : std::max(1u, std::thread::hardware_concurrency());
}

std::vector<runqueue::TargetRequest> targets_with_tasks(const BuildRequest& request,
                                                        const metadata::DataStore& config) {
  std::string default_task = request.task;
  if (default_task.empty()) {
    default_task = metadata::value_or_empty(config, "BB_DEFAULT_TASK");
  }
  if (default_task.empty()) {
    default_task = "build";
  }
  auto targets = request.targets;
  for (auto& target : targets) {
    if (target.task.empty()) {
      target.task = default_task;
    }
  }
  return targets;
}

} // namespace

common::Result<BuildRequest> decode_build_request(const Json& args) {
  auto bad = [](std::string_view why) {
    return common::fail(common::ErrorKind::usage, fmt::format("build: {}", why));
  };
  if (args.size() != 1 || !args[0].is_object()) {
    return bad("expected one object argument");
  }
  const Json& options = args[0];
  auto targets = options.find("targets");
  if (targets == options.end() || !targets->is_array() || targets->empty()) {
    return bad("\"targets\" must be a non-empty array of strings");
  }
  BuildRequest request;
  for (const auto& target : *targets) {
    if (!target.is_string()) {
      return bad("\"targets\" must be a non-empty array of strings");
    }
    std::string text = target.get<std::string>();
    auto colon = text.find(':');
    request.targets.push_back(
        {text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 1)});
  }
  // Each option keeps its default when absent; the first one of a wrong type is the error.
  std::optional<common::Error> wrong;
  auto read = [&wrong](const Json& object, std::string_view key, auto& into) {
    auto value = common::protocol::field(object, key, into);
    if (value) {
      into = std::move(*value);
    } else if (!wrong) {
      wrong = value.error();
    }
  };
  read(options, "task", request.task);
  read(options, "force", request.force);
  read(options, "continue", request.keep_going);
  read(options, "dry_run", request.dry_run);
  read(options, "no_wait", request.no_wait);
  read(options, "jobs", request.jobs);
  if (auto make = options.find("make_jobserver"); make != options.end() && make->is_object()) {
    MakeJobserverRequest jobserver;
    if (make->contains("jobs")) {
      read(*make, "jobs", jobserver.jobs.emplace());
    }
    read(*make, "fifo", jobserver.fifo);
    read(*make, "escrow", jobserver.escrow);
    request.make_jobserver = std::move(jobserver);
  }
  if (wrong) {
    return bad(wrong->message);
  }
  return request;
}

common::Result<BuildPlan> plan_build(MetadataCache& metadata, PlanCache& cache,
                                     const BuildRequest& request, EventSink& events) {
  double started = common::protocol::monotonic_seconds();
  auto parsed = metadata.parse(events);
  if (!parsed) {
    return common::fail(parsed.error());
  }
  for (const auto& error : (*parsed)->errors) {
    send_log_message(events, "error", error);
  }
  if (!(*parsed)->errors.empty()) {
    return common::fail(common::ErrorKind::parse,
                        "Parsing halted due to errors, see error messages above");
  }
  double parse_ms = (common::protocol::monotonic_seconds() - started) * 1000;
  const auto& config = *(*parsed)->config.data;
  if (cache.parsed != *parsed) {
    cache.parsed = *parsed;
    cache.targets.clear();
    cache.recipes = std::make_shared<runqueue::RecipeIndex>((*parsed)->recipes, (*parsed)->config);
    cache.graph.reset();
  }
  for (const auto& note : cache.recipes->notes()) {
    send_log_message(events, "note", note);
  }
  auto targets = targets_with_tasks(request, config);
  if (!cache.graph || cache.targets != targets) {
    cache.graph.reset();
    auto graph = runqueue::build_task_graph(*cache.recipes, targets, &cache.links);
    if (!graph) {
      return common::fail(graph.error());
    }
    cache.targets = std::move(targets);
    cache.graph = std::move(*graph);
  }
  BuildPlan plan;
  plan.recipes = cache.recipes;
  plan.graph = *cache.graph;
  common::log::info("metadata parsed in {:.1f} ms, the graph of {} tasks ready in {:.1f} ms",
                    parse_ms, plan.graph.nodes.size(),
                    (common::protocol::monotonic_seconds() - started) * 1000 - parse_ms);
  plan.tmpdir = metadata::value_or_empty(config, "TMPDIR");
  plan.jobs = job_count(request, config);
  plan.signatures = stamps::SignatureSettings::from(config);
  std::vector<std::string> warnings;
  plan.sstate = sstate::locations_from(config, plan.tmpdir, warnings);
  for (const auto& warning : warnings) {
    send_log_message(events, "warning", warning);
  }
  return plan;
}

std::optional<stamps::StampDb> open_stamps(const BuildPlan& plan, EventSink& events) {
  if (plan.tmpdir.empty()) {
    send_log_message(events, "warning", "TMPDIR is not set: no stamps, every task will run");
    return std::nullopt;
  }
  std::string warning;
  auto stamps = stamps::StampDb::open(plan.tmpdir / "stamps.db", &warning);
  if (!warning.empty()) {
    send_log_message(events, "warning", warning);
  }
  if (!stamps) {
    send_log_message(events, "warning", stamps.error().message + ": every task will run");
    return std::nullopt;
  }
  return std::move(*stamps);
}

std::vector<bool> forced_tasks(const BuildPlan& plan, const BuildRequest& request) {
  std::vector<bool> forced(plan.graph.nodes.size(), false);
  if (request.force) {
    for (auto target : plan.graph.targets) {
      forced[target] = true;
    }
  }
  return forced;
}

} // namespace bbrun::server
