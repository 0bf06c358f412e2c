// SPDX-License-Identifier: MIT
// A real task launcher for executor tests, and shell task plans in a temporary directory.
#pragma once

#include "server/exec/launcher.h"
#include "server/exec/launcher_executor.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::exec {

class LauncherFixture : public ::testing::Test {
protected:
  void SetUp() override {
    auto launcher = start_launcher();
    ASSERT_TRUE(launcher) << launcher.error().message;
    m_launcher_pid = launcher->pid;
    m_launcher = std::make_unique<LauncherExecutor>(m_io, std::move(*launcher));
  }
  /// A shell task of recipe r (PF r-1.0-r0) that runs `body` in `work/`, logging in `temp/`.
  TaskPlan plan(const std::string& body) {
    TaskPlan plan;
    plan.recipe = "r";
    plan.pf = "r-1.0-r0";
    plan.task = "do_t";
    plan.log_dir = m_temp.path() / "temp";
    plan.dirs = {m_temp.path() / "work"};
    plan.script = "#!/bin/sh\n" + body + "\n";
    plan.environment = {"PATH=/usr/bin:/bin"};
    return plan;
  }
  /// Start `task` as task 1: its outcome into `m_outcome`, its messages into `m_messages` as
  /// "PF TASK LEVEL TEXT" (a message after the outcome fails the test).
  bool start(const TaskPlan& task) {
    return m_launcher
        ->start(
            1, task, [this](TaskOutcome outcome) { m_outcome = outcome; },
            [this, origin = task.pf + " " + task.task](const TaskMessage& message) {
              EXPECT_FALSE(m_outcome) << "a message after the task's end: " << message.text;
              m_messages.push_back(origin + " " + message.level + " " + message.text);
            })
        .has_value();
  }
  /// Start a task that sleeps 30 s, its outcome into `m_outcome`; its pid (its process
  /// group's) once it runs, 0 if it does not within 10 s. The event loop turns in short steps,
  /// enough to send the start: the caller acts on the task well within the 20 ms after which
  /// the launcher reports the pid on its own.
  int start_sleeping_task() {
    if (!start(plan("echo $$ > task.pid; sleep 30"))) {
      return 0;
    }
    int task = 0;
    testing::wait_until([&] {
      m_io.run_for(std::chrono::microseconds(300));
      task = std::atoi(testing::read_file(m_temp.path() / "work/task.pid").c_str());
      return task > 0;
    });
    return task;
  }
  /// Run the event loop until `m_outcome` is set or 10 s pass.
  void run_until_done() {
    for (int i = 0; i < 1000 && !m_outcome; ++i) {
      m_io.run_for(std::chrono::milliseconds(10));
    }
  }

  testing::TempDir m_temp;
  boost::asio::io_context m_io;
  pid_t m_launcher_pid = 0;
  std::unique_ptr<LauncherExecutor> m_launcher;
  std::optional<TaskOutcome> m_outcome;
  std::vector<std::string> m_messages;
};

} // namespace bbrun::server::exec
