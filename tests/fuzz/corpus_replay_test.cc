// SPDX-License-Identifier: MIT
// Replays the saved fuzz corpus through the fuzz targets' bodies in the normal test suite, so
// that every input that once crashed a parser (saved under tests/fuzz/corpus/) stays a
// regression test on every build, sanitized or not.
#include "tests/fuzz/targets.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

namespace bbrun::fuzz {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  std::function<void(const std::uint8_t*, std::size_t)> body;
};

std::ostream& operator<<(std::ostream& os, const Target& target) {
  return os << target.name;
}

class CorpusReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(CorpusReplayTest, EverySavedInputPasses) {
  // Given the saved corpus of a target, we should run every input through it without a crash
  // or a broken invariant (either aborts the suite).
  const fs::path dir = fs::path(BBRUN_FUZZ_CORPUS_DIR) / GetParam().name;
  size_t inputs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string data = testing::read_file(entry.path());
    SCOPED_TRACE(entry.path().string());
    GetParam().body(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    ++inputs;
  }
  EXPECT_GT(inputs, 0u) << "no corpus in " << dir;
}

INSTANTIATE_TEST_SUITE_P(Fuzz, CorpusReplayTest,
                         ::testing::Values(Target{"metadata_parser", metadata_parser},
                                           Target{"frame_decoder", frame_decoder},
                                           Target{"makeflags", makeflags}),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace
} // namespace bbrun::fuzz
