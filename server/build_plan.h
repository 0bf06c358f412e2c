// SPDX-License-Identifier: MIT
// Everything a build decides before it runs: recipes, providers, the task graph, settings.
#pragma once

#include "common/result.h"
#include "server/event_sink.h"
#include "server/metadata/configuration.h"
#include "server/parsed_metadata.h"
#include "server/runqueue/recipe_index.h"
#include "server/runqueue/task_graph.h"
#include "server/sstate/operations.h"
#include "server/stamps/stamp_db.h"
#include "server/stamps/task_inputs.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server {

/// What a client inside make says of make's jobserver (its fds come with the handshake).
struct MakeJobserverRequest {
  std::optional<size_t> jobs; ///< make's -jN
  std::string fifo;           ///< the fifo form's path; empty for the pipe form
  std::string escrow;         ///< the client's token escrow fifo; empty: none
};

/// A build request, decoded from the build command's arguments.
struct BuildRequest {
  std::vector<runqueue::TargetRequest> targets;
  std::string task; ///< -c; empty: BB_DEFAULT_TASK, else do_build
  bool force = false;
  bool keep_going = false;
  bool dry_run = false;
  bool no_wait = false;
  size_t jobs = 0; ///< 0: BB_NUMBER_THREADS, else make's -jN, else the number of CPUs
  std::optional<MakeJobserverRequest> make_jobserver; ///< set when run inside make
};

/// Decode the build command's single object argument. Fails with ErrorKind::usage.
common::Result<BuildRequest> decode_build_request(const common::protocol::Json& args);

struct BuildPlan {
  std::shared_ptr<const runqueue::RecipeIndex> recipes;
  runqueue::TaskGraph graph;
  std::filesystem::path tmpdir; ///< empty when TMPDIR is not set
  size_t jobs = 1;
  stamps::SignatureSettings signatures;
  std::optional<sstate::Locations> sstate; ///< nullopt: no shared-state cache
};

/// The recipe index and task graph of the last plan, kept for the next one: while the parsed
/// metadata is the same object (nothing changed on disk) and the targets are the same, they
/// are too, and a no-op build need not work them out again.
struct PlanCache {
  std::shared_ptr<const ParsedMetadata> parsed;
  std::vector<runqueue::TargetRequest> targets;
  std::shared_ptr<const runqueue::RecipeIndex> recipes; ///< of `parsed`
  std::optional<runqueue::TaskGraph> graph;             ///< of `recipes` and `targets`
  runqueue::TaskLinksCache links; ///< of every recipe graphs were built of, while it lives
};

/// Parse the metadata (progress and every parse error as events on `events`), resolve
/// providers, and build the task graph of `request`, or take them from `cache` (which is
/// updated). Fails with a one-line summary when parsing failed (the details went out as
/// events), or with the graph's error.
common::Result<BuildPlan> plan_build(MetadataCache& metadata, PlanCache& cache,
                                     const BuildRequest& request, EventSink& events);

/// The stamps database of `plan` (under TMPDIR), or nullopt when there is none to be had:
/// then every task runs. Problems and replacements are reported as warnings on `events`.
std::optional<stamps::StampDb> open_stamps(const BuildPlan& plan, EventSink& events);

/// Which of `plan`'s targets `request` forces (-f): one flag per task of the graph.
std::vector<bool> forced_tasks(const BuildPlan& plan, const BuildRequest& request);

} // namespace bbrun::server
