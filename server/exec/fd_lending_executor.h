// SPDX-License-Identifier: MIT
// An executor that gives every task it starts the same fds to inherit.
#pragma once

#include "server/exec/executor.h"

#include <vector>

namespace bbrun::server::exec {

/// Starts tasks through `inner`, each with `fds` as its TaskPlan::inherited_fds: one build's
/// jobserver, which every task of that build gets and no task of another build does. The fds
/// are borrowed and must stay open while tasks are being started.
class FdLendingExecutor final : public Executor {
public:
  FdLendingExecutor(Executor& inner, std::vector<int> fds)
      : m_inner(inner), m_fds(std::move(fds)) {}

  common::Result<void> start(uint32_t id, TaskPlan plan, Done done) override {
    plan.inherited_fds = m_fds;
    return m_inner.start(id, std::move(plan), std::move(done));
  }
  void signal_all(int sig) override { m_inner.signal_all(sig); }
  size_t running() const override { return m_inner.running(); }

private:
  Executor& m_inner;
  std::vector<int> m_fds;
};

} // namespace bbrun::server::exec
