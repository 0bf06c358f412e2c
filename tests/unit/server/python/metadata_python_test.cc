// SPDX-License-Identifier: MIT
// Table-driven tests of ${@...}, def functions and anonymous python, written as metadata text.
#include "server/python/metadata_python.h"

#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::server::python {
namespace {

using metadata::testing::describe;
using metadata::testing::evaluate_recipe_snippet;
using metadata::testing::value_of;
using ::testing::HasSubstr;
using ::testing::Not;

struct PythonCase {
  const char* name;     ///< the behaviour, as a test name
  const char* text;     ///< metadata, as in a recipe
  const char* variable; ///< what to look up
  const char* expected; ///< its expanded value, or "<unset>"
};

std::ostream& operator<<(std::ostream& os, const PythonCase& c) { return os << c.name; }

class PythonMetadataTest : public ::testing::TestWithParam<PythonCase> {};

// Given one case of metadata text with python in it, we should read back BitBake's value.
TEST_P(PythonMetadataTest, GivesBitBakeValue) {
  const PythonCase& c = GetParam();
  MetadataPython python;
  auto snippet = evaluate_recipe_snippet(c.text, python);
  ASSERT_TRUE(snippet.errors.empty()) << describe(snippet.errors);
  EXPECT_EQ(value_of(*snippet.data, c.variable), c.expected) << c.text;
}

const PythonCase k_cases[] = {
    {"InlineArithmetic", "A = \"${@1 + 2}\"", "A", "3"},
    {"InlineNoneIsTextNone", "A = \"${@None}\"", "A", "None"},
    {"InlineReadsExpandedVariable", "B = \"${C}x\"\nC = \"1\"\nA = \"${@d.getVar('B') + 'y'}\"",
     "A", "1xy"},
    {"InlineUnsetVariableIsNone", "A = \"${@d.getVar('NOPE') is None}\"", "A", "True"},
    {"InlineUnexpandedGetVar", "B = \"${C}\"\nA = \"${@len(d.getVar('B', False))}\"", "A", "4"},
    {"InlineNestedInText", "A = \"a-${@'b' * 2}-c\"", "A", "a-bb-c"},
    {"InlineResultIsExpandedAgain", "C = \"deep\"\nA = \"${@'$' + '{C}'}\"", "A", "deep"},
    {"UtilsContainsAll", "F = \"a b c\"\nA = \"${@bb.utils.contains('F', 'a c', 'y', 'n', d)}\"",
     "A", "y"},
    {"UtilsContainsMissing", "F = \"a b\"\nA = \"${@bb.utils.contains('F', 'a z', 'y', 'n', d)}\"",
     "A", "n"},
    {"UtilsContainsAny",
     "F = \"a b\"\nA = \"${@bb.utils.contains_any('F', ['z', 'b'], 'y', 'n', d)}\"", "A", "y"},
    {"UtilsFilter", "F = \"a b c\"\nA = \"${@bb.utils.filter('F', 'c a z', d)}\"", "A", "a c"},
    {"UtilsToBoolean", "A = \"${@bb.utils.to_boolean('Yes')}\"", "A", "True"},
    {"UtilsVercmp", "A = \"${@bb.utils.vercmp_string('1.10', '1.9')}\"", "A", "1"},
    {"ParseVarsFromFile",
     "A = \"${@bb.parse.vars_from_file('/l/foo_1.2_r3.bb', d)[1]}\"", "A", "1.2"},
    {"ParseVarsFromFileDefaults",
     "A = \"${@bb.parse.vars_from_file('/l/foo.bb', d)[1] or 'none'}\"", "A", "none"},
    {"DataInheritsClass",
     "__inherit_cache = \"/l/classes/base.bbclass /l/classes/foo.bbclass\"\n"
     "A = \"${@bb.data.inherits_class('foo', d)} ${@bb.data.inherits_class('bar', d)}\"",
     "A", "True False"},
    {"InlineCallsDef", "def twice(text):\n    return text * 2\nA = \"${@twice('ab')}\"", "A",
     "abab"},
    {"FlagsFromPython", "B[doc] = \"about B\"\nA = \"${@d.getVarFlag('B', 'doc')}\"", "A",
     "about B"},
    {"AnonymousSetsVariable", "python __anonymous() {\n    d.setVar('A', 'set')\n}", "A", "set"},
    {"AnonymousShortForm", "A = \"x\"\npython () {\n    d.appendVar('A', ' y')\n}", "A", "x y"},
    {"AnonymousPrependAndDelete",
     "A = \"x\"\nB = \"1\"\npython () {\n    d.prependVar('A', 'w ')\n    d.delVar('B')\n}\n"
     "C = \"${A} ${@d.getVar('B')}\"",
     "C", "w x None"},
    {"AnonymousSetsFlag",
     "python () {\n    d.setVarFlag('A', 'f', 'v')\n    d.appendVarFlag('A', 'f', 'w')\n}\n"
     "A = \"${@d.getVarFlag('A', 'f')}\"",
     "A", "vw"},
    {"AnonymousCopyIsSeparate",
     "A = \"orig\"\npython () {\n    c = d.createCopy()\n    c.setVar('A', 'copy')\n"
     "    d.setVar('B', c.getVar('A') + ' ' + d.getVar('A'))\n}",
     "B", "copy orig"},
    {"AnonymousCallsDef",
     "def pick(d):\n    return d.getVar('X') or 'none'\nX = \"chosen\"\n"
     "python () {\n    d.setVar('A', pick(d))\n}",
     "A", "chosen"},
    {"AnonymousSeesKeys", "ZZ_ONE = \"1\"\npython () {\n"
                          "    d.setVar('A', ' '.join(k for k in d.keys() if k.startswith('ZZ_')))\n}",
     "A", "ZZ_ONE"},
    {"AnonymousGetVarFlags",
     "B[x] = \"1\"\nB[y] = \"2\"\npython () {\n"
     "    d.setVar('A', ','.join(sorted(d.getVarFlags('B'))))\n}",
     "A", "x,y"},
    {"AnonymousGetVarFlagsExpanded",
     "C = \"c\"\nB[x] = \"${C}1\"\nB[y] = \"${C}2\"\npython () {\n"
     "    f = d.getVarFlags('B', expand=['x'])\n"
     "    d.setVar('A', f['x'] + ',' + str(f['y'] == '${C}2'))\n}",
     "A", "c1,True"},
    {"AnonymousAddsTaskBeforeAndAfter",
     "python () {\n    bb.build.addtask('extra', 'do_build', 'do_fetch', d)\n"
     "    d.setVar('A', d.getVarFlag('do_build', 'deps', False) + '|' +\n"
     "             d.getVarFlag('do_extra', 'deps', False))\n}",
     "A", "do_extra|do_fetch"},
    {"AnonymousDeletesTask",
     "addtask one\naddtask two after do_one\npython () {\n    bb.build.deltask('do_one', d)\n}",
     "__BBTASKS", "do_two"},
    {"UtilsContainsOfUnsetIsFalse",
     "A = \"${@bb.utils.contains('NOTSET', '', 'y', 'n', d)}\"", "A", "n"},
    {"UtilsExplodeDepVersions2",
     "A = \"${@bb.utils.explode_dep_versions2('a (>= 1.0) b')}\"", "A",
     "{'a': ['>= 1.0'], 'b': []}"},
    {"ProcessRun", "A = \"${@bb.process.run('echo hi')[0].strip()}\"", "A", "hi"},
};

INSTANTIATE_TEST_SUITE_P(Cases, PythonMetadataTest, ::testing::ValuesIn(k_cases),
                         [](const auto& info) { return std::string(info.param.name); });

std::string errors_of(std::string_view text) {
  MetadataPython python;
  auto snippet = evaluate_recipe_snippet(text, python, "/layer/recipes/bad_1.0.bb");
  std::string out = describe(snippet.errors);
  // An error in ${@...} shows when the variable is expanded, not while evaluating.
  auto value = snippet.data->get_var("A");
  if (!value) {
    out += value.error().describe();
  }
  return out;
}

TEST(PythonErrorTest, InlineExceptionNamesVariableAndException) {
  // Given ${@...} that raises, we should fail the expansion naming the variable and exception.
  std::string errors = errors_of("A = \"${@1 // 0}\"");
  EXPECT_THAT(errors, HasSubstr("ZeroDivisionError"));
  EXPECT_THAT(errors, HasSubstr("A at /layer/recipes/bad_1.0.bb:1"));
}

TEST(PythonErrorTest, AnonymousTracebackNamesRecipeFileAndLine) {
  // Given an anonymous function raising on line 4 of the recipe, the error should carry a
  // traceback pointing at that file and line.
  std::string errors = errors_of("A = \"1\"\n\npython () {\n    raise ValueError('bad value')\n}");
  EXPECT_THAT(errors, HasSubstr("Traceback"));
  EXPECT_THAT(errors, HasSubstr("File \"/layer/recipes/bad_1.0.bb\", line 4"));
  EXPECT_THAT(errors, HasSubstr("ValueError: bad value"));
}

TEST(PythonErrorTest, DefTracebackNamesItsOwnLine) {
  // Given a def on line 2 that raises on line 3, called from ${@}, the traceback should name
  // line 3 of the recipe, in the def.
  std::string errors = errors_of("X = \"1\"\ndef boom():\n    raise KeyError('k')\nA = \"${@boom()}\"");
  EXPECT_THAT(errors, HasSubstr("File \"/layer/recipes/bad_1.0.bb\", line 3, in boom"));
}

TEST(PythonErrorTest, FatalStopsParseWithItsMessageOnly) {
  // Given bb.fatal in an anonymous function, the parse should fail with just that message.
  std::string errors = errors_of("python () {\n    bb.fatal('no way: ', 42)\n}");
  EXPECT_THAT(errors, HasSubstr("no way: 42"));
  EXPECT_THAT(errors, Not(HasSubstr("Traceback")));
}

TEST(PythonErrorTest, DefSyntaxErrorIsAParseError) {
  // Given a def that does not compile, the parse should report it at the def's line.
  std::string errors = errors_of("A = \"1\"\ndef broken(:\n    pass\n");
  EXPECT_THAT(errors, HasSubstr("/layer/recipes/bad_1.0.bb:2"));
  EXPECT_THAT(errors, HasSubstr("SyntaxError"));
}

TEST(PythonMessageTest, MessagesGoToTheCapture) {
  // Given a capture, bb.note/warn/error should land in it in order, not on stdout.
  MetadataPython python;
  MessageCapture capture;
  auto snippet = evaluate_recipe_snippet(
      "python () {\n    bb.note('n', 1)\n    bb.warn('w')\n    bb.error('e')\n}", python);
  ASSERT_TRUE(snippet.errors.empty()) << describe(snippet.errors);
  auto messages = capture.take();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].level, "note");
  EXPECT_EQ(messages[0].text, "n1");
  EXPECT_EQ(messages[1].level, "warning");
  EXPECT_EQ(messages[2].level, "error");
}

} // namespace
} // namespace bbrun::server::python
