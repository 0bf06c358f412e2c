// SPDX-License-Identifier: MIT
// End to end: SIGKILL a task, the client or the server at a random moment of a build run
// inside a real GNU make jobserver, round after round. After each fault a build completes,
// every sqlite database passes its integrity check, no task that was cut off counts as done,
// no process is left behind, and make gets every token back.
#include "tests/integration/build_dir_fixture.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sys/wait.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

// Each task logs "start ROUND PID" and "end ROUND PID" around its work in runs/PN.TASK, and
// its pid in pids; ROUND comes from local.conf, so each round changes every signature and
// reruns everything.
std::string shell_task(const std::string& name, double seconds) {
  return fmt::format("do_{0}() {{\n"
                     "\techo \"start ${{ROUND}} $$\" >> ${{TOPDIR}}/runs/${{PN}}.{0}\n"
                     "\techo $$ >> ${{TOPDIR}}/pids\n"
                     "\tsleep {1}\n"
                     "\techo \"end ${{ROUND}} $$\" >> ${{TOPDIR}}/runs/${{PN}}.{0}\n"
                     "}}\n",
                     name, seconds);
}

std::string python_task(const std::string& name, double seconds) {
  return fmt::format("python do_{0}() {{\n"
                     "    import os, time\n"
                     "    log = '%s/runs/%s.{0}' % (d.getVar('TOPDIR'), d.getVar('PN'))\n"
                     "    with open(log, 'a') as f: f.write('start %s %d\\n' % (d.getVar('ROUND'), "
                     "os.getpid()))\n"
                     "    with open(d.getVar('TOPDIR') + '/pids', 'a') as f: f.write('%d\\n' % "
                     "os.getpid())\n"
                     "    time.sleep({1})\n"
                     "    with open(log, 'a') as f: f.write('end %s %d\\n' % (d.getVar('ROUND'), "
                     "os.getpid()))\n"
                     "}}\n",
                     name, seconds);
}

enum class Fault { task, client, server };

struct Tally {
  int faults[3] = {0, 0, 0};
  int cut_off_tasks = 0;
  int lost_tokens = 0;
  int rounds_with_lost_tokens = 0;
};

class FaultInjectionIntegrationTest : public BuildDirFixture {
protected:
  static constexpr int k_recipes = 5;
  static constexpr int k_tokens = 3; // make -j4: three tokens beside the implicit slot

  void SetUp() override {
    BuildDirFixture::SetUp();
    std::string all_depends;
    for (int i = 1; i <= k_recipes; ++i) {
      std::string body = shell_task("a", 0.02 * i) + shell_task("b", 0.05) +
                         (i % 2 == 0 ? python_task("c", 0.05) : shell_task("c", 0.05)) +
                         "addtask a before do_b\naddtask b before do_c\naddtask c before "
                         "do_build\n";
      add_recipe(fmt::format("r{}_1.0.bb", i), body);
      all_depends += fmt::format(" r{}", i);
    }
    add_recipe("all_1.0.bb",
               "DEPENDS = \"" + all_depends + "\"\n" + "do_build[deptask] = \"do_build\"\n");
    fs::create_directories(builddir() / "runs");
    m_temp.write("outer.mk", fmt::format("all: bb hold\n"
                                         "bb:\n\t+@echo $$$$ > client.pid; cd {} && exec {} all\n"
                                         "hold:\n\t@while [ ! -e release ]; do sleep 0.02; done\n",
                                         builddir().string(), client()));
  }

  // Every (recipe, task) whose log has a start but no end for `round`.
  std::set<std::string> unfinished(int round) const {
    std::set<std::string> out;
    for (const auto& entry : fs::directory_iterator(builddir() / "runs")) {
      std::string log = read_file(entry.path());
      bool started = log.find(fmt::format("start {} ", round)) != std::string::npos;
      bool ended = log.find(fmt::format("end {} ", round)) != std::string::npos;
      if (started && !ended) {
        out.insert(entry.path().filename().string());
      }
    }
    return out;
  }

  // Every task that has not logged its end for `round`.
  std::vector<std::string> not_done(int round) const {
    std::vector<std::string> out;
    for (int i = 1; i <= k_recipes; ++i) {
      for (const char* task : {"a", "b", "c"}) {
        std::string name = fmt::format("r{}.{}", i, task);
        if (read_file(builddir() / "runs" / name).find(fmt::format("end {} ", round)) ==
            std::string::npos) {
          out.push_back(name);
        }
      }
    }
    return out;
  }

  std::vector<int> task_pids() const {
    std::vector<int> pids;
    std::ifstream in(builddir() / "pids");
    for (int pid; in >> pid;) {
      pids.push_back(pid);
    }
    return pids;
  }

  // Processes working in this test's directory other than the live server and its launcher.
  std::vector<std::string> strays() const {
    std::vector<std::string> out;
    const int server = server_pid();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      const int pid = std::stoi(name);
      const std::string cwd = fs::read_symlink(entry.path() / "cwd", ec).string();
      if (ec || !cwd.starts_with(m_temp.path().string()) || pid == server ||
          parent_of(pid) == server || !process_alive(pid)) {
        continue;
      }
      out.push_back(fmt::format("{} ({})", pid, read_file(entry.path() / "cmdline").c_str()));
    }
    return out;
  }

  static int parent_of(int pid) {
    std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
    int parent = 0;
    auto after_name = stat.rfind(')');
    if (after_name != std::string::npos) {
      std::sscanf(stat.c_str() + after_name + 1, " %*c %d", &parent);
    }
    return parent;
  }

  // Problems of every sqlite database under the test's directory ("" when all say ok).
  std::string database_problems() const {
    std::string problems;
    for (const auto& entry : fs::recursive_directory_iterator(m_temp.path())) {
      if (entry.path().extension() != ".db") {
        continue;
      }
      sqlite3* db = nullptr;
      std::string result;
      if (sqlite3_open_v2(entry.path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* check = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr);
        while (check != nullptr && sqlite3_step(check) == SQLITE_ROW) {
          result += reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
        }
        sqlite3_finalize(check);
      }
      sqlite3_close(db);
      if (result != "ok") {
        problems += entry.path().string() + ": " + result + "\n";
      }
    }
    return problems;
  }

  // SIGKILL what `fault` names; return whether something was killed.
  bool inject(Fault fault, std::mt19937& random) {
    switch (fault) {
    case Fault::task: {
      std::vector<int> alive;
      for (int pid : task_pids()) {
        if (process_alive(pid)) {
          alive.push_back(pid);
        }
      }
      return !alive.empty() && ::kill(alive[random() % alive.size()], SIGKILL) == 0;
    }
    case Fault::client: {
      int pid = std::atoi(read_file(m_temp.path() / "client.pid").c_str());
      return pid > 0 && ::kill(pid, SIGKILL) == 0;
    }
    case Fault::server:
      return server_pid() > 0 && ::kill(server_pid(), SIGKILL) == 0;
    }
    return false;
  }
};

TEST_F(FaultInjectionIntegrationTest, NothingIsLostWhateverIsKilled) {
  // Given rounds of a 15-task build under `make -j4`, each hit by one SIGKILL of a task, the
  // client or the server at a random moment, we should after every round find: make's tokens
  // all back, no process left, every database intact, and, after one more plain build, every
  // task done for that round, the cut-off ones included.
  const char* rounds_env = std::getenv("BBRUN_FAULT_ROUNDS");
  const int rounds = rounds_env != nullptr ? std::atoi(rounds_env) : 50;
  std::mt19937 random(2024);
  Tally tally;
  for (int round = 1; round <= rounds; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    write_local_conf(fmt::format("ROUND = \"{}\"\nBB_NUMBER_THREADS = \"4\"\n", round));
    fs::remove(m_temp.path() / "client.pid");
    fs::remove(m_temp.path() / "release");
    fs::remove(builddir() / "pids");
    // Half the faults hit while the client connects and the server parses, half while tasks
    // run.
    const auto fault = static_cast<Fault>(random() % 3);
    const bool among_tasks = random() % 2 == 0;
    const auto delay = std::chrono::milliseconds(random() % 400);
    SCOPED_TRACE(fmt::format("fault {} {} ms after the {}", static_cast<int>(fault), delay.count(),
                             among_tasks ? "first task" : "client's start"));

    int make = start_process({"make", "-j4", "-f", "outer.mk"}, m_temp.path(),
                             {"MAKEFLAGS=", "MAKELEVEL="}, m_temp.path() / "make.out");
    ASSERT_TRUE(wait_until([&] { return fs::exists(m_temp.path() / "client.pid"); }));
    if (among_tasks) {
      wait_until([&] { return !task_pids().empty(); });
    }
    std::this_thread::sleep_for(delay);
    // A task fault needs a running task: wait a little for one if the build is between tasks.
    bool injected = false;
    wait_until([&] { return (injected = inject(fault, random)); }, std::chrono::seconds(1));
    tally.faults[static_cast<int>(fault)] += injected ? 1 : 0;

    const int client_pid = std::atoi(read_file(m_temp.path() / "client.pid").c_str());
    EXPECT_TRUE(wait_until([&] { return !process_alive(client_pid); }, std::chrono::seconds(60)));
    EXPECT_TRUE(wait_until(
        [&] {
          for (int pid : task_pids()) {
            if (process_alive(pid)) {
              return false;
            }
          }
          return true;
        },
        std::chrono::seconds(20)))
        << "a task outlived its build";
    tally.cut_off_tasks += static_cast<int>(unfinished(round).size());
    m_temp.write("release", "");
    int status = 0;
    ::waitpid(make, &status, 0);
    const std::string make_out = read_file(m_temp.path() / "make.out");
    EXPECT_THAT(make_out, Not(HasSubstr("INTERNAL"))) << "tokens lost";
    if (auto at = make_out.find("INTERNAL: Exiting with "); at != std::string::npos) {
      int available = 0, should = 0;
      std::sscanf(make_out.c_str() + at,
                  "INTERNAL: Exiting with %d jobserver tokens available; "
                  "should be %d!",
                  &available, &should);
      tally.lost_tokens += should - available;
      ++tally.rounds_with_lost_tokens;
    }

    auto recovery = bbrun({"all"}, {}, std::chrono::seconds(120));
    ASSERT_EQ(recovery.exit_code, 0) << recovery.out << recovery.err;
    EXPECT_THAT(not_done(round), ::testing::IsEmpty()) << "a cut-off task counted as done";
    EXPECT_EQ(database_problems(), "");
    EXPECT_THAT(strays(), ::testing::IsEmpty());
  }
  std::cout << fmt::format("[ faults ] {} rounds: {} tasks, {} clients, {} servers killed; {} "
                           "tasks cut off and rerun; {} tokens lost in {} rounds\n",
                           rounds, tally.faults[0], tally.faults[1], tally.faults[2],
                           tally.cut_off_tasks, tally.lost_tokens, tally.rounds_with_lost_tokens);
}

} // namespace
} // namespace bbrun::testing
