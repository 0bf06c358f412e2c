// SPDX-License-Identifier: MIT
// Tests for version comparison.
#include "server/metadata/version.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

struct Ordered {
  const char* lower;
  const char* higher;
};

class CompareVersionsTest : public ::testing::TestWithParam<Ordered> {};

TEST_P(CompareVersionsTest, OrdersBothWays) {
  // Given two versions in known order, we should order them so whichever way round.
  EXPECT_LT(compare_versions(GetParam().lower, GetParam().higher), 0);
  EXPECT_GT(compare_versions(GetParam().higher, GetParam().lower), 0);
}

INSTANTIATE_TEST_SUITE_P(Versions, CompareVersionsTest,
                         ::testing::Values(Ordered{"1.9", "1.10"}, Ordered{"1.0", "1.0.1"},
                                           Ordered{"1.0~rc1", "1.0"}, Ordered{"1.0a", "1.0b"},
                                           Ordered{"1.0", "1.0a"}, Ordered{"2", "10"},
                                           Ordered{"1.0a", "1.0+git"}, Ordered{"", "0.1"},
                                           Ordered{"4.18", "4.18.1"}));

TEST(CompareVersionsTest, EqualIgnoringLeadingZeros) {
  // Given versions that differ only in leading zeros, we should call them equal.
  EXPECT_EQ(compare_versions("1.01", "1.1"), 0);
  EXPECT_EQ(compare_versions("2.0", "2.0"), 0);
}

} // namespace
} // namespace bbrun::server::metadata
