// SPDX-License-Identifier: MIT
// Tests for provider choice and the cross-recipe task dependency flags.
#include "server/runqueue/task_graph.h"
#include "tests/testing/recipes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace bbrun::server::runqueue {
namespace {

using ::testing::HasSubstr;
using testing::make_recipe;

class TaskGraphTest : public ::testing::Test {
protected:
  void index(std::vector<metadata::Recipe> recipes, const std::string& config_text = "") {
    auto config = testing::make_recipe("config", config_text);
    m_config.data = config.data.get();
    m_recipes = std::make_unique<RecipeIndex>(std::move(recipes), m_config);
  }
  std::string provider_of(const std::string& name) {
    auto found = m_recipes->resolve(name, "test");
    return found ? (*m_recipes)[*found].pn + "-" + *(*m_recipes)[*found].data->get_var("PV").value()
                 : found.error().message;
  }
  // Every "pn:task" edge of the graph of `target`.
  std::set<std::string> edges_of(const std::string& recipe, const std::string& task) {
    auto graph = build_task_graph(*m_recipes, {{recipe, task}});
    EXPECT_TRUE(graph) << graph.error().message;
    std::set<std::string> edges;
    for (const auto& node : graph->nodes) {
      for (TaskIndex dep : node.deps) {
        edges.insert((*m_recipes)[node.recipe].pn + ":" + node.task + " -> " +
                     (*m_recipes)[graph->nodes[dep].recipe].pn + ":" + graph->nodes[dep].task);
      }
    }
    return edges;
  }

  metadata::Configuration m_config;
  std::unique_ptr<RecipeIndex> m_recipes;
};

const char* k_one_task = "do_install() {\n\t:\n}\naddtask install\n";

TEST_F(TaskGraphTest, HighestVersionWinsUnlessAVersionIsPreferred) {
  // Given two versions of one recipe, we should pick the highest, or PREFERRED_VERSION's.
  index({make_recipe("zlib", k_one_task, "1.2.9"), make_recipe("zlib", k_one_task, "1.2.13")});
  EXPECT_EQ(provider_of("zlib"), "zlib-1.2.13");
  index({make_recipe("zlib", k_one_task, "1.2.9"), make_recipe("zlib", k_one_task, "1.2.13")},
        "PREFERRED_VERSION_zlib = \"1.2.9%\"\n");
  EXPECT_EQ(provider_of("zlib"), "zlib-1.2.9");
}

TEST_F(TaskGraphTest, PreferredProviderChoosesAmongProviders) {
  // Given two recipes PROVIDING one name, PREFERRED_PROVIDER should choose; a recipe whose PN
  // is the name always wins over PROVIDES.
  auto a = make_recipe("kernel-a", "PROVIDES = \"virtual/kernel\"\n" + std::string(k_one_task));
  auto b = make_recipe("kernel-b", "PROVIDES = \"virtual/kernel\"\n" + std::string(k_one_task));
  index({a, b}, "PREFERRED_PROVIDER_virtual/kernel = \"kernel-b\"\n");
  EXPECT_EQ(provider_of("virtual/kernel"), "kernel-b-1.0");
  auto impostor = make_recipe("other", "PROVIDES = \"kernel-a\"\n" + std::string(k_one_task));
  index({a, impostor});
  EXPECT_EQ(provider_of("kernel-a"), "kernel-a-1.0");
  EXPECT_THAT(provider_of("nothing"), HasSubstr("Nothing PROVIDES 'nothing' (wanted by test)"));
}

TEST_F(TaskGraphTest, RdeptaskFollowsRuntimeDependencies) {
  // Given RDEPENDS:${PN} on a package another recipe RPROVIDES, [rdeptask] should link to it.
  auto lib = make_recipe("lib", "PACKAGES = \"lib lib-dev\"\nRPROVIDES:lib-dev = \"libdev\"\n" +
                                    std::string(k_one_task));
  auto app = make_recipe("app", "RDEPENDS:app = \"libdev (>= 1.0)\"\n"
                                "do_pack() {\n\t:\n}\naddtask pack\n"
                                "do_pack[rdeptask] = \"do_install\"\n");
  index({lib, app});
  EXPECT_EQ(edges_of("app", "pack"), std::set<std::string>{"app:do_pack -> lib:do_install"});
}

TEST_F(TaskGraphTest, RecrdeptaskReachesTheWholeDependencyClosure) {
  // Given a -> b (DEPENDS) and b -> c (RDEPENDS), [recrdeptask] on a's task should reach both
  // b and c, and [recdeptask] only b.
  std::string task = "do_fetch() {\n\t:\n}\naddtask fetch\n";
  auto c = make_recipe("c", task);
  auto b = make_recipe("b", "RDEPENDS:b = \"c\"\n" + task);
  auto a = make_recipe("a", "DEPENDS = \"b\"\n" + task +
                                "do_all() {\n\t:\n}\naddtask all\n"
                                "do_all[recrdeptask] = \"do_fetch\"\n"
                                "do_some() {\n\t:\n}\naddtask some\n"
                                "do_some[recdeptask] = \"do_fetch\"\n");
  index({a, b, c});
  EXPECT_EQ(edges_of("a", "all"),
            (std::set<std::string>{"a:do_all -> b:do_fetch", "a:do_all -> c:do_fetch"}));
  EXPECT_EQ(edges_of("a", "some"), std::set<std::string>{"a:do_some -> b:do_fetch"});
}

TEST_F(TaskGraphTest, KeptTaskLinksServeUnchangedRecipesAndNeverAReparsedOne) {
  // Given graphs built through one TaskLinksCache, first of recipes a and b, then of a with b
  // parsed again with another [depends], we should get b's new links, and the same graph as
  // one built without the cache.
  auto a = make_recipe("a", "DEPENDS = \"b\"\n" + std::string(k_one_task) +
                                "do_install[deptask] = \"do_install\"\n");
  auto b_before = make_recipe("b", k_one_task);
  auto b_after =
      make_recipe("b", "do_fetch() {\n\t:\n}\naddtask fetch\n" + std::string(k_one_task) +
                           "do_install[depends] = \"b:do_fetch\"\n");
  TaskLinksCache links;
  auto edges = [&](const TaskGraph& graph) {
    std::set<std::string> out;
    for (const auto& node : graph.nodes) {
      for (TaskIndex dep : node.deps) {
        out.insert(node.task + " -> " + graph.nodes[dep].task);
      }
    }
    return out;
  };
  index({a, b_before});
  auto first = build_task_graph(*m_recipes, {{"a", "install"}}, &links);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(edges(*first), std::set<std::string>{"do_install -> do_install"});
  index({a, b_after});
  auto second = build_task_graph(*m_recipes, {{"a", "install"}}, &links);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(edges(*second),
            (std::set<std::string>{"do_install -> do_install", "do_install -> do_fetch"}));
  EXPECT_EQ(edges(*second), edges(*build_task_graph(*m_recipes, {{"a", "install"}})));
}

TEST_F(TaskGraphTest, UnknownTaskNamesWhoWantedIt) {
  // Given a [depends] on a task the other recipe lacks, we should name both ends.
  auto lib = make_recipe("lib", k_one_task);
  auto app = make_recipe("app", "do_x() {\n\t:\n}\naddtask x\ndo_x[depends] = \"lib:do_nope\"\n");
  index({lib, app});
  auto graph = build_task_graph(*m_recipes, {{"app", "x"}});
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().message, "lib has no task do_nope (wanted by app:do_x)");
}

TEST_F(TaskGraphTest, DependsNobodyProvidesIsAnErrorEvenWithoutDeptask) {
  // Given a DEPENDS no recipe provides, two levels down and with no [deptask] using it, the
  // graph should fail naming the name and the recipe whose DEPENDS it is, as BitBake does.
  auto top = make_recipe("top", "DEPENDS = \"middle\"\n" + std::string(k_one_task));
  auto middle = make_recipe("middle", "DEPENDS = \"misspelt\"\n" + std::string(k_one_task));
  index({top, middle});
  auto graph = build_task_graph(*m_recipes, {{"top", "install"}});
  ASSERT_FALSE(graph);
  EXPECT_EQ(graph.error().message, "Nothing PROVIDES 'misspelt' (wanted by DEPENDS of middle)");
  EXPECT_TRUE(
      build_task_graph(*m_recipes, {{"middle", "install"}}).error().message.find("misspelt") !=
      std::string::npos);
}

} // namespace
} // namespace bbrun::server::runqueue
