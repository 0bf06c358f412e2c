// SPDX-License-Identifier: MIT
// Tests for the textual scans behind signatures and shell scripts.
#include "server/metadata/code_references.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TEST(CodeReferencesTest, ValueReferencesAreTheBracedNames) {
  EXPECT_THAT(value_references("${A}/x-${B_C}:${PN-native} ${A}"),
              ElementsAre("A", "B_C", "PN-native", "A"));
  EXPECT_THAT(value_references("$A ${ not} ${} {B} $"), IsEmpty());
}

TEST(CodeReferencesTest, NestedReferencesFindTheInnerName) {
  EXPECT_THAT(value_references("${${X}}"), ElementsAre("X"));
}

TEST(CodeReferencesTest, InlinePythonIsScannedForGetVar) {
  EXPECT_THAT(value_references("a ${@d.getVar('FOO') or {'x': 1}['x']} ${BAR}"),
              ElementsAre("FOO", "BAR"));
  EXPECT_THAT(value_references("${@bb.utils.contains(\"DISTRO_FEATURES\", 'x', 'a', 'b', d)}"),
              ElementsAre("DISTRO_FEATURES"));
}

TEST(CodeReferencesTest, ShellParametersAreUnbracedOnly) {
  EXPECT_THAT(shell_parameters("echo $CC ${CFLAGS} $1 $@ \"$LD_x\" $$"),
              ElementsAre("CC", "LD_x"));
}

TEST(CodeReferencesTest, PythonReferencesFollowTheDatastoreGetters) {
  std::string code = "    a = d.getVar('A')\n"
                     "    b = d.getVar(\"B\", False)\n"
                     "    localdata.appendVar('C', ' x')\n"
                     "    f = d.getVarFlag('do_x', 'dirs')\n"
                     "    g = d.getVar(name)\n"
                     "    d.setVar('NOT_READ', '1')\n";
  EXPECT_THAT(python_references(code), UnorderedElementsAre("A", "B", "C", "do_x[dirs]"));
}

TEST(CodeReferencesTest, PythonCallsIncludeExecFuncTargets) {
  std::string code = "    helper(d)\n"
                     "    bb.build.exec_func('do_other', d)\n"
                     "    os.path.join(a, b)\n";
  EXPECT_THAT(python_calls(code), ElementsAre("helper", "do_other"));
}

TEST(CodeReferencesTest, ShellWordsSplitOnPunctuation) {
  EXPECT_THAT(shell_words("oe_runmake install;do_x|y-z a.b"),
              ElementsAre("oe_runmake", "install", "do_x", "y-z", "a.b"));
}

} // namespace
} // namespace bbrun::server::metadata
