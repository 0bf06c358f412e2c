// SPDX-License-Identifier: MIT
// -c cleansstate.
#include "server/cleansstate_command.h"

#include "server/runqueue/recipe_index.h"
#include "server/sstate/settings.h"

#include <fmt/core.h>

namespace bbrun::server {

using common::protocol::Json;

namespace {

// The recipe names (PN) the targets of `request` resolve to.
common::Result<std::vector<std::string>> target_recipes(const ParsedMetadata& parsed,
                                                        const BuildRequest& request) {
  runqueue::RecipeIndex index(parsed.recipes, parsed.config);
  std::vector<std::string> names;
  for (const auto& target : request.targets) {
    auto found = index.resolve(target.recipe, {});
    if (!found) {
      return common::fail(found.error());
    }
    names.push_back(index[*found].pn);
  }
  return names;
}

// Clean the last of `recipes`, then the others.
void clean_next(sstate::HelperCache& helpers, EventSink& events, std::vector<std::string> recipes,
                std::string sstate_dir, std::function<void(bool)> done) {
  if (recipes.empty()) {
    return done(true);
  }
  std::string pn = std::move(recipes.back());
  recipes.pop_back();
  helpers.run(
      "clean", {{"pn", pn}},
      [&helpers, &events, pn, recipes = std::move(recipes), sstate_dir = std::move(sstate_dir),
       done = std::move(done)](common::Result<Json> result) mutable {
        if (!result || result->contains("error")) {
          send_log_message(
              events, "error",
              fmt::format("{}: cleansstate: {}", pn,
                          result ? result->value("error", "") : result.error().message));
          return done(false);
        }
        send_log_message(events, "note",
                         fmt::format("{}: removed {} shared-state objects from {}", pn,
                                     result->value("removed", 0), sstate_dir));
        clean_next(helpers, events, std::move(recipes), std::move(sstate_dir), std::move(done));
      });
}

} // namespace

bool is_cleansstate(const BuildRequest& request) {
  return runqueue::normalise_task_name(request.task) == "do_cleansstate";
}

void clean_sstate(boost::asio::io_context& io, MetadataCache& metadata, const BuildRequest& request,
                  EventSink& events, std::unique_ptr<sstate::HelperCache>& helpers,
                  std::function<void(bool)> done) {
  auto parsed = metadata.parse(events);
  if (!parsed || !(*parsed)->errors.empty()) {
    send_log_message(events, "error",
                     parsed ? "Parsing halted due to errors" : parsed.error().describe());
    return done(false);
  }
  const auto& config = *(*parsed)->config.data;
  std::vector<std::string> warnings;
  auto locations =
      sstate::locations_from(config, metadata::value_or_empty(config, "TMPDIR"), warnings);
  auto recipes = target_recipes(**parsed, request);
  if (!locations || !recipes) {
    send_log_message(events, "error",
                     recipes ? "neither SSTATE_DIR nor TMPDIR is set" : recipes.error().describe());
    return done(false);
  }
  helpers =
      std::make_unique<sstate::HelperCache>(io, sstate::HelperCache::default_helper(), *locations);
  clean_next(*helpers, events, std::move(*recipes), locations->sstate_dir.string(),
             std::move(done));
}

} // namespace bbrun::server
