// SPDX-License-Identifier: MIT
// End to end: signatures decide what reruns, and --explain says why.
#include "tests/integration/build_dir_fixture.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sys/wait.h>

namespace bbrun::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;

// A recipe with a configure -> compile -> install chain; compile uses ${GREETING}, which
// `greeting` sets, and ${STAMPED}, which it excludes from its signature.
std::string hello_recipe(const std::string& greeting, const std::string& install_mode = "0644",
                         const std::string& stamped = "monday") {
  return fmt::format(R"bb(GREETING = "{}"
STAMPED = "{}"
do_configure() {{
	echo configured > configured
}}
do_compile() {{
	echo "${{GREETING}} ${{STAMPED}} ${{BB_NUMBER_THREADS}}" > greeting
}}
do_compile[vardepsexclude] = "STAMPED"
do_install() {{
	mkdir -p ${{D}}
	install -m {} greeting ${{D}}/greeting
}}
addtask configure
addtask compile after do_configure
addtask install after do_compile before do_build
)bb",
                     greeting, stamped, install_mode);
}

class SignatureIntegrationTest : public BuildDirFixture {
protected:
  // The tasks a build ran (not the noexec ones), from the plain UI's "Running task" lines.
  static std::set<std::string> ran(const ProcessResult& result) {
    static const std::regex k_running(R"(NOTE: Running task \d+ of \d+ \(([^)]+)\))");
    std::set<std::string> tasks;
    for (std::sregex_iterator it(result.out.begin(), result.out.end(), k_running), end; it != end;
         ++it) {
      tasks.insert((*it)[1]);
    }
    return tasks;
  }
  ProcessResult build(const std::vector<std::string>& args = {"hello"}) {
    auto result = bbrun(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result;
  }
  std::string explain(const std::vector<std::string>& targets = {"hello"}) {
    std::vector<std::string> args{"--explain"};
    args.insert(args.end(), targets.begin(), targets.end());
    auto result = bbrun(args);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out;
  }
};

// The signature of every task in the stamps database under `builddir`.
std::map<std::string, std::string> signatures_in(const fs::path& builddir) {
  std::map<std::string, std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((builddir / "tmp" / "stamps.db").c_str(), &db, SQLITE_OPEN_READONLY,
                      nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT task, signature FROM stamps", -1, &stmt, nullptr);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST_F(SignatureIntegrationTest, ChangedVariableRerunsItsTaskAndDependentsOnly) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  EXPECT_EQ(ran(build()).size(), 3u);
  EXPECT_THAT(ran(build()), IsEmpty());
  EXPECT_THAT(explain(), HasSubstr("0 of 4 tasks would run."));

  add_recipe("hello_1.0.bb", hello_recipe("bye"));
  auto why = explain();
  EXPECT_THAT(why, HasSubstr("hello:do_compile: variable GREETING changed from 'hi' to 'bye'"));
  EXPECT_THAT(why, HasSubstr("hello:do_install: dependency hello:do_compile reruns"));
  EXPECT_THAT(why, Not(HasSubstr("hello:do_configure")));
  EXPECT_THAT(ran(build()), ElementsAre("hello:do_compile", "hello:do_install"));
  EXPECT_EQ(read_file(workdir("hello") / "image" / "greeting").substr(0, 3), "bye");
}

TEST_F(SignatureIntegrationTest, ExcludedVariablesRerunNothing) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  add_recipe("hello_1.0.bb", hello_recipe("hi", "0644", "tuesday"));
  write_local_conf("BB_NUMBER_THREADS = \"7\"\n");
  EXPECT_THAT(explain(), HasSubstr("0 of 4 tasks would run."));
  EXPECT_THAT(ran(build()), IsEmpty());
}

TEST_F(SignatureIntegrationTest, ChangingAnotherRecipeRerunsOnlyThatRecipe) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  add_recipe("other_1.0.bb",
             "do_work() {\n\techo ${SIZE}\n}\nSIZE = \"1\"\naddtask work before do_build\n");
  build({"hello", "other"});
  add_recipe("other_1.0.bb",
             "do_work() {\n\techo ${SIZE}\n}\nSIZE = \"2\"\naddtask work before do_build\n");
  EXPECT_THAT(ran(build({"hello", "other"})), ElementsAre("other:do_work"));
}

TEST_F(SignatureIntegrationTest, EditedFunctionRerunsItsTaskWithADiff) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  add_recipe("hello_1.0.bb", hello_recipe("hi", "0755"));
  auto why = explain();
  EXPECT_THAT(why, HasSubstr("hello:do_install: function do_install changed:\n"));
  EXPECT_THAT(why, HasSubstr("    -\tinstall -m 0644 greeting ${D}/greeting\n"));
  EXPECT_THAT(why, HasSubstr("    +\tinstall -m 0755 greeting ${D}/greeting\n"));
  EXPECT_THAT(ran(build()), ElementsAre("hello:do_install"));
  EXPECT_EQ(fs::status(workdir("hello") / "image" / "greeting").permissions() & fs::perms::all,
            fs::perms(0755));
}

TEST_F(SignatureIntegrationTest, DefCalledFromInlinePythonIsAnInput) {
  // Given a shell task and a variable that call a `def` through ${@...}, editing the def
  // should rerun the task, and --explain should name the function.
  auto recipe = [](const std::string& made) {
    return fmt::format(R"bb(def made_by(d):
    return "{}"
LABEL = "${{@made_by(d)}}"
do_stamp() {{
	echo ${{@made_by(d)}} > made
}}
do_label() {{
	echo ${{LABEL}} > label
}}
addtask stamp before do_build
addtask label before do_build
)bb",
                       made);
  };
  add_recipe("maker_1.0.bb", recipe("one"));
  EXPECT_EQ(ran(build({"maker"})).size(), 2u);
  add_recipe("maker_1.0.bb", recipe("two"));
  auto why = explain({"maker"});
  EXPECT_THAT(why, HasSubstr("maker:do_stamp: function made_by changed"));
  EXPECT_THAT(why, HasSubstr("maker:do_label: function made_by changed"));
  EXPECT_THAT(ran(build({"maker"})), ElementsAre("maker:do_label", "maker:do_stamp"));
}

TEST_F(SignatureIntegrationTest, EditThenRevertRerunsBecauseTheOutputsAreTheEditedOnes) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  add_recipe("hello_1.0.bb", hello_recipe("bye"));
  build();
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  EXPECT_THAT(explain(), HasSubstr("variable GREETING changed from 'bye' to 'hi'"));
  EXPECT_THAT(ran(build()), ElementsAre("hello:do_compile", "hello:do_install"));
}

TEST_F(SignatureIntegrationTest, ForcedAndNostampTasksSayWhy) {
  add_recipe("hello_1.0.bb", hello_recipe("hi") + "do_configure[nostamp] = \"1\"\n");
  build();
  auto why = explain({"-f", "-c", "compile", "hello"});
  EXPECT_THAT(why, HasSubstr("hello:do_configure: [nostamp]: it always runs"));
  EXPECT_THAT(why, HasSubstr("hello:do_compile: forced (-f)"));
  auto printdiff = bbrun({"-S", "printdiff", "-f", "-c", "compile", "hello"});
  EXPECT_EQ(printdiff.exit_code, 0) << printdiff.err;
  EXPECT_EQ(printdiff.out, why) << "-S printdiff is BitBake's spelling of --explain";
}

TEST_F(SignatureIntegrationTest, TaskCutOffByAKilledServerIsNotUpToDate) {
  // do_compile waits for a file the test creates only after killing the server.
  add_recipe("hello_1.0.bb", R"bb(do_compile() {
	echo $$ > ${TOPDIR}/compile.pid
	while [ ! -e ${TOPDIR}/go ]; do sleep 0.05; done
	echo done > compiled
}
addtask compile before do_build
)bb");
  m_temp.write("build/go", "");
  build();
  fs::remove(builddir() / "go");
  fs::remove(builddir() / "compile.pid");
  pid_t client = start_bbrun({"-f", "-c", "compile", "hello"});
  // The shell creates the file before it writes the pid: wait for the number itself (a pid
  // of 0 would make kill() signal this test's own process group).
  int task = 0;
  ASSERT_TRUE(wait_until([&] {
    task = std::atoi(read_file(builddir() / "compile.pid").c_str());
    return task > 0;
  }));
  int server = server_pid();
  ASSERT_GT(server, 0);
  ::kill(server, SIGKILL);
  ::kill(task, SIGKILL);
  int status = 0;
  ::waitpid(client, &status, 0);
  EXPECT_NE(status, 0) << "the client of a killed server fails";
  ASSERT_TRUE(wait_until([&] { return !process_alive(server); }));

  m_temp.write("build/go", "");
  EXPECT_THAT(explain(), HasSubstr("hello:do_compile: its last run did not succeed"));
  EXPECT_THAT(ran(build()), ElementsAre("hello:do_compile"));
}

TEST_F(SignatureIntegrationTest, CorruptStampsDatabaseIsReplacedAndEverythingReruns) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  m_temp.write("build/tmp/stamps.db", std::string(8192, 0x5a));
  auto result = build();
  EXPECT_THAT(result.out + result.err, HasSubstr("stamps database unusable"));
  EXPECT_EQ(ran(result).size(), 3u);
  EXPECT_THAT(ran(build()), IsEmpty()) << "the new database works";
}

TEST_F(SignatureIntegrationTest, DamageBehindAnIntactHeaderIsReplacedToo) {
  // Given a stamps database whose first page is intact but whose second is garbage, the next
  // build should replace it with a warning and rerun everything, and the one after that
  // should find everything up to date again.
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  auto path = builddir() / "tmp" / "stamps.db";
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    // The page size, big-endian at offset 16 of the header.
    unsigned char size[2] = {0, 0};
    file.seekg(16);
    file.read(reinterpret_cast<char*>(size), 2);
    size_t page = size_t{size[0]} << 8 | size[1];
    ASSERT_GE(page, 512u);
    ASSERT_GE(fs::file_size(path), 2 * page);
    file.seekp(static_cast<std::streamoff>(page));
    std::string garbage(page, 0x5a);
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto result = build();
  EXPECT_THAT(result.out + result.err, HasSubstr("stamps database unusable"));
  EXPECT_EQ(ran(result).size(), 3u);
  EXPECT_THAT(ran(build()), IsEmpty()) << "the new database works";
}

TEST_F(SignatureIntegrationTest, RemovedStampsDatabaseIsRecreatedWithAWarning) {
  // Given a stamps database removed while the server runs, the next build should say so and
  // rerun everything; a first build in a new directory says nothing of the kind.
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  auto first = build();
  EXPECT_THAT(first.out + first.err, Not(HasSubstr("stamps database")));
  fs::remove(builddir() / "tmp" / "stamps.db");
  auto result = build();
  EXPECT_THAT(result.out + result.err, HasSubstr("was removed; recreated"));
  EXPECT_EQ(ran(result).size(), 3u);
}

TEST_F(SignatureIntegrationTest, TwoBuildDirectoriesOfTheSameLayersShareSignatures) {
  add_recipe("hello_1.0.bb", hello_recipe("hi"));
  build();
  fs::path other = m_temp.path() / "elsewhere" / "build2";
  fs::create_directories(other / "conf");
  fs::copy_file(builddir() / "conf" / "bblayers.conf", other / "conf" / "bblayers.conf");
  fs::copy_file(builddir() / "conf" / "local.conf", other / "conf" / "local.conf");
  auto result = bbrun_in(other, {"hello"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  bbrun_in(other, {"-m"});
  auto here = signatures_in(builddir());
  EXPECT_EQ(here.size(), 4u);
  EXPECT_EQ(here, signatures_in(other));
}

} // namespace
} // namespace bbrun::testing
