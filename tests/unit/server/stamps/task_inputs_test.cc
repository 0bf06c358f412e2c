// SPDX-License-Identifier: MIT
// Tests for the inputs and hashes of task signatures.
#include "server/stamps/signature.h"
#include "server/stamps/task_inputs.h"
#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::server::stamps {
namespace {

using metadata::testing::describe;
using metadata::testing::evaluate_snippet;
using ::testing::Contains;
using ::testing::Not;

constexpr std::string_view k_recipe = R"bb(
TOPDIR = "/home/me/build"
TMPDIR = "${TOPDIR}/tmp"
WORKDIR = "${TMPDIR}/work/${PN}"
PN = "hello"
OPT = "-O2"
CFLAGS = "${OPT} -g"
UNUSED = "never referenced"
export CC = "gcc"
BB_BASEHASH_IGNORE_VARS = "TOPDIR TMPDIR"
helper() {
	echo helping
}
do_compile() {
	# comments count
	$CC ${CFLAGS} -o ${WORKDIR}/hello hello.c
	helper
}
do_compile[vardepsexclude] = "IGNORED_HERE"
do_install() {
	install -d ${D}${IGNORED_HERE}
}
python do_report() {
    bb.note(d.getVar('OPT'))
}
)bb";

class TaskInputsTest : public ::testing::Test {
protected:
  TaskInputScanner& scanner_for(std::string_view text) {
    auto snippet = evaluate_snippet(text, "/layer/hello_1.0.bb");
    EXPECT_TRUE(snippet.errors.empty()) << describe(snippet.errors);
    m_data = snippet.data;
    m_settings = SignatureSettings::from(*m_data);
    m_scanner.emplace(*m_data, m_settings);
    return *m_scanner;
  }
  TaskInputs inputs_of(std::string_view text, std::string_view task) {
    return scanner_for(text).inputs_of(task);
  }
  std::string hash_of(std::string_view text, std::string_view task) {
    return scanner_for(text).inputs_hash(task);
  }
  std::map<std::string, std::optional<std::string>> as_map(const TaskInputs& inputs) {
    std::map<std::string, std::optional<std::string>> out;
    for (const auto& input : inputs) {
      out[input.name] = input.value;
    }
    return out;
  }

  std::shared_ptr<metadata::DataStore> m_data;
  SignatureSettings m_settings;
  std::optional<TaskInputScanner> m_scanner;
};

TEST_F(TaskInputsTest, ShellTaskDependsOnWhatItReferencesUnexpanded) {
  auto inputs = as_map(inputs_of(k_recipe, "do_compile"));
  EXPECT_EQ(inputs["CFLAGS"], "${OPT} -g");
  EXPECT_EQ(inputs["OPT"], "-O2");
  EXPECT_EQ(inputs["CC"], "gcc");
  EXPECT_EQ(inputs["WORKDIR"], "${TMPDIR}/work/${PN}");
  EXPECT_EQ(inputs["PN"], "hello");
  EXPECT_EQ(inputs["helper"], "\techo helping\n");
  EXPECT_THAT(*inputs["do_compile"], ::testing::HasSubstr("# comments count"));
  EXPECT_FALSE(inputs.contains("UNUSED"));
  EXPECT_FALSE(inputs.contains("TMPDIR")) << "ignored by BB_BASEHASH_IGNORE_VARS";
  EXPECT_FALSE(inputs.contains("TOPDIR"));
}

TEST_F(TaskInputsTest, ExportedVariablesAreInputsOfEveryShellTask) {
  auto inputs = as_map(inputs_of(k_recipe, "do_install"));
  EXPECT_EQ(inputs["CC"], "gcc");
  EXPECT_TRUE(inputs.contains("D")) << "a referenced variable counts even when unset";
  EXPECT_EQ(inputs["D"], std::nullopt);
}

TEST_F(TaskInputsTest, VardepsexcludeAndVardepsChangeTheInputs) {
  std::string text(k_recipe);
  text += "do_install[vardepsexclude] = \"IGNORED_HERE\"\ndo_install[vardeps] = \"UNUSED\"\n";
  auto inputs = as_map(inputs_of(text, "do_install"));
  EXPECT_FALSE(inputs.contains("IGNORED_HERE"));
  EXPECT_EQ(inputs["UNUSED"], "never referenced");
}

TEST_F(TaskInputsTest, PythonTaskDependsOnGetVarNames) {
  auto inputs = as_map(inputs_of(k_recipe, "do_report"));
  EXPECT_EQ(inputs["OPT"], "-O2");
  EXPECT_FALSE(inputs.contains("CC")) << "exports matter to shell tasks only";
}

TEST_F(TaskInputsTest, ShellParameterCountsOnlyForDatastoreVariables) {
  std::string text(k_recipe);
  text += "do_x() {\n\tfor f in a b; do echo $f $OPT; done\n}\n";
  auto inputs = as_map(inputs_of(text, "do_x"));
  EXPECT_EQ(inputs["OPT"], "-O2");
  EXPECT_FALSE(inputs.contains("f"));
}

TEST_F(TaskInputsTest, VardepvalueReplacesTheValue) {
  std::string text(k_recipe);
  text += "CFLAGS[vardepvalue] = \"fixed\"\n";
  auto inputs = as_map(inputs_of(text, "do_compile"));
  EXPECT_EQ(inputs["CFLAGS"], "fixed");
  EXPECT_FALSE(inputs.contains("OPT")) << "a replaced value's references are not followed";
}

TEST_F(TaskInputsTest, ExcludedFlagsListDecidesWhichFlagsAreInputs) {
  std::string text(k_recipe);
  text += "BB_SIGNATURE_EXCLUDE_FLAGS = \"doc\"\ndo_install[dirs] = \"${B}/x\"\n";
  auto inputs = as_map(inputs_of(text, "do_install"));
  EXPECT_EQ(inputs["do_install[dirs]"], "${B}/x");
  EXPECT_TRUE(inputs.contains("B"));
}

TEST_F(TaskInputsTest, AnotherBuildDirectoryGivesTheSameHash) {
  std::string other(k_recipe);
  other.replace(other.find("/home/me/build"), 14, "/srv/ci/build-42");
  EXPECT_EQ(hash_of(k_recipe, "do_compile"), hash_of(other, "do_compile"));
}

TEST_F(TaskInputsTest, ScannerAnswersRepeatedQuestionsTheSame) {
  auto& scanner = scanner_for(k_recipe);
  auto first = scanner.inputs_of("do_compile");
  std::string hash = scanner.inputs_hash("do_compile");
  scanner.inputs_of("do_install");
  EXPECT_EQ(scanner.inputs_of("do_compile"), first);
  EXPECT_EQ(scanner.inputs_hash("do_compile"), hash);
}

TEST_F(TaskInputsTest, ChangedValueChangesTheHash) {
  std::string other(k_recipe);
  other.replace(other.find("-O2"), 3, "-O3");
  EXPECT_NE(hash_of(k_recipe, "do_compile"), hash_of(other, "do_compile"));
  EXPECT_EQ(hash_of(k_recipe, "do_install"), hash_of(other, "do_install"))
      << "do_install does not use OPT";
}

TEST(SignatureTest, DependencySignaturesEnterTheSignature) {
  EXPECT_NE(task_signature("base", {"a"}), task_signature("base", {"b"}));
  EXPECT_NE(task_signature("base", {"ab"}), task_signature("base", {"a", "b"}));
  EXPECT_EQ(task_signature("base", {"a"}), task_signature("base", {"a"}));
}

TEST(SignatureTest, UnsetDiffersFromEveryValue) {
  EXPECT_NE(input_digest("A", std::nullopt), input_digest("A", ""));
  EXPECT_NE(input_digest("A", std::nullopt), input_digest("A", "unset"));
  EXPECT_NE(input_digest("AB", "C"), input_digest("A", "BC"));
}

TEST(SignatureTest, InputsHashIgnoresTheOrderOfItsDigests) {
  Digest a = input_digest("A", "1");
  Digest b = input_digest("B", "2");
  EXPECT_EQ(inputs_hash({a, b}), inputs_hash({b, a}));
  EXPECT_NE(inputs_hash({a, b}), inputs_hash({a}));
}

} // namespace
} // namespace bbrun::server::stamps
