// SPDX-License-Identifier: MIT
// The runqueue: a state machine that runs a task graph, at most `jobs` tasks at once.
//
// States, each announced with a RunQueueStateChanged event (BitBake's RunQueueState):
//   prepare -> scene_init -> scene_run -> run_init -> running -> clean_up -> complete | failed
// prepare decides which tasks would run; scene_init asks the shared-state cache which of those
// with [sstate-outputs] have an object; scene_run restores them (BitBake's setscene tasks),
// at most `jobs` at once; run_init drops the tasks that restored ones made unnecessary and
// sets priorities; running starts ready tasks, highest priority first, and advances one step
// each time a task ends (a task with [sstate-outputs] ends once its outputs are stored);
// clean_up waits for the running tasks after a failure or a stop. Everything happens on the
// event-loop thread, and nothing here blocks: tasks and cache work are children awaited
// through the executor and the scene cache.
#pragma once

#include "server/event_sink.h"
#include "server/exec/executor.h"
#include "server/jobserver/token_pool.h"
#include "server/runqueue/rerun_decision.h"
#include "server/runqueue/task_graph.h"
#include "server/sstate/scene_cache.h"
#include "server/stamps/stamp_db.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bbrun::server::runqueue {

enum class State { prepare, scene_init, scene_run, run_init, running, clean_up, complete, failed };

/// The state's name in events ("Prepare", "SceneInit", ...).
std::string_view state_name(State state);

struct RunOptions {
  size_t jobs = 1;
  std::vector<bool> forced; ///< per task: runs even when up to date (-f on a target)
  bool keep_going = false;  ///< -k: run everything that does not depend on a failure
  bool dry_run = false;     ///< -n: go through the motions, run nothing, write no stamp
  stamps::SignatureSettings signatures;
  /// Where the slot of each task beyond the first comes from (a jobserver); null: only `jobs`
  /// limits. Must outlive the runqueue.
  jobserver::TokenPool* slots = nullptr;
  /// The shared-state cache; null: none, every task runs. Must outlive the runqueue.
  sstate::SceneCache* sstate = nullptr;
  /// Hash equivalence: the unique hashes recorded so far in SSTATE_DIR. Empty: none. The shared
  /// caches are asked about the signatures it does not know (scene_init).
  UnihashLookup unihashes;
  /// Task facts kept from earlier builds; null: none kept. Must outlive the runqueue.
  TaskFactsCache* facts = nullptr;
};

struct BuildSummary {
  bool success = false;
  size_t attempted = 0;                   ///< tasks that ended: up to date, run or failed
  size_t up_to_date = 0;                  ///< didn't need to be rerun (restored ones included)
  std::map<std::string, size_t> restored; ///< by where they came from: "local", "mirror", "http"
  size_t ran = 0;                         ///< completed successfully
  size_t failed = 0;
  std::vector<std::string> failed_tasks; ///< "recipe:do_task"
};

enum class StopMode {
  graceful,  ///< start nothing new, let running tasks finish
  terminate, ///< also SIGTERM running tasks, SIGKILL them after a grace period
};

class RunQueue {
public:
  RunQueue(boost::asio::io_context& io, TaskGraph graph, const RecipeIndex& recipes,
           exec::Executor& executor, stamps::StampDb* stamps, EventSink& events, RunOptions options,
           std::vector<std::string> task_environment);
  ~RunQueue();

  /// Run the graph; `on_finished` is called once, from the event loop, at the end.
  void start(std::function<void(const BuildSummary&)> on_finished);
  void stop(StopMode mode);

private:
  enum class Status { waiting, up_to_date, restored, ready, running, done, failed, skipped };
  struct TaskRun {
    Status status = Status::waiting;
    size_t remaining_deps = 0; ///< deps that still have to run
    double priority = 0;       ///< seconds on the longest path from here to the end
    TaskDecision decision;
    double started = 0;
  };

  /// Heap order for m_ready: the task with the longest path ahead comes out first.
  auto by_priority() const {
    return [this](TaskIndex a, TaskIndex b) { return m_runs[a].priority < m_runs[b].priority; };
  }
  void set_state(State state);
  void prepare();
  // The scene states (runqueue_scene.cc).
  void scene_init();
  std::vector<TaskIndex> scene_candidates() const;
  void ask_unihashes(size_t round);
  void find_objects(const std::vector<TaskIndex>& candidates);
  /// The unique hash of `taskhash` of `method`: SSTATE_DIR's database's, else the shared
  /// caches' (asked in scene_init), else nullopt.
  std::optional<std::string> known_unihash(std::string_view method,
                                           std::string_view taskhash) const;
  void scene_found(const std::vector<TaskIndex>& candidates, const sstate::FindResult& result);
  void schedule_setscene();
  void setscene_done(TaskIndex index, const sstate::RestoreResult& result);
  void store_outputs(TaskIndex index);
  void rehash_dependents(TaskIndex index);
  bool resign(TaskIndex index);
  void warn(const std::string& message);
  void run_init();
  void record_stamp(TaskIndex index, double duration);
  /// Commit the stamps recorded since the last commit (StampDb batches them).
  void commit_stamps();
  /// Per task: whether its decision is to run (before any restore).
  std::vector<bool> would_run() const;
  void forget_stamps_of_tasks_to_run();
  void prioritise();
  void schedule();
  void start_task(TaskIndex index);
  /// The plan of `index`, from the task facts when an earlier build worked it out.
  common::Result<exec::TaskPlan> plan_of(TaskIndex index);
  void finish_task(TaskIndex index, const exec::TaskOutcome& outcome);
  void complete_task(TaskIndex index);
  void fail_task(TaskIndex index, const std::string& reason, const std::filesystem::path& log);
  void release_dependents(TaskIndex index);
  void skip_dependents(TaskIndex index);
  void maybe_finish();
  std::string label(TaskIndex index) const;
  /// The event `type` of the task at `index`, with its "recipe", "file" and "task" (`task`, or
  /// the graph's name for it when empty); the caller adds the rest and sends it.
  EventLine task_event(std::string_view type, TaskIndex index, std::string_view task = {}) const;

  boost::asio::io_context& m_io;
  TaskGraph m_graph;
  const RecipeIndex& m_recipes;
  exec::Executor& m_executor;
  stamps::StampDb* m_stamps;
  EventSink& m_events;
  RunOptions m_options;
  std::vector<std::string> m_environment;
  std::vector<TaskRun> m_runs;
  std::vector<TaskIndex> m_ready;    ///< a heap ordered by priority
  std::vector<TaskIndex> m_setscene; ///< restores still to start, in graph order
  size_t m_setscene_total = 0;
  size_t m_setscene_started = 0;
  size_t m_restores_lost = 0;  ///< misses because a store was dropped (RestoreResult)
  std::vector<bool> m_covered; ///< restored from the cache
  /// (method, task hash) -> the unique hash the shared caches gave; the task hash itself when
  /// they had none, so that it is asked only once.
  std::map<std::pair<std::string, std::string>, std::string> m_shared_unihashes;
  size_t m_storing = 0; ///< tasks whose outputs are being stored
  State m_state = State::prepare;
  BuildSummary m_summary;
  size_t m_to_run = 0;
  size_t m_started = 0;
  size_t m_running = 0;
  bool m_stopping = false;
  std::function<void(const BuildSummary&)> m_on_finished;
  boost::asio::steady_timer m_kill_timer;
  boost::asio::steady_timer m_commit_timer; ///< armed while recorded stamps wait for a commit
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::runqueue
