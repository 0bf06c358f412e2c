// SPDX-License-Identifier: MIT
// Tests for the parse cache's recipe encoding: what comes back reads as what was saved, and
// damaged bytes are refused, never trusted.
#include "server/metadata/recipe_codec.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <functional>

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

using Layers = std::function<std::optional<std::string>(const std::string& file)>;

// A configuration and the layers a function gives.
class TestSource : public RecipeSource {
public:
  TestSource(std::shared_ptr<const Configuration> config, Layers layers)
      : m_config(std::move(config)), m_layers(std::move(layers)) {}
  const Configuration& configuration() const override { return *m_config; }
  std::optional<std::string> layer(const std::string& file) override { return m_layers(file); }

private:
  std::shared_ptr<const Configuration> m_config;
  Layers m_layers;
};

std::shared_ptr<RecipeSource> source(
    std::shared_ptr<const Configuration> config,
    Layers layers = [](const std::string&) { return std::optional<std::string>(); }) {
  return std::make_shared<TestSource>(std::move(config), std::move(layers));
}

// `recipe` alone through a snapshot and back, its layer from `layers`.
std::optional<Recipe> round_trip(const Recipe& recipe,
                                 const std::shared_ptr<const Configuration>& config,
                                 Layers layers) {
  std::string bytes = encode_snapshot({&recipe});
  auto snapshot = decode_snapshot(bytes);
  EXPECT_TRUE(snapshot);
  return snapshot ? decode_recipe(*snapshot, 0, source(config, std::move(layers))) : std::nullopt;
}

TEST(RecipeCodecTest, DecodedRecipeReadsAsTheOriginal) {
  auto config = configuration();
  auto original = recipe_over(*config);
  std::string layer = encode_layer(original);
  int layers_asked = 0;
  auto decoded = round_trip(original, config, [&](const std::string& file) {
    ++layers_asked;
    EXPECT_EQ(file, original.file);
    return std::optional(layer);
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

TEST(RecipeCodecTest, SnapshotsKeepEachPathOnceAndEachRecipesLog) {
  // Given two recipes whose logs share an include, we should find the include once in the
  // snapshot's file table, and each recipe's log whole again.
  bbrun::testing::TempDir dir;
  auto config = configuration();
  Recipe a = recipe_over(*config, dir.write("a_1.0.bb", "A = \"1\"\n"));
  Recipe b = recipe_over(*config, dir.write("b_1.0.bb", "B = \"1\"\n"));
  auto shared = dir.write("common.inc", "C = \"1\"\n");
  for (Recipe* recipe : {&a, &b}) {
    auto log = std::make_shared<FileLog>();
    log->read(recipe->file);
    log->read(shared);
    log->probe(dir.path() / "absent.inc");
    recipe->files = log;
  }
  std::string bytes = encode_snapshot({&a, &b});
  auto snapshot = decode_snapshot(bytes);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->files.size(), 4u);
  for (size_t i = 0; i < 2; ++i) {
    auto decoded = decode_recipe(*snapshot, i, source(config));
    ASSERT_TRUE(decoded);
    const auto& original = i == 0 ? a : b;
    EXPECT_EQ(decoded->file, original.file);
    ASSERT_EQ(decoded->files->paths().size(), 3u);
    for (size_t n = 0; n < 3; ++n) {
      EXPECT_EQ(decoded->files->paths()[n].path, original.files->paths()[n].path);
    }
    EXPECT_TRUE(decoded->files->unchanged());
  }
  dir.write("common.inc", "C = \"changed\"\n");
  EXPECT_FALSE(decode_recipe(*snapshot, 1, source(config))->files->unchanged());
}

TEST(RecipeCodecTest, DamagedSnapshotsAreRefused) {
  auto config = configuration();
  auto recipe = recipe_over(*config);
  std::string bytes = encode_snapshot({&recipe});
  // Refused whole, or the recipe's header refused.
  auto refused = [&](std::string_view damaged) {
    auto snapshot = decode_snapshot(damaged);
    return !snapshot || snapshot->recipes.empty() || !decode_recipe(*snapshot, 0, source(config));
  };
  for (size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_TRUE(refused(bytes.substr(0, size))) << "cut at " << size;
  }
  EXPECT_TRUE(refused(bytes + "x"));
  EXPECT_TRUE(refused(std::string(100, '\xff')));
  EXPECT_FALSE(refused(bytes));
}

TEST(RecipeCodecTest, DamagedOrMissingLayerIsParsedAgainFromTheFile) {
  // Given a saved recipe whose variables come back damaged (a changed byte fails the layer's
  // checksum) or not at all, we should read the recipe's file again rather than trust them.
  bbrun::testing::TempDir dir;
  auto file = dir.write("r_1.0.bb", "A = \"from the file\"\n");
  auto config = configuration();
  auto recipe = recipe_over(*config, file);
  std::string flipped = encode_layer(recipe);
  size_t at = flipped.find("${BASE}-a");
  ASSERT_NE(at, std::string::npos);
  flipped[at + 2] = 'b';
  for (const auto& layer : {std::optional(flipped), std::optional<std::string>()}) {
    auto decoded = round_trip(recipe, config, [&](const std::string&) { return layer; });
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
