// SPDX-License-Identifier: MIT
// format_environment tests: the bitbake -e form of variables and functions.
#include "server/metadata/environment.h"
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

using testing::evaluate_snippet;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Given values with quotes, dollars, backquotes, backslashes and newlines, we should escape
// them as BitBake's emit_var does, plus the backquote.
TEST(EnvironmentTest, EscapesValues) {
  EXPECT_EQ(escape_value("a \"b\" $c `d` \\e"), "a \\\"b\\\" \\$c \\`d\\` \\e");
  EXPECT_EQ(escape_value("l1\nl2"), "l1 \\\nl2");
}

// Given variables, exports and a flag-only name, we should print each set variable once,
// expanded, export-prefixed when exported, and skip flag-only and internal names.
TEST(EnvironmentTest, PrintsVariables) {
  auto s =
      evaluate_snippet("B = \"b\"\nA = \"${B}$x\"\nexport E = \"e\"\nF[doc] = \"only a flag\"\n"
                       "__INTERNAL = \"1\"\nU = \"u\"\nU[unexport] = \"1\"\n");
  const std::string env = format_environment(*s.data);
  EXPECT_TRUE(contains(env, "\nA=\"b\\$x\"\n")) << env;
  EXPECT_TRUE(contains(env, "#   set /snippet/test.bb:2\nA=")) << env;
  EXPECT_TRUE(contains(env, "\nexport E=\"e\"\n")) << env;
  EXPECT_TRUE(contains(env, "\nunset U\n")) << env;
  EXPECT_FALSE(contains(env, "F=")) << env;
  EXPECT_FALSE(contains(env, "__INTERNAL")) << env;
  EXPECT_LT(env.find("\nA="), env.find("\nB="));
}

// Given shell and python functions, we should print variables first, then shell functions
// expanded in `name() {` form, then python functions as written in `python name () {` form.
TEST(EnvironmentTest, PrintsFunctions) {
  auto s = evaluate_snippet("X = \"1\"\ndo_sh() {\n  echo ${X} $HOME\n}\n"
                            "python do_py() {\n    d.getVar('X')\n}\n"
                            "def helper(d):\n    return '${X}'\n");
  const std::string env = format_environment(*s.data);
  EXPECT_TRUE(contains(env, "# line: 2, file: /snippet/test.bb\ndo_sh() {\n  echo 1 $HOME\n}\n\n"))
      << env;
  EXPECT_TRUE(contains(env, "\npython do_py () {\n    d.getVar('X')\n}\n")) << env;
  EXPECT_TRUE(contains(env, "\npython helper () {\ndef helper(d):\n    return '${X}'\n}\n")) << env;
  EXPECT_LT(env.find("X=\"1\""), env.find("do_sh() {"));
  EXPECT_LT(env.find("do_sh() {"), env.find("python do_py"));
}

// Given a variable that cannot be expanded, we should print a comment instead of failing.
TEST(EnvironmentTest, ExpansionErrorBecomesComment) {
  auto s = evaluate_snippet("A = \"${A}\"\nB = \"ok\"\n");
  const std::string env = format_environment(*s.data);
  EXPECT_TRUE(contains(env, "# expansion of A threw ExpansionError: ")) << env;
  EXPECT_TRUE(contains(env, "B=\"ok\"")) << env;
}

} // namespace
} // namespace bbrun::server::metadata
