// SPDX-License-Identifier: MIT
// An executor that starts nothing: it records what the runqueue started and finishes tasks
// when the test says so.
#pragma once

#include "server/exec/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace bbrun::testing {

class FakeExecutor final : public server::exec::Executor {
public:
  common::Result<void> start(uint32_t id, server::exec::TaskPlan plan, Done done,
                             OnMessage /*on_message*/) override {
    m_started.push_back(plan.recipe + ":" + plan.task);
    m_running.emplace(plan.recipe + ":" + plan.task, Running{id, std::move(done)});
    m_peak = std::max(m_peak, m_running.size());
    return {};
  }
  common::Result<void> lend_fds(std::vector<int> /*fds*/) override { return {}; }
  void signal_all(int sig) override { m_signals.push_back(sig); }
  size_t running() const override { return m_running.size(); }

  /// Finish the running task `label` ("recipe:do_task") with `exit_code`.
  void finish(const std::string& label, int exit_code = 0) {
    auto it = m_running.find(label);
    ASSERT_NE(it, m_running.end()) << label << " is not running";
    auto done = std::move(it->second.done);
    m_running.erase(it);
    server::exec::TaskOutcome outcome;
    outcome.status.exit_code = exit_code;
    done(outcome);
  }
  /// Labels of the running tasks, sorted.
  std::vector<std::string> running_labels() const {
    std::vector<std::string> labels;
    for (const auto& [label, running] : m_running) {
      labels.push_back(label);
    }
    return labels;
  }
  const std::vector<std::string>& started() const { return m_started; }
  size_t peak() const { return m_peak; }
  const std::vector<int>& signals() const { return m_signals; }

private:
  struct Running {
    uint32_t id;
    Done done;
  };
  std::map<std::string, Running> m_running;
  std::vector<std::string> m_started;
  std::vector<int> m_signals;
  size_t m_peak = 0;
};

} // namespace bbrun::testing
