// SPDX-License-Identifier: MIT
// The runqueue state machine.
#include "server/runqueue/runqueue.h"

#include "common/log.h"
#include "server/exec/log_tail.h"
#include "server/exec/task_planner.h"
#include "server/runqueue/scene_plan.h"
#include "server/stamps/recorded_inputs.h"

#include <boost/asio/post.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <csignal>

namespace bbrun::server::runqueue {

namespace protocol = common::protocol;

namespace {

constexpr size_t k_failure_tail_lines = 20;
constexpr auto k_kill_grace = std::chrono::seconds(5);
// How long a finished task's stamp may wait to be committed with the ones after it.
constexpr auto k_stamp_commit_delay = std::chrono::milliseconds(500);
// The weight of a task when no task has been measured yet: the graph's shape decides alone.
constexpr double k_unmeasured_task_seconds = 0.01;

} // namespace

std::string_view state_name(State state) {
  switch (state) {
  case State::prepare:
    return "Prepare";
  case State::scene_init:
    return "SceneInit";
  case State::scene_run:
    return "SceneRun";
  case State::run_init:
    return "RunInit";
  case State::running:
    return "Running";
  case State::clean_up:
    return "CleanUp";
  case State::complete:
    return "Complete";
  case State::failed:
    return "Failed";
  }
  return "?";
}

RunQueue::RunQueue(boost::asio::io_context& io, TaskGraph graph, const RecipeIndex& recipes,
                   exec::Executor& executor, stamps::StampDb* stamps, EventSink& events,
                   RunOptions options, std::vector<std::string> task_environment)
    : m_io(io), m_graph(std::move(graph)), m_recipes(recipes), m_executor(executor),
      m_stamps(stamps), m_events(events), m_options(options),
      m_environment(std::move(task_environment)), m_runs(m_graph.nodes.size()), m_kill_timer(io),
      m_commit_timer(io) {
  m_options.jobs = std::max<size_t>(m_options.jobs, 1);
}

RunQueue::~RunQueue() {
  *m_alive = false;
  if (m_options.slots != nullptr) {
    m_options.slots->on_token({});
    m_options.slots->want(0);
  }
}

void RunQueue::set_state(State state) {
  m_state = state;
  m_events.send_event(protocol::make_event(protocol::event::runqueue_state_changed,
                                           {{"state", state_name(state)}}));
}

std::string RunQueue::label(TaskIndex index) const {
  return task_label(m_graph, m_recipes, index);
}

EventLine RunQueue::task_event(std::string_view type, TaskIndex index,
                               std::string_view task) const {
  const auto& node = m_graph.nodes[index];
  const auto& recipe = m_recipes[node.recipe];
  EventLine event(type);
  event.field("recipe", std::string_view(recipe.pn))
      .field("file", std::string_view(recipe.file))
      .field("task", task.empty() ? std::string_view(node.task) : task);
  return event;
}

void RunQueue::start(std::function<void(const BuildSummary&)> on_finished) {
  m_on_finished = std::move(on_finished);
  if (m_options.slots != nullptr) {
    m_options.slots->on_token([this] {
      schedule();
      maybe_finish();
    });
  }
  set_state(State::prepare);
  prepare();
  scene_init();
}

void RunQueue::prepare() {
  m_options.forced.resize(m_runs.size(), false);
  double started = protocol::monotonic_seconds();
  auto decisions = decide_reruns(
      m_graph, m_recipes, m_stamps, m_options.signatures, m_options.forced,
      [this](std::string_view method, std::string_view taskhash) {
        return known_unihash(method, taskhash);
      },
      m_options.facts);
  common::log::info("signatures and stamps of {} tasks checked in {:.1f} ms", m_runs.size(),
                    (protocol::monotonic_seconds() - started) * 1000);
  for (TaskIndex index : m_graph.order) {
    m_runs[index].decision = std::move(decisions[index]);
  }
}

// Once the cache has restored what it could: what is left to run, what waits for what, and
// in which order.
void RunQueue::run_init() {
  set_state(State::run_init);
  if (m_restores_lost > 0) {
    warn(fmt::format("{} setscene tasks found no object once a shared-state cache was dropped; "
                     "running their real tasks instead",
                     m_restores_lost));
  }
  auto needed = tasks_needed(m_graph, would_run(), m_covered);
  for (TaskIndex index : m_graph.order) {
    auto& run = m_runs[index];
    if (run.status != Status::restored) {
      run.status = needed[index] ? Status::waiting : Status::up_to_date;
    }
    m_to_run += needed[index] ? 1 : 0;
    for (TaskIndex dep : m_graph.nodes[index].deps) {
      run.remaining_deps += m_runs[dep].status == Status::waiting ? 1 : 0;
    }
  }
  m_summary.up_to_date = m_runs.size() - m_to_run;
  forget_stamps_of_tasks_to_run();
  prioritise();
  set_state(State::running);
  schedule();
  maybe_finish();
}

// The outputs of every task that runs are about to change: until it succeeds again it is not
// up to date, whatever happens to this build. One transaction for all of them, before the
// first starts, rather than one per task.
void RunQueue::forget_stamps_of_tasks_to_run() {
  if (!m_stamps || m_options.dry_run) {
    return;
  }
  std::vector<std::pair<std::string, std::string>> tasks;
  for (TaskIndex index = 0; index < m_runs.size(); ++index) {
    const auto& decision = m_runs[index].decision;
    if (m_runs[index].status == Status::waiting && decision.stamp && decision.stamp->complete) {
      const auto& node = m_graph.nodes[index];
      tasks.emplace_back(m_recipes[node.recipe].file, node.task);
    }
  }
  if (auto forgotten = m_stamps->forget(tasks); !forgotten) {
    common::log::warning("{}", forgotten.error().message);
  }
}

// Priority = the time from this task's start to the end of the longest chain of tasks still
// to run that hangs off it (critical path), each task weighted by its last measured duration
// and tasks never measured by the average of those that were.
void RunQueue::prioritise() {
  double measured_total = 0;
  size_t measured = 0;
  for (const auto& run : m_runs) {
    if (run.decision.stamp) {
      measured_total += run.decision.stamp->duration;
      ++measured;
    }
  }
  double average =
      measured > 0 ? measured_total / static_cast<double>(measured) : k_unmeasured_task_seconds;
  for (auto it = m_graph.order.rbegin(); it != m_graph.order.rend(); ++it) {
    auto& run = m_runs[*it];
    if (run.status != Status::waiting) {
      continue;
    }
    const auto& node = m_graph.nodes[*it];
    double longest = 0;
    for (TaskIndex dependent : node.dependents) {
      longest = std::max(longest, m_runs[dependent].priority);
    }
    run.priority = longest + (run.decision.stamp ? run.decision.stamp->duration : average);
    if (run.remaining_deps == 0) {
      run.status = Status::ready;
      m_ready.push_back(*it);
    }
  }
  std::make_heap(m_ready.begin(), m_ready.end(), by_priority());
}

// A task that starts a process needs a slot: the build's own, or a jobserver token. When none
// is free, the pool reads tokens for the ready tasks, and each token that arrives brings us
// back here, so it goes to the task on top of the heap at that moment.
void RunQueue::schedule() {
  auto lower = by_priority();
  while (!m_stopping && !m_ready.empty() && m_running < m_options.jobs) {
    bool needs_slot = m_options.slots != nullptr && !m_runs[m_ready.front()].decision.noexec &&
                      !m_options.dry_run;
    if (needs_slot && !m_options.slots->try_acquire()) {
      break;
    }
    std::pop_heap(m_ready.begin(), m_ready.end(), lower);
    TaskIndex next = m_ready.back();
    m_ready.pop_back();
    size_t running = m_running;
    start_task(next);
    if (needs_slot && m_running == running) {
      m_options.slots->release(); // it failed before a process started
    }
  }
  if (m_options.slots != nullptr) {
    bool could_start = !m_stopping && m_running < m_options.jobs;
    m_options.slots->want(could_start ? std::min(m_ready.size(), m_options.jobs - m_running) : 0);
  }
}

void RunQueue::start_task(TaskIndex index) {
  auto& run = m_runs[index];
  ++m_started;
  run.started = protocol::monotonic_seconds();
  auto event = task_event(protocol::event::task_started, index);
  event.field("number", m_started).field("total", m_to_run);
  if (run.decision.noexec || m_options.dry_run) {
    event.field(run.decision.noexec ? "noexec" : "dry_run", true).send(m_events, Delivery::batched);
    complete_task(index);
    return;
  }
  auto plan = plan_of(index);
  if (!plan) {
    event.send(m_events);
    fail_task(index, plan.error().describe(), {});
    return;
  }
  run.status = Status::running;
  ++m_running;
  std::string pf = plan->pf;
  auto started = m_executor.start(
      index, std::move(*plan),
      [this, index](exec::TaskOutcome outcome) { finish_task(index, outcome); },
      [this, index, pf = std::move(pf)](const exec::TaskMessage& message) {
        task_event(protocol::event::log_message, index)
            .field("pf", std::string_view(pf))
            .field("level", std::string_view(message.level))
            .field("message", std::string_view(message.text))
            .send(m_events);
      });
  event.send(m_events, Delivery::batched);
  if (!started) {
    --m_running;
    fail_task(index, started.error().describe(), {});
  }
}

common::Result<exec::TaskPlan> RunQueue::plan_of(TaskIndex index) {
  const auto& node = m_graph.nodes[index];
  const auto& recipe = m_recipes[node.recipe];
  // Facts worked out for this build's tasks before any starts (decide_reruns).
  TaskFacts* facts = nullptr;
  if (m_options.facts != nullptr) {
    auto& known = m_options.facts->of(recipe.data);
    auto found = known.find(node.task);
    facts = found != known.end() ? &found->second : nullptr;
  }
  common::Result<exec::TaskPlan> plan = facts != nullptr && facts->plan
                                            ? *facts->plan
                                            : exec::plan_task(recipe.data, recipe.pn, node.task);
  if (plan && facts != nullptr && !facts->plan && !plan->python_data) {
    // Kept for the builds to come: resolving the flags and the script costs more than all the
    // rest the cooker does to start a task, and an unchanged recipe keeps its datastore.
    facts->plan = std::make_shared<const exec::TaskPlan>(*plan);
  }
  if (plan) {
    plan->environment = m_environment;
  }
  return plan;
}

void RunQueue::finish_task(TaskIndex index, const exec::TaskOutcome& outcome) {
  --m_running;
  if (m_options.slots != nullptr) {
    m_options.slots->release();
  }
  if (outcome.status.success() && m_options.sstate != nullptr &&
      !m_runs[index].decision.sstate_outputs.empty()) {
    store_outputs(index);
  } else if (outcome.status.success()) {
    complete_task(index);
  } else {
    fail_task(index, outcome.status.describe(), outcome.log);
  }
  schedule();
  maybe_finish();
}

void RunQueue::complete_task(TaskIndex index) {
  auto& run = m_runs[index];
  run.status = Status::done;
  ++m_summary.ran;
  double duration = protocol::monotonic_seconds() - run.started;
  record_stamp(index, duration);
  auto event = task_event(protocol::event::task_completed, index);
  event.field("duration", duration);
  if (run.decision.noexec || m_options.dry_run) {
    event.field(run.decision.noexec ? "noexec" : "dry_run", true);
  }
  event.send(m_events, Delivery::batched);
  release_dependents(index);
}

std::vector<bool> RunQueue::would_run() const {
  std::vector<bool> runs(m_runs.size());
  for (size_t index = 0; index < m_runs.size(); ++index) {
    runs[index] = m_runs[index].decision.runs();
  }
  return runs;
}

void RunQueue::record_stamp(TaskIndex index, double duration) {
  auto& run = m_runs[index];
  if (!m_stamps || run.decision.nostamp || m_options.dry_run) {
    return;
  }
  const auto& node = m_graph.nodes[index];
  auto inputs = stamps::to_record(run.decision.inputs ? *run.decision.inputs : stamps::TaskInputs{},
                                  run.decision.dep_signatures);
  auto recorded = m_stamps->record(m_recipes[node.recipe].file, node.task, run.decision.signature,
                                   run.started, duration, inputs);
  if (!recorded) {
    common::log::warning("{}: {}", label(index), recorded.error().message);
    return;
  }
  // Stamps are committed together, a little later: one transaction per task would cost more
  // than everything else the cooker does for it. Losing them with the process is safe (StampDb).
  if (m_commit_timer.expiry() <= std::chrono::steady_clock::now()) {
    m_commit_timer.expires_after(k_stamp_commit_delay);
    m_commit_timer.async_wait([this, alive = m_alive](const boost::system::error_code& ec) {
      if (*alive && !ec) {
        commit_stamps();
      }
    });
  }
}

void RunQueue::commit_stamps() {
  if (auto committed = m_stamps->commit(); !committed) {
    warn(committed.error().message);
  }
}

void RunQueue::release_dependents(TaskIndex index) {
  auto lower = by_priority();
  for (TaskIndex dependent : m_graph.nodes[index].dependents) {
    auto& run = m_runs[dependent];
    if (run.status != Status::waiting || --run.remaining_deps > 0) {
      continue;
    }
    run.status = Status::ready;
    m_ready.push_back(dependent);
    std::push_heap(m_ready.begin(), m_ready.end(), lower);
  }
}

void RunQueue::fail_task(TaskIndex index, const std::string& reason,
                         const std::filesystem::path& log) {
  m_runs[index].status = Status::failed;
  ++m_summary.failed;
  m_summary.failed_tasks.push_back(label(index));
  auto event = task_event(protocol::event::task_failed, index);
  event.field("reason", std::string_view(reason));
  if (!log.empty()) {
    event.field("log", std::string_view(log.native()))
        .strings("log_tail", exec::read_log_tail(log, k_failure_tail_lines));
  }
  event.send(m_events);
  if (m_options.keep_going) {
    skip_dependents(index);
  } else {
    m_stopping = true;
  }
}

void RunQueue::skip_dependents(TaskIndex index) {
  std::vector<TaskIndex> stack{index};
  while (!stack.empty()) {
    TaskIndex current = stack.back();
    stack.pop_back();
    for (TaskIndex dependent : m_graph.nodes[current].dependents) {
      auto& run = m_runs[dependent];
      if (run.status == Status::waiting) {
        run.status = Status::skipped;
        task_event(protocol::event::task_skipped, dependent)
            .field("reason", fmt::format("depends on failed task {}", label(index)))
            .send(m_events);
        stack.push_back(dependent);
      }
    }
  }
}

void RunQueue::stop(StopMode mode) {
  m_stopping = true;
  if (m_options.slots != nullptr) {
    m_options.slots->want(0);
  }
  if (mode == StopMode::terminate && m_running > 0) {
    m_executor.signal_all(SIGTERM);
    if (m_options.sstate != nullptr) {
      m_options.sstate->signal_all(SIGTERM);
    }
    m_kill_timer.expires_after(k_kill_grace);
    m_kill_timer.async_wait([this, alive = m_alive](const boost::system::error_code& ec) {
      if (*alive && !ec) {
        m_executor.signal_all(SIGKILL);
      }
    });
  }
  maybe_finish();
}

void RunQueue::maybe_finish() {
  // Before `running`, the scene states move on by themselves when their work ends.
  if (m_running > 0 || m_storing > 0 || m_state != State::running) {
    return;
  }
  if (!m_stopping && !m_ready.empty()) {
    return;
  }
  m_kill_timer.cancel();
  if (m_stamps != nullptr) {
    m_commit_timer.cancel();
    commit_stamps();
  }
  set_state(State::clean_up);
  // As BitBake counts: the tasks that ended, up to date or run or failed; not those that never
  // started because of a failure or a stop.
  m_summary.attempted = m_summary.up_to_date + m_summary.ran + m_summary.failed;
  bool everything_ran = m_summary.ran == m_to_run;
  m_summary.success = m_summary.failed == 0 && everything_ran;
  set_state(m_summary.success ? State::complete : State::failed);
  if (m_on_finished) {
    // Post: the owner may destroy this runqueue from the callback.
    boost::asio::post(m_io,
                      [summary = m_summary, done = std::move(m_on_finished)] { done(summary); });
  }
}

} // namespace bbrun::server::runqueue
