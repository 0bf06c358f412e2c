// SPDX-License-Identifier: MIT
// Tests for the parse cache's recipe encoding: what comes back reads as what was saved, and
// damaged bytes are refused, never trusted.
#include "server/metadata/recipe_codec.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

std::shared_ptr<const Configuration> configuration() {
  auto data = std::make_shared<DataStore>();
  data->set_var("OVERRIDES", "arm");
  data->set_var("BASE", "base");
  Configuration config;
  config.data = data;
  return std::make_shared<const Configuration>(std::move(config));
}

Recipe recipe_over(const Configuration& config,
                   const std::filesystem::path& file = "/layer/recipes/r_1.0.bb") {
  Recipe recipe;
  recipe.file = file;
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
  auto original = recipe_over(*config);
  auto encoded = encode_recipe(original);
  int layers_asked = 0;
  auto decoded = decode_recipe(encoded.header, config, [&](const std::string& file) {
    ++layers_asked;
    EXPECT_EQ(file, original.file.native());
    return std::optional(encoded.layer);
  });
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->file, original.file);
  EXPECT_EQ(decoded->pn, "r");
  EXPECT_EQ(decoded->appends, original.appends);
  EXPECT_EQ(decoded->names.pv, "1.0");
  EXPECT_EQ(decoded->names.provides, original.names.provides);
  EXPECT_EQ(decoded->names.runtime, original.names.runtime);
  // The variables are read and decoded when first used, not before.
  EXPECT_FALSE(decoded->data.built());
  EXPECT_EQ(layers_asked, 0);
  for (const char* name : {"A", "BASE", "GONE"}) {
    EXPECT_EQ(*decoded->data->get_var(name), *original.data->get_var(name)) << name;
  }
  EXPECT_EQ(*decoded->data->get_var("A"), "base-arm more");
  EXPECT_EQ(decoded->data->get_flag_raw("do_x", "dirs"), "${B}/x");
  EXPECT_EQ(decoded->data->defined_at("A"), original.data->defined_at("A"));
  EXPECT_EQ(decoded->data->keys(), original.data->keys());
  EXPECT_TRUE(decoded->data.built());
  EXPECT_EQ(layers_asked, 1);
}

TEST(RecipeCodecTest, DamagedHeadersAreRefused) {
  auto config = configuration();
  std::string header = encode_recipe(recipe_over(*config)).header;
  auto no_layer = [](const std::string&) { return std::optional<std::string>(); };
  for (size_t size = 0; size < header.size(); ++size) {
    EXPECT_FALSE(decode_recipe(header.substr(0, size), config, no_layer)) << "cut at " << size;
  }
  EXPECT_FALSE(decode_recipe(header + "x", config, no_layer));
  EXPECT_FALSE(decode_recipe(std::string(100, '\xff'), config, no_layer));
}

TEST(RecipeCodecTest, DamagedOrMissingLayerIsParsedAgainFromTheFile) {
  // Given a saved recipe whose variables come back damaged (a changed byte fails the header's
  // checksum) or not at all, we should read the recipe's file again rather than trust them.
  bbrun::testing::TempDir dir;
  auto file = dir.write("r_1.0.bb", "A = \"from the file\"\n");
  auto config = configuration();
  auto encoded = encode_recipe(recipe_over(*config, file));
  std::string flipped = encoded.layer;
  size_t at = flipped.find("${BASE}-a");
  ASSERT_NE(at, std::string::npos);
  flipped[at + 2] = 'b';
  for (const auto& layer : {std::optional(flipped), std::optional<std::string>()}) {
    auto decoded =
        decode_recipe(encoded.header, config, [&](const std::filesystem::path&) { return layer; });
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded->data->get_var("A"), "from the file");
    EXPECT_EQ(*decoded->data->get_var("PV"), "1.0");
  }
}

TEST(RecipeCodecTest, FileLogRoundTrips) {
  bbrun::testing::TempDir dir;
  dir.write("read.inc", "A = \"1\"\n");
  FileLog log;
  log.probe(dir.path() / "missing.inc");
  log.read(dir.path() / "read.inc");
  auto decoded = decode_file_log(encode_file_log(log));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->paths().size(), 2u);
  EXPECT_TRUE(decoded->unchanged());
  EXPECT_FALSE(decode_file_log("\x05"));
}

} // namespace
} // namespace bbrun::server::metadata
