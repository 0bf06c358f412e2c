// SPDX-License-Identifier: MIT
// DataStore tests: flags, functions, tasks, EXPORT_FUNCTIONS, expansion errors, sharing.
#include "server/metadata/datastore.h"
#include "server/metadata/recipe.h"
#include "server/metadata/tasks.h"
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

namespace bbrun::server::metadata {
namespace {

using testing::evaluate_snippet;
using testing::flag_of;
using testing::value_of;

// Given flag assignments with each operator, we should combine them as for variables.
TEST(DataStoreTest, FlagsTakeTheSameOperators) {
  auto s = evaluate_snippet("A[doc] = \"x\"\nA[doc] += \"y\"\nA[doc] .= \"z\"\n"
                            "A[d2] ?= \"1\"\nA[d2] ?= \"2\"\nA[d3] ?\?= \"w\"\n"
                            "B = \"b\"\nA[d4] := \"${B}\"\nB = \"c\"\nA[d5] = \"${B}\"\n");
  ASSERT_TRUE(s.errors.empty()) << testing::describe(s.errors);
  EXPECT_EQ(flag_of(*s.data, "A", "doc"), "x yz");
  EXPECT_EQ(flag_of(*s.data, "A", "d2"), "1");
  EXPECT_EQ(flag_of(*s.data, "A", "d3"), "w");
  EXPECT_EQ(flag_of(*s.data, "A", "d4"), "b");
  EXPECT_EQ(flag_of(*s.data, "A", "d5"), "c");
  EXPECT_EQ(value_of(*s.data, "A"), "<unset>");
  auto flags = s.data->flags("A");
  ASSERT_EQ(flags.size(), 4u); // the ??= default is internal
  EXPECT_EQ(flags[0].first, "d2");
}

// Given `unset VAR[flag]`, we should drop that flag only.
TEST(DataStoreTest, UnsetFlagKeepsValue) {
  auto s = evaluate_snippet("A = \"v\"\nA[f] = \"1\"\nA[g] = \"2\"\nunset A[f]\n");
  EXPECT_EQ(flag_of(*s.data, "A", "f"), "<unset>");
  EXPECT_EQ(flag_of(*s.data, "A", "g"), "2");
  EXPECT_EQ(value_of(*s.data, "A"), "v");
}

// Given export forms, we should set the export flag, and unexport should win over it.
TEST(DataStoreTest, ExportSetsFlag) {
  auto s = evaluate_snippet(
      "export A\nexport B = \"b\"\nC = \"c\"\nexport D = \"d\"\nD[unexport] = \"1\"\n");
  EXPECT_TRUE(s.data->is_exported("A"));
  EXPECT_TRUE(s.data->is_exported("B"));
  EXPECT_FALSE(s.data->is_exported("C"));
  EXPECT_FALSE(s.data->is_exported("D"));
  EXPECT_EQ(value_of(*s.data, "A"), "<unset>");
}

// Given functions of each kind, we should store them as variables with func/python flags,
// the body as value, and where they were defined.
TEST(DataStoreTest, FunctionsAreFlaggedVariables) {
  auto s = evaluate_snippet("A = \"1\"\ndo_sh() {\n  echo ${A}\n}\npython do_py() {\n  pass\n}\n"
                            "fakeroot do_fr() {\n  :\n}\ndef helper(d):\n    return 1\n"
                            "do_sh[dirs] = \"/tmp\"\n");
  ASSERT_TRUE(s.errors.empty()) << testing::describe(s.errors);
  DataStore& d = *s.data;
  EXPECT_TRUE(d.is_function("do_sh"));
  EXPECT_FALSE(d.is_python_function("do_sh"));
  EXPECT_EQ(value_of(d, "do_sh"), "  echo 1\n");
  EXPECT_EQ(d.get_var_unexpanded("do_sh"), "  echo ${A}\n");
  EXPECT_EQ(d.defined_at("do_sh"), "/snippet/test.bb:2");
  EXPECT_EQ(flag_of(d, "do_sh", "lineno"), "2");
  EXPECT_EQ(flag_of(d, "do_sh", "filename"), "/snippet/test.bb");
  EXPECT_EQ(flag_of(d, "do_sh", "dirs"), "/tmp");
  EXPECT_TRUE(d.is_python_function("do_py"));
  EXPECT_EQ(flag_of(d, "do_fr", "fakeroot"), "1");
  EXPECT_TRUE(d.is_python_function("helper"));
  EXPECT_EQ(d.get_var_unexpanded("helper"), "def helper(d):\n    return 1");
}

// Given a shell function redefined as python, we should not keep the old kind.
TEST(DataStoreTest, RedefinitionReplacesFunctionKind) {
  auto s = evaluate_snippet("python f() {\n  pass\n}\nf() {\n  :\n}\n");
  EXPECT_TRUE(s.data->is_function("f"));
  EXPECT_FALSE(s.data->is_python_function("f"));
}

// Given anonymous functions, we should store them in order in __BBANONFUNCS.
TEST(DataStoreTest, AnonymousFunctionsAreListedInOrder) {
  auto s = evaluate_snippet("python () {\n  a\n}\npython __anonymous () {\n  b\n}\n");
  auto names = split_words(s.data->get_var_raw("__BBANONFUNCS").value_or(""));
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0], "__anon_1__snippet_test_bb");
  EXPECT_EQ(s.data->get_var_unexpanded(names[1]), "  b\n");
  EXPECT_TRUE(s.data->is_python_function(names[0]));
}

// Given addtask and deltask, we should keep __BBTASKS, [task] and [deps] as BitBake does.
TEST(DataStoreTest, AddtaskAndDeltaskAsBitBake) {
  auto s = evaluate_snippet("addtask fetch\naddtask unpack after do_fetch\n"
                            "addtask compile after do_unpack before do_build\naddtask build\n"
                            "addtask patch after do_unpack before do_compile\n"
                            "deltask do_patch\n");
  ASSERT_TRUE(s.errors.empty()) << testing::describe(s.errors);
  DataStore& d = *s.data;
  EXPECT_EQ(d.get_var_raw("__BBTASKS"), "do_fetch do_unpack do_compile do_build");
  EXPECT_EQ(flag_of(d, "do_compile", "task"), "1");
  EXPECT_EQ(flag_of(d, "do_patch", "task"), "<unset>");
  EXPECT_EQ(flag_of(d, "do_build", "deps"), "do_compile");
  EXPECT_EQ(flag_of(d, "do_compile", "deps"), "do_unpack");
  auto tasks = recipe_tasks(d);
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 4u);
  EXPECT_EQ((*tasks)[1].name, "do_unpack");
  EXPECT_EQ((*tasks)[1].after, std::vector<std::string>{"do_fetch"});
}

// Given EXPORT_FUNCTIONS in a class, we should make do_x call CLASS_do_x, unless the
// recipe defined do_x itself first.
TEST(DataStoreTest, ExportFunctionsMakesStub) {
  auto s = evaluate_snippet("foo_do_x() {\n  echo foo\n}\nfoo_do_y() {\n  :\n}\n"
                            "do_y() {\n  mine\n}\nEXPORT_FUNCTIONS do_x do_y\n",
                            "/layer/classes/foo.bbclass");
  ASSERT_TRUE(s.errors.empty()) << testing::describe(s.errors);
  EXPECT_EQ(value_of(*s.data, "do_x"), "    # Export function set\n    foo_do_x\n");
  EXPECT_TRUE(s.data->is_function("do_x"));
  EXPECT_EQ(value_of(*s.data, "do_y"), "  mine\n");
}

// Given a variable that references itself, directly or through another, we should fail
// naming the variable and where it was set.
TEST(DataStoreTest, SelfReferenceIsAnError) {
  auto s = evaluate_snippet("A = \"${A} x\"\nB = \"${C}\"\nC = \"${B}\"\n");
  auto a = s.data->get_var("A");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "variable A references itself");
  EXPECT_EQ(a.error().where, "/snippet/test.bb:1");
  auto b = s.data->get_var("B");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("B -> C -> B"), std::string::npos) << b.error().message;
}

// Given `:=` of a self-referencing value, we should report the statement's file and line.
TEST(DataStoreTest, ImmediateErrorNamesStatement) {
  auto s = evaluate_snippet("B = \"${B}\"\n\nA := \"${B}\"\n");
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].where, "/snippet/test.bb:3");
}

// Given inline python and no evaluator, we should fail clearly instead of keeping the text.
TEST(DataStoreTest, InlinePythonWithoutEvaluatorFails) {
  auto s = evaluate_snippet("X = \"1\"\nA = \"a ${@d.getVar('X')} b\"\n");
  auto a = s.data->get_var("A");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().describe(),
            "/snippet/test.bb:2: inline python is not supported yet: ${@d.getVar('X')} in A");
  EXPECT_EQ(s.data->get_var_unexpanded("A"), "a ${@d.getVar('X')} b");
}

class FakePython : public PythonEvaluator {
public:
  common::Result<std::string> eval_inline(std::string_view code, const DataStore& d,
                                          std::string_view where) override {
    last_where = std::string(where);
    if (code == "d.getVar('X')") {
      return d.get_var("X")->value_or("");
    }
    return "<" + std::string(code) + ">";
  }
  common::Result<void> run_anonymous(std::string_view name, std::string_view, DataStore& d,
                                     std::string_view) override {
    d.set_var("RAN", d.get_var_raw("RAN").value_or("") + std::string(name) + ";");
    return {};
  }
  common::Result<void> define_function(std::string_view, std::string_view, std::string_view,
                                       unsigned) override {
    return {};
  }
  std::string last_where;
};

// Given inline python with an evaluator, we should substitute its result, braces included.
TEST(DataStoreTest, InlinePythonGoesToEvaluator) {
  FakePython python;
  auto s = evaluate_snippet("X = \"1\"\nA = \"a ${@d.getVar('X')} ${@ {'k': 2}['k'] }\"\n");
  s.data->set_python(&python);
  EXPECT_EQ(value_of(*s.data, "A"), "a 1 < {'k': 2}['k'] >");
  EXPECT_EQ(python.last_where, "A at /snippet/test.bb:2");
}

// Given a recipe datastore over a shared one, we should see the shared values, keep our
// changes local, and hide shared ones we unset.
TEST(DataStoreTest, CopyOnWriteOverSharedParent) {
  auto base = evaluate_snippet("A = \"a\"\nB = \"b\"\nC:append = \"c\"\nexport E = \"e\"\n").data;
  std::shared_ptr<const DataStore> shared = base;
  DataStore child(shared);
  child.set_var("A", "child");
  child.del_var("B");
  child.set_var("C", "x", {}, AssignStyle::statement);
  child.set_flag("E", "doc", "d");
  EXPECT_EQ(value_of(child, "A"), "child");
  EXPECT_EQ(value_of(child, "B"), "<unset>");
  EXPECT_EQ(value_of(child, "C"), "xc");
  EXPECT_TRUE(child.is_exported("E"));
  EXPECT_EQ(value_of(*shared, "A"), "a");
  EXPECT_EQ(value_of(*shared, "B"), "b");
  EXPECT_EQ(value_of(*shared, "C"), "c");
  EXPECT_EQ(flag_of(*shared, "E", "doc"), "<unset>");
  EXPECT_EQ(child.local_keys().size(), 4u);
}

// Given a direct set_var (as Python's d.setVar), we should drop pending modifiers and the
// active override variants, unlike a parsed assignment.
TEST(DataStoreTest, DirectSetDropsPendingModifiers) {
  auto s = evaluate_snippet("OVERRIDES = \"o\"\nA = \"a\"\nA:append = \"+\"\nA:o = \"ov\"\n");
  EXPECT_EQ(value_of(*s.data, "A"), "ov+");
  s.data->set_var("A", "new");
  EXPECT_EQ(value_of(*s.data, "A"), "new");
  s.data->set_var("A:append", "!");
  EXPECT_EQ(value_of(*s.data, "A"), "new!");
}

// Given keys(), we should list set variables and variants but not names whose only data is
// an inactive variant.
TEST(DataStoreTest, KeysListsSetVariables) {
  auto s =
      evaluate_snippet("OVERRIDES = \"o\"\nA = \"1\"\nB:x = \"2\"\nC:o = \"3\"\nD[f] = \"1\"\n");
  auto keys = s.data->keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"A", "B:x", "C", "C:o", "D", "OVERRIDES"}));
}

// Given names containing ${...}, expand_keys should rename them as BitBake's expandKeys.
TEST(DataStoreTest, ExpandKeysRenamesVariables) {
  auto s = evaluate_snippet("PN = \"foo\"\nOVERRIDES = \"foo\"\nRDEPENDS:${PN} = \"bar\"\n"
                            "X = \"x\"\nX:append:${PN} = \" y\"\n");
  ASSERT_TRUE(expand_keys(*s.data));
  EXPECT_EQ(value_of(*s.data, "RDEPENDS:foo"), "bar");
  EXPECT_EQ(value_of(*s.data, "RDEPENDS"), "bar");
  EXPECT_EQ(value_of(*s.data, "RDEPENDS:${PN}"), "<unset>");
}

// Given a long chain of references, we should expand it; given exponential growth, we
// should stop with an error instead of exhausting memory.
TEST(DataStoreTest, DeepAndExplodingExpansion) {
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += "V" + std::to_string(i) + " = \"${V" + std::to_string(i + 1) + "}\"\n";
  }
  text += "V300 = \"end\"\n";
  for (int i = 0; i < 40; ++i) {
    text += "E" + std::to_string(i) + " = \"${E" + std::to_string(i + 1) + "}${E" +
            std::to_string(i + 1) + "}\"\n";
  }
  text += "E40 = \"xxxxxxxxxxxxxxxx\"\n";
  auto s = evaluate_snippet(text);
  EXPECT_EQ(value_of(*s.data, "V0"), "end");
  EXPECT_EQ(value_of(*s.data, "E30"), std::string(16u << 10, 'x'));
  EXPECT_NE(value_of(*s.data, "E0").find("grows beyond 64 MiB"), std::string::npos);
}

} // namespace
} // namespace bbrun::server::metadata
