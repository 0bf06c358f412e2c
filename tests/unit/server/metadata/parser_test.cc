// SPDX-License-Identifier: MIT
// Parser tests: syntax errors with file and line, functions kept as written, robustness.
#include "server/metadata/parser.h"
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

#include <string>

namespace bbrun::server::metadata {
namespace {

struct ErrorCase {
  const char* name;
  const char* path;
  const char* text;
  const char* where;   ///< expected "file:line"
  const char* message; ///< expected to occur in the message
};

std::ostream& operator<<(std::ostream& os, const ErrorCase& c) {
  return os << c.name;
}

class ParserErrorTest : public ::testing::TestWithParam<ErrorCase> {};

// Given a file with one bad line, we should report that file and line and what was expected.
TEST_P(ParserErrorTest, NamesFileLineAndExpectation) {
  const ErrorCase& c = GetParam();
  ParsedFile parsed = parse_metadata(c.text, c.path, syntax_for(c.path));
  ASSERT_EQ(parsed.errors.size(), 1u) << testing::describe(parsed.errors);
  EXPECT_EQ(parsed.errors[0].where, c.where);
  EXPECT_NE(parsed.errors[0].message.find(c.message), std::string::npos)
      << parsed.errors[0].message;
}

const ErrorCase k_error_cases[] = {
    {"MissingOperator", "conf/local.conf", "A = \"1\"\n\nB \"x\"\n", "conf/local.conf:3",
     "expected '=' (or another assignment operator) after variable name 'B'"},
    {"UnquotedValue", "conf/local.conf", "A = x\n", "conf/local.conf:1",
     "expected a quoted value after '='"},
    {"UnclosedQuote", "x.bb", "# c\nA = \"x\n", "x.bb:2", "not closed with \""},
    {"MismatchedQuotes", "x.bb", "A = \"x'\n", "x.bb:1", "not closed with \""},
    {"TrailingComment", "x.bb", "A = \"x\" # no\n", "x.bb:1", "unexpected text after the closing"},
    {"EmptyName", "x.bb", "= \"x\"\n", "x.bb:1", "empty variable name"},
    {"UnclosedFunction", "recipe.bb", "A = \"1\"\ndo_x() {\n  echo\n", "recipe.bb:2",
     "function 'do_x' is not closed with '}'"},
    {"UnclosedAnonymous", "recipe.bb", "python () {\n  pass\n", "recipe.bb:1",
     "function 'python ()' is not closed"},
    {"FunctionInConf", "a.conf", "do_x() {\n  echo\n}\n", "a.conf:1",
     "functions are not allowed in configuration files"},
    {"InheritInConf", "a.conf", "inherit foo\n", "a.conf:1", "not allowed in a configuration file"},
    {"GarbageLine", "x.bb", "%%% ###\n", "x.bb:1", "unparsed line"},
    {"ContinuationAtEnd", "x.bb", "A = \"a \\\n", "x.bb:1", "ends inside a line continued"},
    {"CommentInsideContinuation", "x.bb", "A = \"a \\\n# c\nb\"\n", "x.bb:2",
     "comment in the middle of a multiline expression"},
    {"ContinuedErrorReportsFirstLine", "x.bb", "\nA = \\\nx\n", "x.bb:2", "quoted value"},
};

std::string error_case_name(const ::testing::TestParamInfo<ErrorCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Syntax, ParserErrorTest, ::testing::ValuesIn(k_error_cases),
                         error_case_name);

// Given several bad lines, we should report each of them, not just the first.
TEST(ParserTest, CollectsEveryErrorOfAFile) {
  ParsedFile parsed = parse_metadata("A x\nB = \"ok\"\nC y\n", "f.conf", Syntax::conf);
  ASSERT_EQ(parsed.errors.size(), 2u);
  EXPECT_EQ(parsed.errors[0].where, "f.conf:1");
  EXPECT_EQ(parsed.errors[1].where, "f.conf:3");
  EXPECT_EQ(parsed.statements.size(), 1u);
}

// Given a shell function with comments, blank lines and an indented brace, we should keep
// its body exactly as written and end it only at a '}' in column 0.
TEST(ParserTest, KeepsFunctionBodyAsWritten) {
  const char* text = "do_x() {\n  # comment\n\n  if true; then\n    :\n  }\n  echo ${A}\n}\n";
  ParsedFile parsed = parse_metadata(text, "r.bb", Syntax::recipe);
  ASSERT_TRUE(parsed.errors.empty()) << testing::describe(parsed.errors);
  ASSERT_EQ(parsed.statements.size(), 1u);
  const auto& f = std::get<FunctionDefinition>(parsed.statements[0]);
  EXPECT_EQ(f.name, "do_x");
  EXPECT_EQ(f.body, "  # comment\n\n  if true; then\n    :\n  }\n  echo ${A}\n");
  EXPECT_FALSE(f.python);
}

// Given the function header variants, we should recognise name, python and fakeroot.
TEST(ParserTest, RecognisesFunctionHeaders) {
  const char* text = "python do_a () {\n}\nfakeroot do_b() {\n}\npython () {\n}\n"
                     "python __anonymous () {\n}\nfakeroot python do_c(){\n}\n";
  ParsedFile parsed = parse_metadata(text, "r.bb", Syntax::recipe);
  ASSERT_TRUE(parsed.errors.empty()) << testing::describe(parsed.errors);
  ASSERT_EQ(parsed.statements.size(), 5u);
  const auto& a = std::get<FunctionDefinition>(parsed.statements[0]);
  EXPECT_TRUE(a.python && !a.fakeroot && a.name == "do_a");
  const auto& b = std::get<FunctionDefinition>(parsed.statements[1]);
  EXPECT_TRUE(!b.python && b.fakeroot && b.name == "do_b");
  EXPECT_EQ(std::get<FunctionDefinition>(parsed.statements[2]).name, "");
  EXPECT_EQ(std::get<FunctionDefinition>(parsed.statements[3]).name, "__anonymous");
  const auto& c = std::get<FunctionDefinition>(parsed.statements[4]);
  EXPECT_TRUE(c.python && c.fakeroot && c.name == "do_c");
}

// Given a def block, we should take its indented lines and stop at the first line in column 0.
TEST(ParserTest, DefBlockEndsAtUnindentedLine) {
  ParsedFile parsed =
      parse_metadata("def f(d):\n    # c\n    return 1\nA = \"x\"\n", "c.bbclass", Syntax::recipe);
  ASSERT_TRUE(parsed.errors.empty()) << testing::describe(parsed.errors);
  ASSERT_EQ(parsed.statements.size(), 2u);
  const auto& def = std::get<PythonDefinition>(parsed.statements[0]);
  EXPECT_EQ(def.name, "f");
  EXPECT_EQ(def.body, "def f(d):\n    # c\n    return 1");
  EXPECT_EQ(parsed.classname, "c");
}

// Given addtask with after and before lists and a trailing comment, we should split them.
TEST(ParserTest, SplitsAddtaskLists) {
  ParsedFile parsed =
      parse_metadata("addtask a b after do_x do_y before do_z # note\n", "r.bb", Syntax::recipe);
  ASSERT_EQ(parsed.statements.size(), 1u);
  const auto& t = std::get<AddTaskStatement>(parsed.statements[0]);
  EXPECT_EQ(t.tasks, "a b");
  EXPECT_EQ(t.after, "do_x do_y");
  EXPECT_EQ(t.before, "do_z");
}

// Given binary garbage, we should report errors and neither crash nor hang.
TEST(ParserTest, SurvivesBinaryGarbage) {
  std::string garbage;
  for (int i = 0; i < 100000; ++i) {
    garbage.push_back(static_cast<char>((i * 7919) % 256));
  }
  ParsedFile parsed = parse_metadata(garbage, "g.bb", Syntax::recipe);
  EXPECT_FALSE(parsed.errors.empty());
}

// Given a 10 MB line, we should parse it in linear time.
TEST(ParserTest, HandlesHugeLine) {
  std::string line = "A = \"" + std::string(10u << 20, 'x') + "\"\n";
  ParsedFile parsed = parse_metadata(line, "big.conf", Syntax::conf);
  ASSERT_TRUE(parsed.errors.empty());
  EXPECT_EQ(std::get<Assignment>(parsed.statements[0]).value.size(), 10u << 20);
  std::string name_line(10u << 20, 'a');
  ParsedFile bad = parse_metadata(name_line, "big.conf", Syntax::conf);
  EXPECT_EQ(bad.errors.size(), 1u);
}

// Given an indented comment and indented statements, we should accept them.
TEST(ParserTest, AcceptsIndentedStatementsAndComments) {
  ParsedFile parsed = parse_metadata("  # c\n  A = \"x\"\n", "a.conf", Syntax::conf);
  EXPECT_TRUE(parsed.errors.empty()) << testing::describe(parsed.errors);
  EXPECT_EQ(parsed.statements.size(), 1u);
}

} // namespace
} // namespace bbrun::server::metadata
