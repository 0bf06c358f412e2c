// SPDX-License-Identifier: MIT
// The commands that only read: parse (-p), environment (-e), getvar (--getvar), graph (-g),
// explain (--explain).
#include "server/cooker.h"
#include "server/metadata/environment.h"
#include "server/parsed_metadata.h"
#include "server/runqueue/explain.h"
#include "server/runqueue/graphviz.h"
#include "server/runqueue/recipe_index.h"
#include "server/runqueue/scene_plan.h"
#include "server/sstate/equivalence_db.h"
#include "server/sstate/operations.h"

#include <fmt/core.h>

namespace bbrun::server {

namespace protocol = common::protocol;
using protocol::Json;

namespace {

// Output is cut into pieces far below the 1 MiB line cap, whatever the size of the text.
constexpr size_t k_output_chunk = 256 * 1024;

void send_output(EventSink& events, std::string_view text) {
  for (size_t at = 0; at < text.size(); at += k_output_chunk) {
    events.send_event(
        protocol::make_event(protocol::event::output, {{"text", text.substr(at, k_output_chunk)}}));
  }
}

void send_completed(EventSink& events, bool success) {
  events.send_event(
      protocol::make_event(protocol::event::command_completed, {{"success", success}}));
}

// Argument `index` of `args`: absent or null gives nullopt; anything but a string is an error.
common::Result<std::optional<std::string>> optional_string(const Json& args, size_t index,
                                                           std::string_view what) {
  if (index >= args.size() || args[index].is_null()) {
    return std::optional<std::string>{};
  }
  if (!args[index].is_string()) {
    return common::fail(common::ErrorKind::usage, fmt::format("{} must be a string", what));
  }
  return std::optional<std::string>(args[index].get<std::string>());
}

// The hash equivalences recorded in the cache of `plan`, read from `db` (opened here when the
// database exists; --explain creates nothing).
runqueue::UnihashLookup unihash_lookup(const BuildPlan& plan,
                                       std::optional<sstate::EquivalenceDb>& db) {
  std::error_code ec;
  if (!plan.sstate || !std::filesystem::exists(plan.sstate->sstate_dir / "hashequiv.db", ec)) {
    return {};
  }
  auto opened = sstate::EquivalenceDb::open(plan.sstate->sstate_dir / "hashequiv.db");
  if (!opened) {
    return {};
  }
  db = std::move(*opened);
  return [db = &*db](std::string_view method, std::string_view taskhash) {
    return db->unihash(method, taskhash);
  };
}

// What the cache would restore. --explain answers at once, so it looks only in SSTATE_DIR and
// the mirrors (local files); the HTTP cache is asked by a dry run (-n), which waits for it.
runqueue::SceneOutcome explain_scene(const BuildPlan& plan,
                                     const std::vector<runqueue::TaskDecision>& decisions,
                                     const std::vector<bool>& forced) {
  runqueue::SceneOutcome scene;
  if (!plan.sstate) {
    return scene;
  }
  std::vector<bool> runs(decisions.size());
  for (size_t index = 0; index < decisions.size(); ++index) {
    runs[index] = decisions[index].runs();
  }
  auto needed = runqueue::tasks_needed(plan.graph, runs, {});
  auto candidates = runqueue::setscene_candidates(
      plan.graph,
      [&](runqueue::TaskIndex index) -> const runqueue::TaskDecision& { return decisions[index]; },
      needed, forced);
  auto local = *plan.sstate;
  local.http_url.clear();
  sstate::Stores stores(local);
  std::vector<sstate::ObjectQuery> objects;
  for (auto index : candidates) {
    objects.push_back(
        {runqueue::task_label(plan.graph, *plan.recipes, index), decisions[index].unihash});
  }
  auto found = sstate::find_objects(stores, objects);
  scene.covered.assign(decisions.size(), false);
  for (auto index : candidates) {
    auto where = found.find(decisions[index].unihash);
    if (where != found.end()) {
      scene.covered[index] = true;
      scene.lookups[index] =
          fmt::format("restored from shared state ({})", sstate::store_kind_name(where->second));
    } else {
      scene.lookups[index] = fmt::format(
          "no shared-state object for its signature {} in {}{}{}", decisions[index].unihash,
          local.sstate_dir.string(), local.mirrors.empty() ? "" : " or the mirrors",
          plan.sstate->http_url.empty() ? "" : " (the HTTP cache is asked by -n, not --explain)");
    }
  }
  scene.needed = runqueue::tasks_needed(plan.graph, runs, scene.covered);
  return scene;
}

} // namespace

metadata::LoadOptions Cooker::load_options() const {
  // The evaluator outlives every datastore: the cooker owns both it and the metadata cache.
  return metadata::LoadOptions{m_info.builddir, m_info.metadata_dir,
                               const_cast<python::MetadataPython*>(&m_python)};
}

common::Result<std::shared_ptr<const metadata::DataStore>>
Cooker::datastore_for(EventSink& events, const std::optional<std::string>& recipe) {
  if (!recipe) {
    auto config = metadata::load_configuration(load_options());
    if (!config) {
      return common::fail(config.error());
    }
    return config->data;
  }
  auto parsed = m_metadata.parse(events);
  if (!parsed) {
    return common::fail(parsed.error());
  }
  if (!(*parsed)->errors.empty()) {
    std::string all;
    for (const auto& error : (*parsed)->errors) {
      all += (all.empty() ? "" : "\n") + error;
    }
    return common::fail(common::ErrorKind::parse, all);
  }
  runqueue::RecipeIndex index((*parsed)->recipes, (*parsed)->config);
  auto found = index.resolve(*recipe, {});
  if (!found) {
    return common::fail(found.error());
  }
  return std::shared_ptr<const metadata::DataStore>(index[*found].data.get());
}

Json Cooker::cmd_parse(UiSession& session, const Json&) {
  auto parsed = m_metadata.parse(session);
  if (!parsed) {
    return protocol::error_reply(parsed.error().describe());
  }
  for (const auto& error : (*parsed)->errors) {
    send_log_message(session, "error", error);
  }
  send_completed(session, (*parsed)->errors.empty());
  return protocol::ok_reply();
}

Json Cooker::cmd_environment(UiSession& session, const Json& args) {
  auto recipe = optional_string(args, 0, "environment: the recipe");
  if (!recipe) {
    return protocol::error_reply(recipe.error().message);
  }
  auto data = datastore_for(session, *recipe);
  if (!data) {
    return protocol::error_reply(data.error().describe());
  }
  send_output(session, metadata::format_environment(**data));
  send_completed(session, true);
  return protocol::ok_reply();
}

Json Cooker::cmd_getvar(UiSession& session, const Json& args) {
  auto name = optional_string(args, 0, "getvar: the variable");
  auto recipe = optional_string(args, 1, "getvar: the recipe");
  auto flag = optional_string(args, 2, "getvar: the flag");
  for (const auto* arg : {&name, &recipe, &flag}) {
    if (!*arg) {
      return protocol::error_reply(arg->error().message);
    }
  }
  if (!*name) {
    return protocol::error_reply("getvar: expected the variable's name");
  }
  auto data = datastore_for(session, *recipe);
  if (!data) {
    return protocol::error_reply(data.error().describe());
  }
  auto value = *flag ? (*data)->get_flag(**name, **flag) : (*data)->get_var(**name);
  if (!value) {
    return protocol::error_reply(value.error().describe());
  }
  if (!*value) {
    std::string what = *flag ? fmt::format("{}[{}]", **name, **flag) : **name;
    return protocol::error_reply(fmt::format("{} is not set", what));
  }
  send_output(session, **value + "\n");
  send_completed(session, true);
  return protocol::ok_reply();
}

Json Cooker::cmd_graph(UiSession& session, const Json& args) {
  auto request = decode_build_request(args);
  if (!request) {
    return protocol::error_reply(request.error().message);
  }
  auto plan = plan_build(m_metadata, m_plans, *request, session);
  if (!plan) {
    return protocol::error_reply(plan.error().describe());
  }
  send_output(session, runqueue::task_graph_dot(plan->graph, *plan->recipes));
  send_completed(session, true);
  return protocol::ok_reply();
}

Json Cooker::cmd_explain(UiSession& session, const Json& args) {
  auto request = decode_build_request(args);
  if (!request) {
    return protocol::error_reply(request.error().message);
  }
  auto plan = plan_build(m_metadata, m_plans, *request, session);
  if (!plan) {
    return protocol::error_reply(plan.error().describe());
  }
  auto stamps = open_stamps(*plan, session);
  auto* stamps_db = stamps ? &*stamps : nullptr;
  auto forced = forced_tasks(*plan, *request);
  std::optional<sstate::EquivalenceDb> equivalence;
  auto decisions =
      runqueue::decide_reruns(plan->graph, *plan->recipes, stamps_db, plan->signatures, forced,
                              unihash_lookup(*plan, equivalence), &m_task_facts);
  auto scene = explain_scene(*plan, decisions, forced);
  send_output(session,
              runqueue::explain_reruns(plan->graph, *plan->recipes, decisions, stamps_db, scene));
  send_completed(session, true);
  return protocol::ok_reply();
}

} // namespace bbrun::server
