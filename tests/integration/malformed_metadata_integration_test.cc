// SPDX-License-Identifier: MIT
// End to end: broken recipes parsed by a real server. Every one is reported with its file and
// line; none crashes, hangs or stops the server.
#include "tests/integration/build_dir_fixture.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;

class MalformedMetadataIntegrationTest : public BuildDirFixture {
protected:
  void add_class(const std::string& name, const std::string& content) const {
    m_temp.write("meta-test/classes/" + name + ".bbclass", content);
  }
};

std::string binary_garbage(size_t size) {
  std::mt19937 random(7);
  std::string garbage(size, '\0');
  for (char& c : garbage) {
    c = static_cast<char>(random() & 0xff);
  }
  return garbage;
}

TEST_F(MalformedMetadataIntegrationTest, EveryBrokenRecipeIsReportedWithFileAndLine) {
  // Given recipes with an unterminated function, a bad operator, binary garbage, 10 MB lines,
  // an include loop and an inherit chain 200 classes deep, `bbrun -p` should fail within the
  // time limit naming each file and line, and the server should still answer.
  add_recipe("unterminated_1.0.bb", "A = \"1\"\ndo_x() {\n\techo never closed\n");
  add_recipe("badop_1.0.bb", "A = \"1\"\nB ~= \"2\"\n");
  add_recipe("garbage_1.0.bb", binary_garbage(1 << 20));
  add_recipe("huge_1.0.bb",
             "A = \"" + std::string(10 << 20, 'a') + "\"\n" + std::string(10 << 20, 'b') + "\n");
  add_recipe("loop_1.0.bb", "require loop-a.inc\n");
  m_temp.write("meta-test/recipes-test/loop/loop-a.inc", "require loop-b.inc\n");
  m_temp.write("meta-test/recipes-test/loop/loop-b.inc", "\nrequire loop-a.inc\n");
  add_recipe("deep_1.0.bb", "inherit deep0\n");
  for (int i = 0; i < 200; ++i) {
    add_class(fmt::format("deep{}", i), fmt::format("inherit deep{}\n", i + 1));
  }
  add_recipe("fine_1.0.bb", "do_x() {\n\t:\n}\naddtask x\n");

  auto parsed = bbrun({"-p"}, {}, std::chrono::seconds(120));
  EXPECT_FALSE(parsed.timed_out);
  EXPECT_EQ(parsed.exit_code, 1) << parsed.err.substr(0, 4000);
  const std::string errors = parsed.out + parsed.err;
  EXPECT_THAT(errors, HasSubstr("unterminated_1.0.bb:2"));
  EXPECT_THAT(errors, HasSubstr("badop_1.0.bb:2"));
  EXPECT_THAT(errors, HasSubstr("garbage_1.0.bb:"));
  EXPECT_THAT(errors, HasSubstr("huge_1.0.bb:2"));
  EXPECT_THAT(errors, HasSubstr("loop-b.inc:2"));
  EXPECT_THAT(errors, HasSubstr("include loop"));
  EXPECT_THAT(errors, HasSubstr("nested more than 100 deep"));
  EXPECT_LT(errors.size(), size_t{4} << 20) << "errors quote whole lines";

  auto status = bbrun({"--status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  auto query = bbrun({"--getvar", "A", "-r", "fine"});
  EXPECT_NE(query.exit_code, 3) << query.err;
}

} // namespace
} // namespace bbrun::testing
