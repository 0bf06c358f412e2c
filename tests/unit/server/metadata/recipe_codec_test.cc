// SPDX-License-Identifier: MIT
// Tests for the parse cache's recipe encoding: what comes back reads as what was saved, and
// damaged bytes are refused, never trusted.
#include "server/metadata/recipe_codec.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

Configuration configuration() {
  auto data = std::make_shared<DataStore>();
  data->set_var("OVERRIDES", "arm");
  data->set_var("BASE", "base");
  Configuration config;
  config.data = data;
  return config;
}

Recipe recipe_over(const Configuration& config) {
  Recipe recipe;
  recipe.file = "/layer/recipes/r_1.0.bb";
  recipe.pn = "r";
  recipe.appends = {"/layer/recipes/r_%.bbappend"};
  recipe.data = std::make_shared<DataStore>(config.data);
  Origin origin{Symbol("/layer/recipes/r_1.0.bb"), 7};
  auto& d = *recipe.data;
  d.set_var("A", "${BASE}-a", origin, AssignStyle::statement);
  d.set_var("A:append", " more", origin);
  d.set_var("A:arm", "${BASE}-arm", origin);
  d.set_var("A:remove", "nothing", origin);
  d.set_flag("do_x", "dirs", "${B}/x", origin);
  d.set_flag("BASE", "doc", "shadowed here", origin);
  d.del_var("GONE", origin);
  recipe.names = {"1.0", {"virtual/r"}, {"r", "r-dev", "librfoo"}};
  return recipe;
}

TEST(RecipeCodecTest, DecodedRecipeReadsAsTheOriginal) {
  auto config = configuration();
  auto original = recipe_over(config);
  auto decoded = decode_recipe(encode_recipe(original), config);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->file, original.file);
  EXPECT_EQ(decoded->pn, "r");
  EXPECT_EQ(decoded->appends, original.appends);
  EXPECT_EQ(decoded->names.pv, "1.0");
  EXPECT_EQ(decoded->names.provides, original.names.provides);
  EXPECT_EQ(decoded->names.runtime, original.names.runtime);
  // The variables are decoded when first used, not before.
  EXPECT_FALSE(decoded->data.built());
  for (const char* name : {"A", "BASE", "GONE"}) {
    EXPECT_EQ(*decoded->data->get_var(name), *original.data->get_var(name)) << name;
  }
  EXPECT_EQ(*decoded->data->get_var("A"), "base-arm more");
  EXPECT_EQ(decoded->data->get_flag_raw("do_x", "dirs"), "${B}/x");
  EXPECT_EQ(decoded->data->defined_at("A"), original.data->defined_at("A"));
  EXPECT_EQ(decoded->data->keys(), original.data->keys());
  EXPECT_TRUE(decoded->data.built());
}

TEST(RecipeCodecTest, DamagedBytesAreRefused) {
  auto config = configuration();
  std::string bytes = encode_recipe(recipe_over(config));
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(decode_recipe(bytes.substr(0, size), config)) << "cut at " << size;
  }
  EXPECT_FALSE(decode_recipe(bytes + "x", config));
  EXPECT_FALSE(decode_recipe(std::string(100, '\xff'), config));
  // A changed byte among the variables, which are decoded only later, fails the checksum now.
  std::string flipped = bytes;
  size_t at = flipped.find("${BASE}-a");
  ASSERT_NE(at, std::string::npos);
  flipped[at + 2] = 'b';
  EXPECT_FALSE(decode_recipe(flipped, config));
}

TEST(RecipeCodecTest, FileLogRoundTrips) {
  bbrun::testing::TempDir dir;
  dir.write("read.inc", "A = \"1\"\n");
  FileLog log;
  log.probe(dir.path() / "missing.inc");
  log.read(dir.path() / "read.inc");
  auto decoded = decode_file_log(encode_file_log(log));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->states().size(), 2u);
  EXPECT_TRUE(decoded->unchanged());
  EXPECT_FALSE(decode_file_log("\x05"));
}

} // namespace
} // namespace bbrun::server::metadata
