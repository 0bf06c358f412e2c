// SPDX-License-Identifier: MIT
// The runqueue's scene states (BitBake's setscene): find the objects of the tasks that would
// run, restore them instead of running the tasks, and store the outputs of the tasks that do
// run.
#include "server/runqueue/runqueue.h"
#include "server/runqueue/scene_plan.h"
#include "server/stamps/signature.h"

#include <fmt/core.h>

#include <algorithm>

namespace bbrun::server::runqueue {

namespace protocol = common::protocol;

namespace {

// The most restores one helper process does.
constexpr size_t k_max_restore_batch = 16;
// The most rounds of unique hash lookups in the shared caches before restoring.
constexpr size_t k_unihash_rounds = 8;

std::string setscene_name(const std::string& task) {
  return task + "_setscene";
}

} // namespace

void RunQueue::warn(const std::string& message) {
  m_events.send_event(protocol::make_event(protocol::event::log_message,
                                           {{"level", "warning"}, {"message", message}}));
}

void RunQueue::scene_init() {
  set_state(State::scene_init);
  m_covered.assign(m_runs.size(), false);
  if (m_options.sstate == nullptr) {
    return scene_found({}, {});
  }
  ask_unihashes(0);
}

std::vector<TaskIndex> RunQueue::scene_candidates() const {
  auto needed = tasks_needed(m_graph, would_run(), {});
  return setscene_candidates(
      m_graph, [this](TaskIndex index) -> const TaskDecision& { return m_runs[index].decision; },
      needed, m_options.forced);
}

// Hash equivalence through the shared caches, as BitBake asks its hash server: the candidates
// whose signature SSTATE_DIR's database does not know are looked up there, all in one helper.
// An answer that changes a unique hash changes the signatures after it, so the decisions are
// made again and the tasks with new signatures asked about in turn: one round per link of a
// chain of equivalences, at most k_unihash_rounds (the tasks past that only miss the cache).
void RunQueue::ask_unihashes(size_t round) {
  auto candidates = scene_candidates();
  std::vector<sstate::UnihashQuery> queries;
  for (TaskIndex index : candidates) {
    auto method = label(index);
    const auto& signature = m_runs[index].decision.signature;
    if (!m_shared_unihashes.contains({method, signature}) &&
        !(m_options.unihashes && m_options.unihashes(method, signature))) {
      queries.push_back({std::move(method), signature});
    }
  }
  if (queries.empty() || round == k_unihash_rounds || m_stopping) {
    return find_objects(candidates);
  }
  auto record = m_options.dry_run ? sstate::Record::no : sstate::Record::yes;
  m_options.sstate->unihashes(
      queries, record,
      [this, queries, round, alive = m_alive](const sstate::UnihashResult& result) {
        if (!*alive) {
          return;
        }
        for (const auto& warning : result.warnings) {
          warn(warning);
        }
        bool changed = false;
        for (size_t i = 0; i < queries.size(); ++i) {
          const auto& answer = i < result.unihashes.size() ? result.unihashes[i] : std::nullopt;
          changed = changed || (answer && *answer != queries[i].taskhash);
          m_shared_unihashes.emplace(std::pair(queries[i].method, queries[i].taskhash),
                                     answer.value_or(queries[i].taskhash));
        }
        if (changed) {
          prepare();
        }
        ask_unihashes(round + 1);
      });
}

std::optional<std::string> RunQueue::known_unihash(std::string_view method,
                                                   std::string_view taskhash) const {
  if (auto local = m_options.unihashes ? m_options.unihashes(method, taskhash) : std::nullopt) {
    return local;
  }
  auto shared = m_shared_unihashes.find({std::string(method), std::string(taskhash)});
  return shared != m_shared_unihashes.end() ? std::optional(shared->second) : std::nullopt;
}

void RunQueue::find_objects(const std::vector<TaskIndex>& candidates) {
  if (candidates.empty()) {
    return scene_found({}, {});
  }
  std::vector<sstate::ObjectQuery> objects;
  for (TaskIndex index : candidates) {
    objects.push_back({label(index), m_runs[index].decision.unihash});
  }
  m_options.sstate->find(std::move(objects),
                         [this, candidates, alive = m_alive](sstate::FindResult result) {
                           if (*alive) {
                             scene_found(candidates, result);
                           }
                         });
}

void RunQueue::scene_found(const std::vector<TaskIndex>& candidates,
                           const sstate::FindResult& result) {
  for (const auto& warning : result.warnings) {
    warn(warning);
  }
  set_state(State::scene_run);
  for (TaskIndex index : candidates) {
    if (result.found.contains(m_runs[index].decision.unihash)) {
      m_setscene.push_back(index);
    }
  }
  m_setscene_total = m_setscene.size();
  std::reverse(m_setscene.begin(), m_setscene.end()); // taken from the back, in graph order
  schedule_setscene();
}

void RunQueue::schedule_setscene() {
  while (!m_stopping && !m_setscene.empty() && m_running < m_options.jobs) {
    // Enough per helper to keep every free slot busy to the end, and no more than a batch,
    // so that progress shows.
    size_t size = std::clamp<size_t>(m_setscene.size() / (m_options.jobs - m_running), 1,
                                     k_max_restore_batch);
    std::vector<TaskIndex> batch;
    std::vector<sstate::SceneCache::Restore> requests;
    for (size_t i = 0; i < size; ++i) {
      TaskIndex index = m_setscene.back();
      m_setscene.pop_back();
      auto& run = m_runs[index];
      auto event = task_event(protocol::event::task_started, index,
                              setscene_name(m_graph.nodes[index].task));
      event.field("setscene", true)
          .field("number", ++m_setscene_started)
          .field("total", m_setscene_total);
      if (m_options.dry_run) {
        event.field("dry_run", true);
      }
      run.started = protocol::monotonic_seconds();
      event.send(m_events);
      batch.push_back(index);
      requests.push_back({{label(index), run.decision.unihash}, run.decision.sstate_outputs});
    }
    if (m_options.dry_run) {
      for (TaskIndex index : batch) {
        setscene_done(index, {sstate::StoreKind::local, {}, false, {}});
      }
      continue;
    }
    ++m_running;
    m_options.sstate->restore(std::move(requests), [this, batch, alive = m_alive](
                                                       std::vector<sstate::RestoreResult> results) {
      if (!*alive) {
        return;
      }
      --m_running;
      for (size_t i = 0; i < batch.size(); ++i) {
        setscene_done(batch[i], results[i]);
      }
      schedule_setscene();
    });
  }
  if (m_state == State::scene_run && m_running == 0 && (m_setscene.empty() || m_stopping)) {
    run_init();
  }
}

void RunQueue::setscene_done(TaskIndex index, const sstate::RestoreResult& result) {
  for (const auto& warning : result.warnings) {
    warn(warning);
  }
  auto& run = m_runs[index];
  auto event =
      task_event(protocol::event::task_completed, index, setscene_name(m_graph.nodes[index].task));
  event.field("setscene", true);
  if (result.from) {
    run.status = Status::restored;
    m_covered[index] = true;
    ++m_summary.restored[std::string(sstate::store_kind_name(*result.from))];
    record_stamp(index, protocol::monotonic_seconds() - run.started);
    event.field("restored_from", sstate::store_kind_name(*result.from));
  } else if (result.store_dropped) {
    // One summary in run_init rather than a line per task: a cache that dies during a large
    // build would otherwise bury its own warning under one line for each object it had.
    event.field("restored", false);
    ++m_restores_lost;
  } else {
    event.field("restored", false);
    warn(fmt::format("{}: {}; running the real task instead", label(index) + "_setscene",
                     result.error.empty() ? "the object is gone" : result.error));
  }
  if (m_options.dry_run) {
    event.field("dry_run", true);
  }
  event.send(m_events);
}

// A task with [sstate-outputs] that ran: its outputs go to the cache before it counts as
// done, so that no dependent can change them while they are packed.
void RunQueue::store_outputs(TaskIndex index) {
  ++m_storing;
  const auto& decision = m_runs[index].decision;
  m_options.sstate->store(
      label(index), decision.signature, decision.sstate_outputs,
      [this, index, alive = m_alive](sstate::StoreResult result) {
        if (!*alive) {
          return;
        }
        --m_storing;
        for (const auto& warning : result.warnings) {
          warn(warning);
        }
        if (!result.error.empty()) {
          warn(fmt::format("{}: outputs not stored in the shared-state cache: {}", label(index),
                           result.error));
        }
        bool equivalent =
            !result.unihash.empty() && result.unihash != m_runs[index].decision.unihash;
        if (equivalent) {
          m_runs[index].decision.unihash = result.unihash;
        }
        complete_task(index);
        if (equivalent) {
          rehash_dependents(index);
        }
        schedule();
        maybe_finish();
      });
}

// Compute the signature of `index` again from its dependencies' unique hashes; true when its
// stamp now matches: its last successful run made what it would make now.
bool RunQueue::resign(TaskIndex index) {
  auto& decision = m_runs[index].decision;
  decision.dep_signatures.clear();
  for (TaskIndex dep : m_graph.nodes[index].deps) {
    decision.dep_signatures.emplace_back(label(dep), m_runs[dep].decision.unihash);
  }
  std::sort(decision.dep_signatures.begin(), decision.dep_signatures.end());
  std::vector<std::string_view> dep_signatures;
  for (const auto& [dep, signature] : decision.dep_signatures) {
    dep_signatures.push_back(signature);
  }
  auto signature = stamps::task_signature(decision.inputs_hash, dep_signatures);
  if (signature == decision.signature) {
    return false;
  }
  decision.signature = signature;
  decision.unihash = signature;
  if (!decision.sstate_outputs.empty()) {
    decision.unihash = known_unihash(label(index), signature).value_or(signature);
  }
  return decision.stamp && decision.stamp->complete && decision.stamp->signature == signature &&
         !m_options.forced[index];
}

// `index` ran and made the same outputs as an earlier signature (hash equivalence): the tasks
// after it that have not started see its earlier unique hash, and those whose last successful
// run had the signature they get now need not run (BitBake's rehash of a unihash change).
void RunQueue::rehash_dependents(TaskIndex index) {
  std::vector<bool> downstream(m_runs.size(), false);
  downstream[index] = true;
  std::vector<TaskIndex> current;
  for (TaskIndex task : m_graph.order) {
    auto status = m_runs[task].status;
    bool reached = std::any_of(m_graph.nodes[task].deps.begin(), m_graph.nodes[task].deps.end(),
                               [&](TaskIndex dep) { return downstream[dep]; });
    if (task == index || !reached || (status != Status::waiting && status != Status::ready)) {
      continue;
    }
    downstream[task] = true;
    if (resign(task)) {
      current.push_back(task);
      m_runs[task].status = Status::up_to_date;
    }
  }
  if (current.empty()) {
    return;
  }
  std::erase_if(m_ready, [this](TaskIndex task) { return m_runs[task].status != Status::ready; });
  std::make_heap(m_ready.begin(), m_ready.end(), by_priority());
  for (TaskIndex task : current) {
    // A new stamp, after the one of the task that made it current, so that the next build
    // does not see a dependency that ran after it.
    record_stamp(task, 0);
    --m_to_run;
    ++m_summary.up_to_date;
    release_dependents(task);
  }
}

} // namespace bbrun::server::runqueue
