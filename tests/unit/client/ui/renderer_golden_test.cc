// SPDX-License-Identifier: MIT
// The plain and json renderers replay recorded event streams (tests/data/ui/*.events.jsonl)
// and must print exactly the golden files next to them. BBRUN_UPDATE_GOLDEN=1 rewrites the
// golden files instead (tests/data/ui/README.md).
#include "client/ui/renderer.h"
#include "tests/testing/captured_output.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace bbrun::client::ui {
namespace {

namespace fs = std::filesystem;

const fs::path k_data_dir = fs::path(BBRUN_TEST_DATA_DIR) / "ui";

struct Mode {
  std::string name; ///< the golden file's middle part: STREAM.NAME.txt
  std::function<std::unique_ptr<Renderer>(std::FILE* out)> make;
};

std::vector<Mode> modes() {
  auto plain = [](int verbosity) {
    return [verbosity](std::FILE* out) { return make_plain_renderer(out, {verbosity, {}}); };
  };
  return {{"plain", plain(0)},
          {"plain-quiet", plain(-1)},
          {"plain-verbose", plain(1)},
          {"plain-debug", plain(2)},
          {"json", [](std::FILE* out) { return make_json_renderer(out, stderr); }}};
}

class RendererGoldenTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(RendererGoldenTest, OutputMatchesTheGoldenFile) {
  // Given a recorded stream, the renderer should print exactly what the golden file holds.
  auto [stream, mode_name] = GetParam();
  std::ifstream events(k_data_dir / (stream + ".events.jsonl"));
  ASSERT_TRUE(events) << "no recorded stream " << stream;
  testing::CapturedOutput out;
  auto all = modes();
  auto mode =
      std::find_if(all.begin(), all.end(), [&](const Mode& m) { return m.name == mode_name; });
  auto renderer = mode->make(out.file());
  for (std::string line; std::getline(events, line);) {
    auto event = common::protocol::parse_object(line);
    ASSERT_TRUE(event) << line;
    renderer->render(*event);
  }
  std::string actual = out.take();
  fs::path golden = k_data_dir / (stream + "." + mode_name + ".txt");
  if (std::getenv("BBRUN_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden) << actual;
    GTEST_SKIP() << "rewrote " << golden;
  }
  EXPECT_EQ(actual, testing::read_file(golden)) << "compare with " << golden;
}

std::vector<std::string> mode_names() {
  std::vector<std::string> names;
  for (const auto& mode : modes()) {
    names.push_back(mode.name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Streams, RendererGoldenTest,
                         ::testing::Combine(::testing::Values("success", "failure", "parse-error"),
                                            ::testing::ValuesIn(mode_names())),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

} // namespace
} // namespace bbrun::client::ui
