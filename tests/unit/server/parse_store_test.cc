// SPDX-License-Identifier: MIT
// The parse cache on disk, on real files: a new server's recipes read their variables from it
// only when used, and never lose them to a later write of the store.
#include "server/parallel.h"
#include "server/parse_store.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>

namespace bbrun::server {
namespace {

using metadata::Configuration;
using metadata::Recipe;

class ParseStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    m_tmp.write("build/conf/bblayers.conf", "BBLAYERS = \"${TOPDIR}/../meta\"\n");
    m_tmp.write("meta/conf/layer.conf", "BBPATH .= \":${LAYERDIR}\"\n"
                                        "BBFILES += \"${LAYERDIR}/recipes/*.bb\"\n"
                                        "BBFILES += \"${LAYERDIR}/recipes/*.bbappend\"\n");
    m_tmp.write("defaults/conf/bitbake.conf", "TMPDIR ?= \"${TOPDIR}/tmp\"\n");
    m_tmp.write("defaults/classes/base.bbclass", "BASE = \"1\"\n");
    m_tmp.write("meta/recipes/a_1.0.bb", "OWN = \"a\"\n");
    m_tmp.write("meta/recipes/b_1.0.bb", "OWN = \"b\"\n");
  }

  std::shared_ptr<const Configuration> configuration() {
    auto config =
        metadata::load_configuration({m_tmp.path() / "build", m_tmp.path() / "defaults", nullptr});
    EXPECT_TRUE(config) << (config ? "" : config.error().describe());
    return std::make_shared<const Configuration>(config ? std::move(*config) : Configuration{});
  }

  // Parse every recipe of `config` and save them in a new store.
  void save_all(const Configuration& config) {
    std::vector<Recipe> recipes;
    for (const auto& file : config.recipe_files) {
      auto parsed = metadata::parse_recipe(config, file);
      ASSERT_TRUE(parsed) << parsed.error().describe();
      recipes.push_back(std::move(*parsed));
    }
    std::vector<const Recipe*> pointers;
    for (const auto& recipe : recipes) {
      pointers.push_back(&recipe);
    }
    auto store = ParseStore::open(path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->save(config, pointers, {}));
  }

  std::filesystem::path path() const { return m_tmp.path() / "build/tmp/cache/parse.db"; }

  // What `store` loads: recipe b alone, with its own variables.
  void expect_only_b(ParseStore& store) {
    auto loaded = store.load(configuration(), m_settled);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0].pn, "b");
    EXPECT_EQ(*loaded[0].data->get_var("OWN"), "b");
  }

  testing::TempDir m_tmp;
  metadata::SettledContents m_settled;
};

TEST_F(ParseStoreTest, LoadedRecipesKeepTheirVariablesThroughALaterSave) {
  // Given recipes loaded but not yet used, and then a save (one recipe parsed again), we should
  // read every loaded recipe's variables as they were saved.
  auto config = configuration();
  save_all(*config);
  auto store = ParseStore::open(path());
  ASSERT_TRUE(store);
  auto loaded = store->load(config, m_settled);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_FALSE(loaded[0].data.built());
  m_tmp.write("meta/recipes/b_1.0.bb", "OWN = \"b2\"\n");
  auto reparsed = metadata::parse_recipe(*config, m_tmp.path() / "meta/recipes/b_1.0.bb");
  ASSERT_TRUE(reparsed);
  ASSERT_TRUE(store->save(*config, {&loaded[0], &*reparsed}, {reparsed->file}));
  for (const auto& recipe : loaded) {
    EXPECT_EQ(*recipe.data->get_var("OWN"), recipe.pn) << recipe.file;
    EXPECT_EQ(*recipe.data->get_var("BASE"), "1");
  }
}

TEST_F(ParseStoreTest, OnlyTheRecipesThatHoldAreReturned) {
  // Given a recipe edited since the save, and another given a .bbappend since, we should get
  // back only the recipe that neither touches.
  m_tmp.write("meta/recipes/c_1.0.bb", "OWN = \"c\"\n");
  save_all(*configuration());
  m_tmp.write("meta/recipes/a_1.0.bb", "OWN = \"a, longer now\"\n");
  m_tmp.write("meta/recipes/c_1.0.bbappend", "OWN = \"c2\"\n");
  auto store = ParseStore::open(path());
  ASSERT_TRUE(store);
  expect_only_b(*store);
}

TEST_F(ParseStoreTest, LayersOfRecipesNoLongerSavedAreDropped) {
  auto config = configuration();
  save_all(*config);
  std::filesystem::remove(m_tmp.path() / "meta/recipes/b_1.0.bb");
  config = configuration();
  auto a = metadata::parse_recipe(*config, m_tmp.path() / "meta/recipes/a_1.0.bb");
  ASSERT_TRUE(a);
  {
    auto store = ParseStore::open(path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->save(*config, {&*a}, {a->file}));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  std::vector<std::string> files;
  sqlite3_exec(
      db, "SELECT file FROM layers",
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->emplace_back(values[0]);
        return 0;
      },
      &files, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(files, std::vector<std::string>{a->file});
}

TEST_F(ParseStoreTest, RecipesOutliveTheirStore) {
  // Given recipes loaded from a store that is then closed, we should still read them.
  auto config = configuration();
  save_all(*config);
  std::vector<Recipe> loaded;
  {
    auto store = ParseStore::open(path());
    ASSERT_TRUE(store);
    loaded = store->load(config, m_settled);
  }
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(*loaded[1].data->get_var("OWN"), loaded[1].pn);
}

TEST_F(ParseStoreTest, APreloadedStoreGivesWhatALoadWould) {
  // Given a recipe edited before the store is read ahead, we should get back the other one
  // only, with its variables.
  save_all(*configuration());
  m_tmp.write("meta/recipes/a_1.0.bb", "OWN = \"a, longer now\"\n");
  JoinableRounds rounds;
  auto store = ParseStore::preload(path(), m_settled, rounds);
  ASSERT_TRUE(store);
  expect_only_b(*store);
}

TEST_F(ParseStoreTest, APreloadJoinedByAnotherThreadGivesWhatALoadWould) {
  // Given the read-ahead on a thread of its own and this thread joining its work, as a new
  // server does, we should get the same as a load: the recipe not edited.
  save_all(*configuration());
  m_tmp.write("meta/recipes/a_1.0.bb", "OWN = \"a, longer now\"\n");
  JoinableRounds rounds;
  auto preloaded = std::async(std::launch::async, [&] {
    auto store = ParseStore::preload(path(), m_settled, rounds);
    rounds.finish();
    return store;
  });
  rounds.join();
  auto store = preloaded.get();
  ASSERT_TRUE(store);
  expect_only_b(*store);
}

TEST_F(ParseStoreTest, AConfigurationEditedAfterThePreloadGetsNoSavedRecipes) {
  // Given the configuration edited after the store was read ahead and before it is parsed
  // (the store's own check of the configuration's files saw them unchanged), we should get
  // no recipe: they were parsed over other text.
  save_all(*configuration());
  JoinableRounds rounds;
  auto store = ParseStore::preload(path(), m_settled, rounds);
  ASSERT_TRUE(store);
  m_tmp.write("defaults/conf/bitbake.conf", "TMPDIR ?= \"${TOPDIR}/tmp\"\nOWN = \"conf\"\n");
  EXPECT_TRUE(store->load(configuration(), m_settled).empty());
}

TEST_F(ParseStoreTest, NoStoreIsCreatedToBePreloaded) {
  JoinableRounds rounds;
  EXPECT_FALSE(ParseStore::preload(path(), m_settled, rounds));
  EXPECT_FALSE(std::filesystem::exists(path().parent_path()));
}

} // namespace
} // namespace bbrun::server
