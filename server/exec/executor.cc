// SPDX-License-Identifier: MIT
// Forking executor.
#include "server/exec/executor.h"

#include "server/exec/task_child.h"

namespace bbrun::server::exec {

common::Result<void> ProcessExecutor::start(uint32_t id, TaskPlan plan, Done done) {
  auto shared_plan = std::make_shared<TaskPlan>(std::move(plan));
  auto child = ChildProcess::spawn(
      m_io, [shared_plan] { return run_task_child(*shared_plan); },
      [this, id, shared_plan, done = std::move(done)](ExitStatus status) mutable {
        // This lambda lives inside the child object erased below: keep what it needs on the
        // stack. Erase first, since `finish` may start the next task right away.
        auto finish = std::move(done);
        auto log = task_log_path(*shared_plan, m_children.at(id)->pid());
        m_children.erase(id);
        finish(TaskOutcome{status, std::move(log)});
      });
  if (!child) {
    return common::fail(child.error());
  }
  m_children.emplace(id, std::move(*child));
  return {};
}

void ProcessExecutor::signal_all(int sig) {
  for (const auto& [id, child] : m_children) {
    child->signal_group(sig);
  }
}

} // namespace bbrun::server::exec
