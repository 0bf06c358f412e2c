// SPDX-License-Identifier: MIT
// Table-driven tests of the assignment operators, overrides and modifiers, written as metadata
// text.
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

using testing::evaluate_snippet;
using testing::value_of;

struct OperatorCase {
  const char* name;     ///< the behaviour, as a test name
  const char* text;     ///< metadata, as in a recipe
  const char* variable; ///< what to look up
  const char* expected; ///< its expanded value, or "<unset>"
};

std::ostream& operator<<(std::ostream& os, const OperatorCase& c) {
  return os << c.name;
}

class OperatorTest : public ::testing::TestWithParam<OperatorCase> {};

// Given one case of metadata text, we should read back BitBake's value for the variable.
TEST_P(OperatorTest, GivesBitBakeValue) {
  const OperatorCase& c = GetParam();
  auto snippet = evaluate_snippet(c.text);
  ASSERT_TRUE(snippet.errors.empty()) << testing::describe(snippet.errors);
  EXPECT_EQ(value_of(*snippet.data, c.variable), c.expected) << c.text;
}

const OperatorCase k_assignment_cases[] = {
    {"PlainSet", "A = \"x\"", "A", "x"},
    {"SetIsDeferred", "A = \"${B}\"\nB = \"1\"", "A", "1"},
    {"LastSetWins", "A = \"1\"\nA = \"2\"", "A", "2"},
    {"ImmediateExpandsNow", "B = \"1\"\nA := \"${B}\"\nB = \"2\"", "A", "1"},
    {"ImmediateKeepsUnknownReference", "A := \"${NOPE} x\"", "A", "${NOPE} x"},
    {"ImmediateSeesOldValueOfItself", "A = \"a\"\nA := \"${A} b\"", "A", "a b"},
    {"DefaultSetsUnsetVariable", "A ?= \"x\"", "A", "x"},
    {"DefaultKeepsEarlierSet", "A = \"y\"\nA ?= \"x\"", "A", "y"},
    {"FirstDefaultWins", "A ?= \"x\"\nA ?= \"y\"", "A", "x"},
    {"LaterSetBeatsDefault", "A ?= \"x\"\nA = \"y\"", "A", "y"},
    {"WeakDefaultUsedWhenNothingElse", "A ?\?= \"x\"", "A", "x"},
    {"WeakDefaultLosesToLaterSet", "A ?\?= \"x\"\nA = \"y\"", "A", "y"},
    {"WeakDefaultLosesToEarlierSet", "A = \"y\"\nA ?\?= \"x\"", "A", "y"},
    {"WeakDefaultLosesToDefault", "A ?\?= \"x\"\nA ?= \"y\"", "A", "y"},
    {"LastWeakDefaultWins", "A ?\?= \"x\"\nA ?\?= \"y\"", "A", "y"},
    {"AppendWithSpace", "A = \"a\"\nA += \"b\"", "A", "a b"},
    {"AppendToUnsetKeepsLeadingSpace", "A += \"b\"", "A", " b"},
    {"AppendIgnoresWeakDefault", "A ?\?= \"x\"\nA += \"y\"", "A", " y"},
    {"PrependWithSpace", "A = \"a\"\nA =+ \"b\"", "A", "b a"},
    {"PrependToUnsetKeepsTrailingSpace", "A =+ \"b\"", "A", "b "},
    {"DotAppendWithoutSpace", "A = \"a\"\nA .= \"b\"", "A", "ab"},
    {"DotPrependWithoutSpace", "A = \"a\"\nA =. \"b\"", "A", "ba"},
    {"AppendDoesNotExpand", "A = \"${B}\"\nA += \"c\"\nB = \"b\"", "A", "b c"},
    {"SingleQuotesKeepDoubleQuotes", "A = 'a \"b\" c'", "A", "a \"b\" c"},
    {"DoubleQuotesKeepSingleQuotes", "A = \"it's\"", "A", "it's"},
    {"NoSpacesAroundOperator", "A=\"x\"", "A", "x"},
    {"ContinuationJoinsLines", "A = \"a \\\n b\"", "A", "a  b"},
    {"DollarWithoutBracesStays", "A = \"$HOME ${X\"", "A", "$HOME ${X"},
    {"UnknownReferenceStaysLiteral", "A = \"${UNKNOWN} x\"", "A", "${UNKNOWN} x"},
    {"NestedReferenceExpandsInside", "B = \"C\"\nC = \"c\"\nA = \"${${B}}\"", "A", "c"},
    {"ReferenceToLaterWeakDefault", "A = \"${B}\"\nB ?\?= \"d\"", "A", "d"},
    {"ExportedAssignmentSetsValue", "export A = \"x\"", "A", "x"},
    {"UnsetRemovesValue", "A = \"x\"\nunset A", "A", "<unset>"},
    {"UnsetDropsPendingAppend", "A = \"x\"\nA:append = \"y\"\nunset A", "A", "<unset>"},
    {"AppendAfterUnset", "A = \"x\"\nunset A\nA:append = \"y\"", "A", "y"},
};

const OperatorCase k_modifier_cases[] = {
    {"AppendAppliesAtLookup", "A:append = \" b\"\nA = \"a\"", "A", "a b"},
    {"AppendComesAfterPlusEquals", "A = \"a\"\nA:append = \"b\"\nA += \"c\"", "A", "a cb"},
    {"AppendComesAfterDotEquals", "A = \"a\"\nA:append = \"1\"\nA .= \"2\"", "A", "a21"},
    {"AppendToUnsetVariable", "A:append = \"x\"", "A", "x"},
    {"AppendsApplyInOrder", "A = \"a\"\nA:append = \"1\"\nA:append = \"2\"", "A", "a12"},
    {"PlusEqualsOnAppendAddsSpace", "A:append = \"x\"\nA:append += \"y\"", "A", "x y"},
    {"PrependAppliesAtLookup", "A:prepend = \"b \"\nA = \"a\"", "A", "b a"},
    {"LaterPrependGoesFirst", "A = \"x\"\nA:prepend = \"1\"\nA:prepend = \"2\"", "A", "21x"},
    {"RemoveWordKeepsWhitespace", "A = \"a b c\"\nA:remove = \"b\"", "A", "a  c"},
    {"RemoveEveryOccurrence", "A = \"b a b\"\nA:remove = \"b\"", "A", " a "},
    {"RemoveSeveralWords", "A = \"a b c d\"\nA:remove = \"a d\"", "A", " b c "},
    {"RemoveWordAddedLater", "A = \"a b\"\nA:remove = \"c\"\nA:append = \" c\"", "A", "a b "},
    {"RemoveWordAddedByPlusEquals", "A:remove = \"c\"\nA = \"a\"\nA += \"c\"", "A", "a "},
    {"RemoveIsExpanded", "B = \"x\"\nA = \"x y\"\nA:remove = \"${B}\"", "A", " y"},
    {"RemoveMatchesExpandedValue", "B = \"x\"\nA = \"${B} y\"\nA:remove = \"x\"", "A", " y"},
    {"RemoveMatchesWholeWordsOnly", "A = \"ab a\"\nA:remove = \"a\"", "A", "ab "},
    {"RemoveSurvivesLaterSet", "A:remove = \"a\"\nA = \"a b\"", "A", " b"},
};

const OperatorCase k_override_cases[] = {
    {"ActiveOverrideReplacesValue", "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo = \"f\"", "A", "f"},
    {"InactiveOverrideIgnored", "OVERRIDES = \"foo\"\nA = \"a\"\nA:bar = \"b\"", "A", "a"},
    {"LaterOverridesEntryWins", "OVERRIDES = \"x:y\"\nA:y = \"Y\"\nA:x = \"X\"", "A", "Y"},
    {"OverrideOrderNotDefinitionOrder", "OVERRIDES = \"x:y\"\nA:x = \"X\"\nA:y = \"Y\"", "A", "Y"},
    {"OverridesFromVariables", "M = \"m1\"\nOVERRIDES = \"${M}\"\nA = \"a\"\nA:m1 = \"M\"", "A",
     "M"},
    {"OverrideSetBeforeOverrides", "A:foo = \"f\"\nA = \"a\"\nOVERRIDES = \"foo\"", "A", "f"},
    {"OverrideWithoutBaseValue", "OVERRIDES = \"foo\"\nA:foo = \"f\"", "A", "f"},
    {"DoubleOverrideNeedsBoth", "OVERRIDES = \"x\"\nA = \"a\"\nA:x:y = \"XY\"", "A", "a"},
    {"DoubleOverrideBeatsSingle", "OVERRIDES = \"x:y\"\nA = \"a\"\nA:x:y = \"XY\"\nA:y = \"Y\"",
     "A", "XY"},
    {"AppendAfterOverrideSelection",
     "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo = \"f\"\nA:append = \"+\"", "A", "f+"},
    {"ConditionalAppendOnlyWhenActive",
     "OVERRIDES = \"foo\"\nA = \"a\"\nA:append:foo = \"+\"\nA:append:bar = \"-\"", "A", "a+"},
    {"ConditionalPrepend", "OVERRIDES = \"foo\"\nA = \"a\"\nA:prepend:foo = \"<\"", "A", "<a"},
    {"VariantOwnAppend", "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo = \"f\"\nA:foo:append = \"!\"", "A",
     "f!"},
    {"VariantAppendAloneReplacesValue", "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo:append = \"!\"", "A",
     "!"},
    {"InactiveVariantAppendIgnored", "OVERRIDES = \"\"\nA = \"a\"\nA:foo:append = \"!\"", "A", "a"},
    {"ConditionalRemoveOnlyWhenActive",
     "OVERRIDES = \"foo\"\nA = \"a b\"\nA:remove:bar = \"a\"\nA:remove:foo = \"b\"", "A", "a "},
    {"RemoveOfVariantAppliesToResult",
     "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo = \"f g\"\nA:foo:remove = \"g\"", "A", "f "},
    {"ImmediateUsesActiveOverride",
     "OVERRIDES = \"foo\"\nB = \"b\"\nB:foo = \"bf\"\nA := \"${B}\"\nB = \"z\"", "A", "bf"},
    {"OverrideBeatsImmediate", "OVERRIDES = \"foo\"\nA := \"x\"\nA:foo = \"y\"", "A", "y"},
    {"PlusEqualsDoesNotSeeOverride", "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo = \"f\"\nA += \"b\"",
     "A", "f"},
    {"WeakDefaultOnVariant", "OVERRIDES = \"foo\"\nA = \"a\"\nA:foo ?\?= \"f\"", "A", "f"},
    {"VariantReadDirectly", "OVERRIDES = \"\"\nA:foo = \"f\"", "A:foo", "f"},
    {"OverridesChangedByOverride",
     "OVERRIDES = \"a\"\nOVERRIDES:a = \"a:b\"\nX = \"0\"\nX:b = \"B\"", "X", "B"},
};

std::string case_name(const ::testing::TestParamInfo<OperatorCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Assignment, OperatorTest, ::testing::ValuesIn(k_assignment_cases),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Modifier, OperatorTest, ::testing::ValuesIn(k_modifier_cases), case_name);
INSTANTIATE_TEST_SUITE_P(Override, OperatorTest, ::testing::ValuesIn(k_override_cases), case_name);

} // namespace
} // namespace bbrun::server::metadata
