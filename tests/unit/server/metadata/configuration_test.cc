// SPDX-License-Identifier: MIT
// Configuration and recipe loading on real files: layers, BBPATH, include/require/inherit,
// bbappends.
#include "server/metadata/configuration.h"
#include "server/metadata/recipe.h"
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

#include <thread>

namespace bbrun::server::metadata {
namespace {

using testing::value_of;

// A build directory, one layer "meta" and the shipped defaults, all in one temp dir.
class ConfigurationTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_tmp.write("build/conf/bblayers.conf", "BBLAYERS = \"${TOPDIR}/../meta\"\n");
    m_tmp.write("meta/conf/layer.conf",
                "BBPATH .= \":${LAYERDIR}\"\nBBFILES += \"${LAYERDIR}/recipes/*.bb "
                "${LAYERDIR}/recipes/*.bbappend\"\nBBFILE_COLLECTIONS += \"meta\"\n"
                "BBFILE_PATTERN_meta = \"^${LAYERDIR_RE}/\"\nBBFILE_PRIORITY_meta = \"5\"\n");
    m_tmp.write("defaults/conf/bitbake.conf",
                "include conf/local.conf\nTMPDIR ?= \"${TOPDIR}/tmp\"\nSHIPPED = \"1\"\n");
    m_tmp.write("defaults/classes/base.bbclass",
                "BASE = \"1\"\ndo_build() {\n  :\n}\naddtask build\n");
  }

  LoadOptions options() const {
    return LoadOptions{m_tmp.path() / "build", m_tmp.path() / "defaults", nullptr};
  }

  Configuration load() {
    auto config = load_configuration(options());
    EXPECT_TRUE(config) << (config ? "" : config.error().describe());
    return config ? std::move(*config) : Configuration{};
  }

  std::filesystem::path recipe(const std::string& name, const std::string& text) {
    return m_tmp.write("meta/recipes/" + name, text);
  }

  testing::TempDir m_tmp;
};

// Given a minimal tree, we should load it, put TOPDIR and the defaults at the end of BBPATH
// and find the recipes.
TEST_F(ConfigurationTest, LoadsLayersAndDefaults) {
  recipe("foo_1.2.bb", "");
  recipe("bar.bb", "");
  Configuration config = load();
  const std::string build = (m_tmp.path() / "build").string();
  EXPECT_EQ(value_of(*config.data, "BBPATH"), (m_tmp.path() / "meta").string() + ":" + build + ":" +
                                                  (m_tmp.path() / "defaults").string());
  EXPECT_EQ(value_of(*config.data, "TOPDIR"), build);
  EXPECT_EQ(value_of(*config.data, "TMPDIR"), build + "/tmp");
  EXPECT_EQ(value_of(*config.data, "BASE"), "1");
  EXPECT_EQ(value_of(*config.data, "LAYERDIR"), "<unset>");
  ASSERT_EQ(config.recipe_files.size(), 2u);
  EXPECT_EQ(std::filesystem::path(config.recipe_files[0]).filename(), "bar.bb");
  ASSERT_EQ(config.collections.size(), 1u);
  EXPECT_EQ(config.priority_of(config.recipe_files[0]), 5);
}

// Given conf/local.conf in the build directory, we should read it through bitbake.conf's
// include, because TOPDIR is on BBPATH.
TEST_F(ConfigurationTest, LocalConfFoundThroughBbpath) {
  m_tmp.write("build/conf/local.conf", "TMPDIR = \"/elsewhere\"\nLOCAL = \"yes\"\n");
  Configuration config = load();
  EXPECT_EQ(value_of(*config.data, "TMPDIR"), "/elsewhere");
  EXPECT_EQ(value_of(*config.data, "LOCAL"), "yes");
}

// Given a layer with its own conf/bitbake.conf, we should use it instead of the default.
TEST_F(ConfigurationTest, LayerOverridesShippedBitbakeConf) {
  m_tmp.write("meta/conf/bitbake.conf", "MINE = \"1\"\n");
  Configuration config = load();
  EXPECT_EQ(value_of(*config.data, "MINE"), "1");
  EXPECT_EQ(value_of(*config.data, "SHIPPED"), "<unset>");
}

// Given errors in several configuration files, we should report all of them.
TEST_F(ConfigurationTest, ReportsEveryConfigurationError) {
  m_tmp.write("build/conf/local.conf", "A = \"1\"\nB x\n");
  m_tmp.write("meta/conf/layer.conf", "BBFILES += \"x\"\nC = y\n");
  auto config = load_configuration(options());
  ASSERT_FALSE(config);
  const std::string text = config.error().describe();
  EXPECT_NE(text.find("build/conf/local.conf:2: expected '='"), std::string::npos) << text;
  EXPECT_NE(text.find("meta/conf/layer.conf:2: expected a quoted value"), std::string::npos)
      << text;
}

// Given a build directory without bblayers.conf or with a missing layer, we should say so.
TEST_F(ConfigurationTest, MissingLayerIsAnError) {
  m_tmp.write("build/conf/bblayers.conf", "BBLAYERS = \"/nonexistent/layer\"\n");
  auto config = load_configuration(options());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().describe().find("/nonexistent/layer"), std::string::npos);
  std::filesystem::remove(m_tmp.path() / "build/conf/bblayers.conf");
  config = load_configuration(options());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().describe().find("bblayers.conf"), std::string::npos);
}

// Given include of a missing file, we should go on silently; given require, fail at the line.
TEST_F(ConfigurationTest, IncludeIsSilentRequireFails) {
  const auto file = recipe("a.bb", "include nothere.inc\nA = \"1\"\nrequire nothere.inc\n");
  Configuration config = load();
  auto parsed = parse_recipe(config, file);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().where, file.string() + ":3");
  EXPECT_NE(parsed.error().message.find("nothere.inc"), std::string::npos);
}

// Given an include next to the recipe and one of the same name on BBPATH, we should take the
// one next to the including file first.
TEST_F(ConfigurationTest, IncludeSearchesIncludingDirectoryFirst) {
  m_tmp.write("meta/recipes/common.inc", "WHERE = \"recipes\"\n");
  m_tmp.write("meta/common.inc", "WHERE = \"bbpath\"\n");
  m_tmp.write("meta/other.inc", "OTHER = \"bbpath\"\n");
  const auto file = recipe("a.bb", "require common.inc\nrequire other.inc\n");
  auto parsed = parse_recipe(load(), file);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(value_of(*parsed->data, "WHERE"), "recipes");
  EXPECT_EQ(value_of(*parsed->data, "OTHER"), "bbpath");
}

// Given files that include each other, we should report the loop instead of recursing.
TEST_F(ConfigurationTest, IncludeLoopIsReported) {
  m_tmp.write("meta/recipes/x.inc", "require y.inc\n");
  m_tmp.write("meta/recipes/y.inc", "require x.inc\n");
  const auto file = recipe("a.bb", "require x.inc\n");
  auto parsed = parse_recipe(load(), file);
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().describe().find("include loop: "), std::string::npos);
  EXPECT_NE(parsed.error().describe().find("x.inc -> "), std::string::npos);
}

// Given a class inherited twice (directly and through another class), we should evaluate it
// once; a missing class is an error at the inherit line.
TEST_F(ConfigurationTest, InheritEachClassOnce) {
  m_tmp.write("meta/classes/c1.bbclass", "COUNT .= \"1\"\n");
  m_tmp.write("meta/classes/c2.bbclass", "inherit c1\nCOUNT .= \"2\"\n");
  const auto good = recipe("a.bb", "inherit c1 c2\ninherit c1\ninherit base\n");
  const auto bad = recipe("b.bb", "\ninherit nope\n");
  Configuration config = load();
  auto parsed = parse_recipe(config, good);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(value_of(*parsed->data, "COUNT"), "12");
  auto failed = parse_recipe(config, bad);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().where, bad.string() + ":2");
  EXPECT_NE(failed.error().message.find("classes/nope.bbclass"), std::string::npos);
}

// Given INHERIT in local.conf, we should inherit the class globally, before any recipe.
TEST_F(ConfigurationTest, GlobalInherit) {
  m_tmp.write("build/conf/local.conf", "INHERIT += \"glob\"\n");
  m_tmp.write("meta/classes/glob.bbclass", "GLOBAL = \"yes\"\n");
  const auto file = recipe("a.bb", "inherit glob\nGLOBAL .= \"!\"\n");
  Configuration config = load();
  EXPECT_EQ(value_of(*config.data, "GLOBAL"), "yes");
  auto parsed = parse_recipe(config, file);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(value_of(*parsed->data, "GLOBAL"), "yes!");
}

// Given a recipe file name, we should set PN, PV and PR before the recipe, which may
// override them.
TEST_F(ConfigurationTest, NameVersionFromFileName) {
  const auto a = recipe("foo_1.2.bb", "");
  const auto b = recipe("bar.bb", "PV = \"3.0\"\n");
  const auto c = recipe("baz_2_r5.bb", "");
  Configuration config = load();
  auto pa = parse_recipe(config, a);
  auto pb = parse_recipe(config, b);
  auto pc = parse_recipe(config, c);
  ASSERT_TRUE(pa && pb && pc);
  EXPECT_EQ(pa->pn, "foo");
  EXPECT_EQ(value_of(*pa->data, "PV"), "1.2");
  EXPECT_EQ(value_of(*pa->data, "PR"), "r0");
  EXPECT_EQ(value_of(*pa->data, "FILE"), a.string());
  EXPECT_EQ(value_of(*pb->data, "PV"), "3.0");
  EXPECT_EQ(value_of(*pc->data, "PR"), "r5");
  EXPECT_FALSE(vars_from_file_name("a_b_c_d.bb"));
}

// Given appends in two layers, we should match them by name with '%' and apply them in
// layer-priority order, lowest first.
TEST_F(ConfigurationTest, BbappendsMatchAndApplyByPriority) {
  m_tmp.write("build/conf/bblayers.conf",
              "BBLAYERS = \"${TOPDIR}/../high ${TOPDIR}/../meta ${TOPDIR}/../low\"\n");
  for (const auto& [layer, priority] : {std::pair{"high", "9"}, std::pair{"low", "1"}}) {
    m_tmp.write(std::string(layer) + "/conf/layer.conf",
                "BBFILES += \"${LAYERDIR}/*.bbappend\"\nBBFILE_COLLECTIONS += \"" +
                    std::string(layer) + "\"\nBBFILE_PATTERN_" + layer +
                    " = \"^${LAYERDIR_RE}/\"\nBBFILE_PRIORITY_" + layer + " = \"" + priority +
                    "\"\n");
    m_tmp.write(std::string(layer) + "/foo_%.bbappend",
                "ORDER .= \"" + std::string(layer) + " \"\n");
  }
  m_tmp.write("meta/recipes/foo_1.2.bbappend", "ORDER .= \"meta \"\n");
  m_tmp.write("low/nothing.bbappend", "");
  const auto foo = recipe("foo_1.2.bb", "ORDER = \"\"\n");
  recipe("foobar.bb", "");
  Configuration config = load();
  auto parsed = parse_recipe(config, foo);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(value_of(*parsed->data, "ORDER"), "low meta high ");
  EXPECT_EQ(parsed->appends.size(), 3u);
  EXPECT_TRUE(config.appends_for(m_tmp.path() / "meta/recipes/foobar.bb").empty());
  ASSERT_EQ(config.dangling_appends.size(), 1u);
  EXPECT_EQ(config.dangling_appends[0].filename(), "nothing.bbappend");
}

struct AppendCase {
  const char* append;
  const char* recipe;
  bool matches;
};

// Given append and recipe names, we should match as BitBake's get_file_appends.
TEST(AppendMatchTest, PercentMatchesAnyRest) {
  const AppendCase cases[] = {
      {"foo_1.2.bbappend", "foo_1.2.bb", true}, {"foo_%.bbappend", "foo_1.2.bb", true},
      {"foo_1.%.bbappend", "foo_1.2.bb", true}, {"foo_1.%.bbappend", "foo_2.0.bb", false},
      {"foo_%.bbappend", "foo.bb", false},      {"foo.bbappend", "foo_1.0.bb", false},
      {"foo%.bbappend", "foobar.bb", true},     {"foo.bbappend", "foo.bb", true},
  };
  for (const AppendCase& c : cases) {
    EXPECT_EQ(append_matches(c.append, c.recipe), c.matches) << c.append << " " << c.recipe;
  }
}

// Given a bad recipe next to good ones, we should fail only that one, with all its errors.
TEST_F(ConfigurationTest, BadRecipeDoesNotStopOthers) {
  const auto bad = recipe("bad.bb", "A x\ndo_x() {\n");
  const auto good = recipe("good.bb", "A = \"1\"\n");
  Configuration config = load();
  auto b = parse_recipe(config, bad);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("bad.bb:1"), std::string::npos) << b.error().message;
  EXPECT_NE(b.error().message.find("bad.bb:2"), std::string::npos) << b.error().message;
  EXPECT_TRUE(parse_recipe(config, good));
}

// Given a recipe changing and unsetting configuration variables, we should leave the shared
// configuration and other recipes untouched.
TEST_F(ConfigurationTest, RecipesDoNotChangeConfiguration) {
  const auto a = recipe("a.bb", "SHIPPED = \"changed\"\nunset BASE\n");
  const auto b = recipe("b.bb", "");
  Configuration config = load();
  auto pa = parse_recipe(config, a);
  auto pb = parse_recipe(config, b);
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(value_of(*pa->data, "SHIPPED"), "changed");
  EXPECT_EQ(value_of(*pa->data, "BASE"), "<unset>");
  EXPECT_EQ(value_of(*pb->data, "SHIPPED"), "1");
  EXPECT_EQ(value_of(*config.data, "BASE"), "1");
}

// Given anonymous python in a recipe, we should fail without an evaluator and run it at the
// end of the parse with one.
TEST_F(ConfigurationTest, AnonymousFunctionsRunAtEnd) {
  const auto file = recipe("a.bb", "A = \"1\"\npython () {\n    pass\n}\nA = \"2\"\n");
  Configuration config = load();
  auto without = parse_recipe(config, file);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error().where, file.string() + ":2");
  EXPECT_NE(without.error().message.find("not supported yet"), std::string::npos);

  struct Recorder : PythonEvaluator {
    common::Result<std::string> eval_inline(std::string_view, const DataStore&,
                                            std::string_view) override {
      return std::string();
    }
    common::Result<void> run_anonymous(std::string_view, std::string_view body, DataStore& d,
                                       std::string_view) override {
      d.set_var("SEEN", d.get_var("A")->value_or("") + "|" + std::string(body));
      return {};
    }
    common::Result<void> define_function(std::string_view, std::string_view, std::string_view,
                                         unsigned) override {
      return {};
    }
  } recorder;
  auto with = parse_recipe(config, file, &recorder);
  ASSERT_TRUE(with) << with.error().describe();
  EXPECT_EQ(value_of(*with->data, "SEEN"), "2|    pass\n");
}

// Given an .inc file, we should point FILE at it while it is evaluated and back afterwards.
TEST_F(ConfigurationTest, FileFollowsIncludes) {
  m_tmp.write("meta/recipes/a.inc", "INC_FILE := \"${FILE}\"\n");
  const auto file = recipe("a.bb", "require a.inc\n");
  auto parsed = parse_recipe(load(), file);
  ASSERT_TRUE(parsed) << parsed.error().describe();
  EXPECT_EQ(value_of(*parsed->data, "INC_FILE"), (m_tmp.path() / "meta/recipes/a.inc").string());
  EXPECT_EQ(value_of(*parsed->data, "FILE"), file.string());
}

// Given many recipes sharing a class and an include, we should parse them on several threads
// at once with the same results as one thread.
TEST_F(ConfigurationTest, ParsesRecipesConcurrently) {
  m_tmp.write("meta/classes/shared.bbclass", "SHARED = \"${PN}-s\"\naddtask compile\n");
  m_tmp.write("meta/recipes/shared.inc", "INC = \"i\"\n");
  for (int i = 0; i < 64; ++i) {
    recipe("r" + std::to_string(i) + ".bb", "inherit shared\nrequire shared.inc\n");
  }
  Configuration config = load();
  std::vector<std::string> results(config.recipe_files.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < config.recipe_files.size(); i += 4) {
        auto parsed = parse_recipe(config, config.recipe_files[i]);
        results[i] = parsed ? value_of(*parsed->data, "SHARED") : parsed.error().describe();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i], std::filesystem::path(config.recipe_files[i]).stem().string() + "-s");
  }
}

} // namespace
} // namespace bbrun::server::metadata
