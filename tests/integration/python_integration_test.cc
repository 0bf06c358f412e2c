// SPDX-License-Identifier: MIT
// End to end: python tasks, def functions from classes and anonymous python in a real server.
#include "tests/integration/build_dir_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class PythonIntegrationTest : public BuildDirFixture {
protected:
  std::string task_log(const std::string& pn, const std::string& task) const {
    fs::path link = workdir(pn) / "temp" / ("log." + task);
    return fs::exists(link) ? read_file(link) : "<no log " + link.string() + ">";
  }
};

TEST_F(PythonIntegrationTest, PythonTaskWritesFilesAndSeesItsOwnChanges) {
  // Given a python task that sets a variable and then expands one referring to it, it should
  // see its own change, write its file, log bb.note, and run a shell function via exec_func.
  add_recipe("pyt_1.0.bb", R"bb(
MESSAGE = "made by ${WHO}"
WHO = "nobody"

do_shellpart() {
	echo "shell saw ${WHO}" > ${WORKDIR}/shell.txt
}

python do_write() {
    d.setVar('WHO', d.getVar('PN') + ' task')
    with open(d.expand('${WORKDIR}/out.txt'), 'w') as f:
        f.write(d.getVar('MESSAGE'))
    bb.note('wrote ', d.getVar('MESSAGE'))
    bb.build.exec_func('do_shellpart', d)
}
addtask write before do_build
)bb");
  auto result = bbrun({"pyt"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(read_file(workdir("pyt") / "out.txt"), "made by pyt task");
  EXPECT_EQ(read_file(workdir("pyt") / "shell.txt"), "shell saw pyt task\n");
  EXPECT_THAT(task_log("pyt", "do_write"), HasSubstr("NOTE: wrote made by pyt task"));
}

TEST_F(PythonIntegrationTest, FatalFailsTheTaskWithItsMessage) {
  // Given bb.fatal in a python task, the task should fail with the message in its log and on
  // the UI, and no traceback.
  add_recipe("fatal_1.0.bb", R"bb(
python do_stop() {
    bb.fatal('cannot go on')
}
addtask stop before do_build
)bb");
  auto result = bbrun({"fatal"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("fatal:do_stop: Failed"));
  EXPECT_THAT(result.out, HasSubstr("cannot go on"));
  EXPECT_THAT(task_log("fatal", "do_stop"), HasSubstr("ERROR: cannot go on"));
  EXPECT_THAT(task_log("fatal", "do_stop"), Not(HasSubstr("Traceback")));
}

TEST_F(PythonIntegrationTest, ExceptionFailsTheTaskWithATracebackIntoTheRecipe) {
  // Given a python task that raises on line 5 of its recipe, the log should hold a traceback
  // naming that file and line.
  add_recipe("raise_1.0.bb", R"bb(

python do_boom() {
    x = 1
    raise RuntimeError('boom %d' % x)
}
addtask boom before do_build
)bb");
  auto result = bbrun({"raise"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  fs::path recipe = layer() / "recipes-test/raise/raise_1.0.bb";
  std::string log = task_log("raise", "do_boom");
  EXPECT_THAT(log, HasSubstr("Traceback"));
  EXPECT_THAT(log, HasSubstr("File \"" + recipe.string() + "\", line 5, in do_boom"));
  EXPECT_THAT(log, HasSubstr("RuntimeError: boom 1"));
  EXPECT_THAT(result.out, HasSubstr("RuntimeError: boom 1"));
}

TEST_F(PythonIntegrationTest, InlinePythonCallsADefFromAClass) {
  // Given a class with a def and a recipe using it in ${@...} and an anonymous function that
  // adds a task, the values and the task graph should show both.
  m_temp.write("meta-test/classes/helper.bbclass", R"bb(
def shout(d, name):
    return (d.getVar(name) or '').upper()
)bb");
  add_recipe("loud_1.0.bb", R"bb(
inherit helper
WORD = "quiet"
LOUD = "${@shout(d, 'WORD')}"

python () {
    bb.note('anonymous ran for ', d.getVar('PN'))
    d.setVar('ADDED', 'yes')
    d.setVarFlag('do_extra', 'nostamp', '1')
}

python do_extra() {
    with open(d.getVar('WORKDIR') + '/extra.txt', 'w') as f:
        f.write(d.getVar('LOUD') + ' ' + d.getVar('ADDED'))
}
addtask extra before do_build
)bb");
  auto result = bbrun({"loud"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(read_file(workdir("loud") / "extra.txt"), "QUIET yes");
  EXPECT_THAT(result.out + result.err, HasSubstr("anonymous ran for loud"));
  auto loud = bbrun({"--getvar", "LOUD", "-r", "loud"});
  EXPECT_EQ(loud.out, "QUIET\n") << loud.err;
}

TEST_F(PythonIntegrationTest, ExtensionModulesOfTheStandardLibraryImport) {
  // Given metadata and a python task importing standard modules that the interpreter loads as
  // shared objects (json's _json, decimal's _decimal, ctypes), both should get their values:
  // the server exports the interpreter's symbols to them even where it holds libpython itself.
  add_recipe("ext_1.0.bb", R"bb(
CODEC = "${@__import__('_json').__name__} ${@__import__('decimal').Decimal('1.5') * 2}"

python do_probe() {
    import ctypes, json
    with open(d.getVar('WORKDIR') + '/probe.txt', 'w') as f:
        f.write(json.dumps({'size': ctypes.sizeof(ctypes.c_int32)}))
}
addtask probe before do_build
)bb");
  auto codec = bbrun({"--getvar", "CODEC", "-r", "ext"});
  EXPECT_EQ(codec.out, "_json 3.0\n") << codec.err;
  auto result = bbrun({"ext"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(read_file(workdir("ext") / "probe.txt"), R"({"size": 4})");
}

TEST_F(PythonIntegrationTest, ParseErrorInAnonymousPythonNamesTheRecipe) {
  // Given an anonymous function that raises, the parse should report the recipe and line.
  add_recipe("anonbad_1.0.bb", "python () {\n    raise ValueError('anon failed')\n}\n");
  auto result = bbrun({"anonbad"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.out + result.err, HasSubstr("ValueError: anon failed"));
  EXPECT_THAT(result.out + result.err, HasSubstr("anonbad_1.0.bb\", line 2"));
}

} // namespace
} // namespace bbrun::testing
