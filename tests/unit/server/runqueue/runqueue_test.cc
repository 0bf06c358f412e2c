// SPDX-License-Identifier: MIT
// Tests for the runqueue state machine, with a fake executor that finishes tasks on demand.
#include "server/runqueue/runqueue.h"
#include "tests/testing/event_recorder.h"
#include "tests/testing/fake_executor.h"
#include "tests/testing/fake_scene_cache.h"
#include "tests/testing/process.h"
#include "tests/testing/recipes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <sys/ioctl.h>

namespace bbrun::server::runqueue {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using testing::make_recipe;

enum class Extra { none, keep_going, dry_run };

RunOptions run_options(size_t jobs, Extra extra = Extra::none) {
  RunOptions options;
  options.jobs = jobs;
  options.keep_going = extra == Extra::keep_going;
  options.dry_run = extra == Extra::dry_run;
  return options;
}

class RunQueueTest : public ::testing::Test {
protected:
  // Build the graph of `targets` over `recipes` and start a runqueue on it.
  void start(std::vector<metadata::Recipe> recipes, std::vector<TargetRequest> targets,
             RunOptions options) {
    m_config.data = std::make_shared<metadata::DataStore>();
    m_recipes = std::make_unique<RecipeIndex>(std::move(recipes), m_config);
    auto graph = build_task_graph(*m_recipes, targets);
    ASSERT_TRUE(graph) << graph.error().message;
    m_runqueue = std::make_unique<RunQueue>(m_io, std::move(*graph), *m_recipes, m_executor,
                                            nullptr, m_events, options, std::vector<std::string>{});
    m_runqueue->start([this](const BuildSummary& summary) { m_summary = summary; });
  }
  void deliver() {
    m_io.restart();
    m_io.poll();
  }
  std::vector<std::string> states() const {
    std::vector<std::string> names;
    for (const auto& event : m_events.of_type("RunQueueStateChanged")) {
      names.push_back(event["state"]);
    }
    return names;
  }

  boost::asio::io_context m_io;
  metadata::Configuration m_config;
  std::unique_ptr<RecipeIndex> m_recipes;
  testing::FakeExecutor m_executor;
  testing::EventRecorder m_events;
  common::Pipe m_jobserver;                     ///< for tests with a token pool
  std::unique_ptr<jobserver::TokenPool> m_pool; ///< outlives the runqueue, as in the cooker
  std::unique_ptr<RunQueue> m_runqueue;
  std::optional<BuildSummary> m_summary;
};

// A chain a -> b -> c, and two independent tasks x and y, all in one recipe.
const char* k_chain_and_two = R"bb(
do_a() {
	:
}
do_b() {
	:
}
do_c() {
	:
}
do_x() {
	:
}
do_y() {
	:
}
addtask a
addtask b after do_a
addtask c after do_b
addtask x
addtask y
addtask all after do_c do_x do_y
do_all[noexec] = "1"
)bb";

TEST_F(RunQueueTest, LongestPathStartsFirstAndJobsAreNeverExceeded) {
  // Given a chain of three beside two lone tasks and two slots, we should start the chain's
  // head first and never run more than two tasks.
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, run_options(2));
  ASSERT_EQ(m_executor.started().size(), 2u);
  EXPECT_EQ(m_executor.started().front(), "r:do_a");
  while (m_executor.running() > 0) {
    m_executor.finish(m_executor.running_labels().front());
  }
  deliver();
  EXPECT_EQ(m_executor.peak(), 2u);
  ASSERT_TRUE(m_summary);
  EXPECT_TRUE(m_summary->success);
  EXPECT_EQ(m_summary->ran, 6u);
  EXPECT_THAT(states(), ElementsAre("Prepare", "SceneInit", "SceneRun", "RunInit", "Running",
                                    "CleanUp", "Complete"));
}

TEST_F(RunQueueTest, FailureStopsStartingNewTasks) {
  // Given one slot and a failing first task, we should start nothing after it and end Failed.
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, run_options(1));
  m_executor.finish("r:do_a", 2);
  deliver();
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a"));
  ASSERT_TRUE(m_summary);
  EXPECT_FALSE(m_summary->success);
  EXPECT_THAT(m_summary->failed_tasks, ElementsAre("r:do_a"));
  EXPECT_EQ(states().back(), "Failed");
  auto failed = m_events.of_type("TaskFailed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["reason"], "exit code 2");
}

TEST_F(RunQueueTest, KeepGoingSkipsOnlyTheDependentsOfAFailure) {
  // Given -k and a failing chain head, we should skip the chain and still run x and y.
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, run_options(1, Extra::keep_going));
  m_executor.finish("r:do_a", 1);
  while (m_executor.running() > 0) {
    m_executor.finish(m_executor.running_labels().front());
  }
  deliver();
  EXPECT_THAT(m_executor.started(), UnorderedElementsAre("r:do_a", "r:do_x", "r:do_y"));
  std::vector<std::string> skipped;
  for (const auto& event : m_events.of_type("TaskSkipped")) {
    skipped.push_back(event["task"]);
  }
  EXPECT_THAT(skipped, UnorderedElementsAre("do_b", "do_c", "do_all"));
  ASSERT_TRUE(m_summary);
  EXPECT_FALSE(m_summary->success);
}

TEST_F(RunQueueTest, TerminateSignalsRunningTasksAndStartsNoMore) {
  // Given a running task and a stop with terminate, we should SIGTERM it, start nothing else,
  // and finish once it has ended.
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, run_options(1));
  m_runqueue->stop(StopMode::terminate);
  EXPECT_THAT(m_executor.signals(), ElementsAre(SIGTERM));
  EXPECT_FALSE(m_summary);
  m_executor.finish("r:do_a", 143);
  deliver();
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a"));
  ASSERT_TRUE(m_summary);
  EXPECT_FALSE(m_summary->success);
}

TEST_F(RunQueueTest, DryRunStartsNothing) {
  // Given -n, we should announce every task in dependency order and start none.
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, run_options(2, Extra::dry_run));
  deliver();
  EXPECT_TRUE(m_executor.started().empty());
  std::vector<std::string> announced;
  for (const auto& event : m_events.of_type("TaskStarted")) {
    announced.push_back(event["task"]);
  }
  ASSERT_EQ(announced.size(), 6u);
  EXPECT_LT(std::find(announced.begin(), announced.end(), "do_a"),
            std::find(announced.begin(), announced.end(), "do_b"));
  EXPECT_EQ(announced.back(), "do_all");
  ASSERT_TRUE(m_summary);
  EXPECT_TRUE(m_summary->success);
}

TEST_F(RunQueueTest, DeptaskLinksToTheProvidersTasks) {
  // Given app DEPENDS on a name lib PROVIDES, app's configure should wait for lib's install.
  auto lib = make_recipe("libfoo", "PROVIDES = \"virtual/foo\"\ndo_install() {\n\t:\n}\n"
                                   "addtask install\n");
  auto app = make_recipe("app", "DEPENDS = \"virtual/foo\"\ndo_configure() {\n\t:\n}\n"
                                "addtask configure\ndo_configure[deptask] = \"do_install\"\n");
  start({lib, app}, {{"app", "configure"}}, run_options(2));
  EXPECT_THAT(m_executor.started(), ElementsAre("libfoo:do_install"));
  m_executor.finish("libfoo:do_install");
  EXPECT_THAT(m_executor.running_labels(), ElementsAre("app:do_configure"));
}

TEST_F(RunQueueTest, EachTaskBeyondTheFirstWaitsForAJobserverToken) {
  // Given three slots but an empty jobserver, we should start only the chain's head; a token
  // should start one more task, and a task that ends should give its token back at once.
  m_jobserver = std::move(common::make_pipe().value());
  m_pool = std::move(
      jobserver::TokenPool::open(m_io, m_jobserver.read.get(), m_jobserver.write.get()).value());
  auto in_pipe = [this] {
    int count = -1;
    ::ioctl(m_jobserver.read.get(), FIONREAD, &count);
    return count;
  };
  auto run_until_running = [this](size_t count) {
    return testing::wait_until([&] {
      m_io.restart();
      m_io.run_for(std::chrono::milliseconds(5));
      return m_executor.running() == count;
    });
  };
  RunOptions options = run_options(3);
  options.slots = m_pool.get();
  start({make_recipe("r", k_chain_and_two)}, {{"r", "all"}}, options);
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a"));
  ASSERT_TRUE(common::write_all(m_jobserver.write.get(), "+"));
  ASSERT_TRUE(run_until_running(2));
  EXPECT_EQ(in_pipe(), 0);
  m_executor.finish("r:do_a");
  EXPECT_EQ(in_pipe(), 1);
  ASSERT_TRUE(run_until_running(2));
  EXPECT_EQ(in_pipe(), 0);
  EXPECT_EQ(m_executor.peak(), 2u);
  ASSERT_TRUE(testing::wait_until([&] {
    if (m_executor.running() > 0) {
      m_executor.finish(m_executor.running_labels().front());
    }
    m_io.restart();
    m_io.run_for(std::chrono::milliseconds(5));
    return m_summary.has_value();
  }));
  EXPECT_TRUE(m_summary->success);
  EXPECT_EQ(in_pipe(), 1);
  EXPECT_EQ(m_pool->in_use(), 0u);
}

// a -> b (cached) -> all, and c after a -> all2: b can be restored; c still needs a.
const char* k_cached_b = R"bb(
do_a() {
	:
}
do_b() {
	:
}
do_b[sstate-outputs] = "/out/b"
do_c() {
	:
}
addtask a
addtask b after do_a
addtask c after do_a
addtask all after do_b
do_all[noexec] = "1"
addtask all2 after do_b do_c
do_all2[noexec] = "1"
)bb";

TEST_F(RunQueueTest, RestoredTaskSkipsWhatOnlyItNeeded) {
  // Given a cached task whose object exists, we should restore it in SceneRun, run no real
  // task for it, and leave out its dependency that nothing else needs.
  testing::FakeSceneCache cache(m_io);
  RunOptions options = run_options(2);
  options.sstate = &cache;
  start({make_recipe("r", k_cached_b)}, {{"r", "all"}}, options);
  deliver();
  deliver();
  ASSERT_TRUE(m_summary);
  EXPECT_TRUE(m_summary->success);
  EXPECT_THAT(m_executor.started(), ::testing::IsEmpty());
  EXPECT_EQ(m_summary->restored["local"], 1u);
  EXPECT_EQ(m_summary->up_to_date, 2u) << "a (not needed) and b (restored)";
}

TEST_F(RunQueueTest, RestoredTaskKeepsDependenciesOthersNeed) {
  // Given a restored task whose dependency another running task needs, we should run that
  // dependency and the other task, and store nothing for the restored one.
  testing::FakeSceneCache cache(m_io);
  RunOptions options = run_options(2);
  options.sstate = &cache;
  start({make_recipe("r", k_cached_b)}, {{"r", "all2"}}, options);
  deliver();
  deliver();
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a"));
  m_executor.finish("r:do_a");
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a", "r:do_c"));
  m_executor.finish("r:do_c");
  deliver();
  ASSERT_TRUE(m_summary);
  EXPECT_TRUE(m_summary->success);
  EXPECT_THAT(cache.stored(), ::testing::IsEmpty());
}

TEST_F(RunQueueTest, FailedRestoreRunsTheRealTaskAndStoresItsOutputs) {
  // Given a corrupt object, we should warn, run the task and its dependency for real, and
  // start the dependents only once the outputs are stored.
  testing::FakeSceneCache cache(m_io);
  cache.corrupt("/out/b");
  RunOptions options = run_options(2);
  options.sstate = &cache;
  start({make_recipe("r", k_cached_b)}, {{"r", "all"}}, options);
  deliver();
  deliver();
  EXPECT_FALSE(m_events.of_type("LogMessage").empty());
  EXPECT_THAT(m_executor.started(), ElementsAre("r:do_a"));
  m_executor.finish("r:do_a");
  m_executor.finish("r:do_b");
  EXPECT_FALSE(m_summary) << "done only once stored";
  deliver();
  ASSERT_TRUE(m_summary);
  EXPECT_TRUE(m_summary->success);
  EXPECT_THAT(cache.stored(), ElementsAre("r:do_b"));
}

// b (cached) -> d (cached) -> all.
const char* k_cached_chain = R"bb(
do_b() {
	:
}
do_b[sstate-outputs] = "/out/b"
do_d() {
	:
}
do_d[sstate-outputs] = "/out/d"
addtask b
addtask d after do_b
addtask all after do_d
do_all[noexec] = "1"
)bb";

TEST_F(RunQueueTest, SharedEquivalenceSignsTheTasksAfterIt) {
  // Given shared caches that map b's signature to an older unique hash, we should look for b's
  // object under that hash, ask again about d, whose signature it changed, and restore both.
  testing::FakeSceneCache cache(m_io);
  const std::string older(32, 'e');
  cache.equivalent("r:do_b", older);
  RunOptions options = run_options(2);
  options.sstate = &cache;
  start({make_recipe("r", k_cached_chain)}, {{"r", "all"}}, options);
  for (int turn = 0; turn < 4; ++turn) {
    deliver();
  }
  ASSERT_TRUE(m_summary);
  EXPECT_THAT(cache.asked(), ElementsAre("r:do_b", "r:do_d", "r:do_d"));
  ASSERT_EQ(cache.looked_for().size(), 2u);
  EXPECT_EQ(cache.looked_for()[0].method, "r:do_b");
  EXPECT_EQ(cache.looked_for()[0].unihash, older);
  EXPECT_EQ(m_summary->restored["local"], 2u);
  EXPECT_THAT(m_executor.started(), ::testing::IsEmpty());
}

} // namespace
} // namespace bbrun::server::runqueue
