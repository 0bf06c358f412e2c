// SPDX-License-Identifier: MIT
// End to end: the server keeps parsed metadata between commands and never serves a stale view.
#include "tests/integration/build_dir_fixture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MetadataCacheIntegrationTest : public BuildDirFixture {
protected:
  // The value of VAR in `recipe`, asked of the running server.
  std::string value(const std::string& var, const std::string& recipe) {
    auto result = bbrun({"--getvar", var, "-r", recipe});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }
  // "Parsing of N .bb files complete (C cached, P parsed)" from `bbrun -p`.
  std::string parse_summary() {
    auto result = bbrun({"-p"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto at = result.out.find("Parsing of");
    return at == std::string::npos ? result.out
                                   : result.out.substr(at, result.out.find('\n', at) - at);
  }
  void add_recipes() {
    m_temp.write("meta-test/recipes-test/common/common.inc", "SHARED = \"one\"\n");
    add_recipe("a_1.0.bb", "require recipes-test/common/common.inc\nOWN = \"a1\"\n");
    add_recipe("b_1.0.bb", "OWN = \"b1\"\n");
    add_recipe("c_1.0.bb", "inherit extra\nOWN = \"c1\"\nFROM_CONF = \"${CONF_VALUE}\"\n");
    m_temp.write("meta-test/classes/extra.bbclass", "FROM_CLASS = \"x1\"\n");
    // The test layer's BBFILES lists recipes only; appends come from here.
    write_local_conf(appends_line() + "CONF_VALUE = \"v1\"\n");
  }
  // Stop the server and wait until it is gone: the next command starts a new one.
  void restart_server() {
    int pid = server_pid();
    EXPECT_EQ(bbrun({"-m"}).exit_code, 0);
    for (int i = 0; i < 500 && pid > 0 && ::kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::filesystem::path parse_store() const {
    return builddir() / "tmp" / "cache" / "bbrun-parse.db";
  }
  std::string appends_line() const {
    return "BBFILES += \"" + layer().string() + "/recipes-*/*/*.bbappend\"\n";
  }
};

TEST_F(MetadataCacheIntegrationTest, UnchangedFilesAreNotParsedAgain) {
  add_recipes();
  EXPECT_THAT(parse_summary(), HasSubstr("Parsing of 3 .bb files complete (0 cached, 3 parsed)"));
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
}

TEST_F(MetadataCacheIntegrationTest, EditedRecipeIsParsedAgainAloneAndSeenAtOnce) {
  add_recipes();
  EXPECT_EQ(value("OWN", "b"), "b1\n");
  add_recipe("b_1.0.bb", "OWN = \"b2\"\n"); // same size, right away: the content decides
  EXPECT_EQ(value("OWN", "b"), "b2\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  add_recipe("b_1.0.bb", "OWN = \"b3\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(2 cached, 1 parsed)"));
}

TEST_F(MetadataCacheIntegrationTest, FilesTouchedOrSavedAgainAsTheyWereAreNotParsedAgain) {
  // Given a recipe touched and an include replaced by a copy of itself (a new inode, as an
  // editor's save), no recipe should be parsed again: their content decides, by warm server
  // and by a new one alike.
  add_recipes();
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  auto later = std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5);
  std::filesystem::last_write_time(layer() / "recipes-test/a/a_1.0.bb", later);
  auto include = layer() / "recipes-test/common/common.inc";
  m_temp.write("meta-test/recipes-test/common/common.inc.new", "SHARED = \"one\"\n");
  std::filesystem::rename(include.string() + ".new", include);
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  restart_server();
  std::filesystem::last_write_time(layer() / "recipes-test/b/b_1.0.bb", later);
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  EXPECT_EQ(value("SHARED", "a"), "one\n");
}

TEST_F(MetadataCacheIntegrationTest, EditedIncludeOrClassReparsesTheRecipesUsingIt) {
  add_recipes();
  EXPECT_EQ(value("SHARED", "a"), "one\n");
  EXPECT_EQ(value("FROM_CLASS", "c"), "x1\n");
  m_temp.write("meta-test/recipes-test/common/common.inc", "SHARED = \"two\"\n");
  m_temp.write("meta-test/classes/extra.bbclass", "FROM_CLASS = \"x2\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(1 cached, 2 parsed)"));
  EXPECT_EQ(value("SHARED", "a"), "two\n");
  EXPECT_EQ(value("FROM_CLASS", "c"), "x2\n");
}

TEST_F(MetadataCacheIntegrationTest, ConfigurationChangeReparsesEverything) {
  add_recipes();
  EXPECT_EQ(value("FROM_CONF", "c"), "v1\n");
  write_local_conf(appends_line() + "CONF_VALUE = \"v2\"\n");
  EXPECT_EQ(value("FROM_CONF", "c"), "v2\n");
  write_local_conf(appends_line() + "CONF_VALUE = \"v3\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
}

TEST_F(MetadataCacheIntegrationTest, NewRemovedAndAppendedRecipesAreSeen) {
  add_recipes();
  parse_summary();
  add_recipe("d_1.0.bb", "OWN = \"d1\"\n");
  EXPECT_EQ(value("OWN", "d"), "d1\n");
  m_temp.write("meta-test/recipes-test/b/b_%.bbappend", "OWN:append = \"+appended\"\n");
  EXPECT_EQ(value("OWN", "b"), "b1+appended\n");
  std::filesystem::remove(layer() / "recipes-test" / "d" / "d_1.0.bb");
  auto gone = bbrun({"--getvar", "OWN", "-r", "d"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(parse_summary(), HasSubstr("Parsing of 3 .bb files"));
}

TEST_F(MetadataCacheIntegrationTest, ClassAppearingEarlierOnBbpathIsUsed) {
  // Given a class found in the layer, a class of the same name added to the build directory
  // (earlier on BBPATH) should win from the next command on.
  add_recipe("e_1.0.bb", "inherit extra2\n");
  m_temp.write("meta-test/classes/extra2.bbclass", "WHO = \"layer\"\n");
  EXPECT_EQ(value("WHO", "e"), "layer\n");
  m_temp.write("build/classes/extra2.bbclass", "WHO = \"builddir\"\n");
  EXPECT_EQ(value("WHO", "e"), "builddir\n");
}

TEST_F(MetadataCacheIntegrationTest, ANewServerParsesOnlyWhatChangedSinceTheLastOne) {
  add_recipes();
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  ASSERT_TRUE(std::filesystem::exists(parse_store()));
  restart_server();
  add_recipe("b_1.0.bb", "OWN = \"b2\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(2 cached, 1 parsed)"));
  EXPECT_THAT(server_log(), HasSubstr("2 from the parse cache on disk"));
  EXPECT_EQ(value("OWN", "b"), "b2\n");
  EXPECT_EQ(value("SHARED", "a"), "one\n");
  EXPECT_EQ(value("FROM_CLASS", "c"), "x1\n");
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)")) << "b's new parse was saved";
}

TEST_F(MetadataCacheIntegrationTest, VariablesOfCachedRecipesSurviveTheStoreGoingAway) {
  // Given a new server that took its recipes from the parse cache (their variables read from it
  // only when first used), and the cache then removed, we should still see every value.
  add_recipes();
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  std::filesystem::remove_all(parse_store().parent_path());
  EXPECT_EQ(value("OWN", "a"), "a1\n");
  EXPECT_EQ(value("SHARED", "a"), "one\n");
  EXPECT_EQ(value("FROM_CLASS", "c"), "x1\n");
  EXPECT_THAT(server_log(), Not(HasSubstr("parsing it again")));
}

TEST_F(MetadataCacheIntegrationTest, AConfigurationChangedBetweenServersReparsesEverything) {
  add_recipes();
  EXPECT_EQ(value("FROM_CONF", "c"), "v1\n");
  restart_server();
  write_local_conf(appends_line() + "CONF_VALUE = \"v2\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  EXPECT_EQ(value("FROM_CONF", "c"), "v2\n");
}

TEST_F(MetadataCacheIntegrationTest, AMovedTmpdirGetsTheParseCache) {
  // Given TMPDIR moved while the server runs, we should find the recipes parsed since in the
  // parse cache under the new TMPDIR, once the server is replaced.
  add_recipes();
  parse_summary();
  auto moved = builddir() / "elsewhere";
  write_local_conf(appends_line() + "CONF_VALUE = \"v1\"\nTMPDIR = \"" + moved.string() + "\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  EXPECT_TRUE(std::filesystem::exists(moved / "cache" / "bbrun-parse.db"));
}

TEST_F(MetadataCacheIntegrationTest, ANewServerFindsTheParseCacheOfAnyTmpdir) {
  // Given TMPDIR away from the build directory from the start, we should have a new server
  // take its recipes from the parse cache there, and leave no store where TMPDIR is not.
  auto elsewhere = builddir() / "elsewhere";
  add_recipes();
  write_local_conf(appends_line() + "CONF_VALUE = \"v1\"\nTMPDIR = \"" + elsewhere.string() +
                   "\"\n");
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
  EXPECT_EQ(value("OWN", "b"), "b1\n");
  EXPECT_TRUE(std::filesystem::exists(elsewhere / "cache" / "bbrun-parse.db"));
  EXPECT_FALSE(std::filesystem::exists(parse_store()));
}

TEST_F(MetadataCacheIntegrationTest, ANewServerStartedForAnotherCommandSeesLaterEdits) {
  // Given a new server started by a command that parses no recipe (it reads the parse cache
  // ahead all the same), and a recipe edited after that command, we should see the edit in
  // the next command's parse.
  add_recipes();
  parse_summary();
  restart_server();
  ASSERT_EQ(bbrun({"-e"}).exit_code, 0);
  add_recipe("b_1.0.bb", "OWN = \"b2, edited later\"\n");
  EXPECT_EQ(value("OWN", "b"), "b2, edited later\n");
}

TEST_F(MetadataCacheIntegrationTest, PythonDefsOfRecipesFromTheParseCacheAreDefined) {
  m_temp.write("meta-test/classes/helpers.bbclass",
               "def helper_text(d):\n    return 'from ' + d.getVar('PN')\n");
  add_recipe("p_1.0.bb", "inherit helpers\nHELPED = \"${@helper_text(d)}\"\n");
  EXPECT_EQ(value("HELPED", "p"), "from p\n");
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(1 cached, 0 parsed)"));
  EXPECT_EQ(value("HELPED", "p"), "from p\n");
}

TEST_F(MetadataCacheIntegrationTest, AnUnusableParseCacheIsReplaced) {
  add_recipes();
  parse_summary();
  restart_server();
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(parse_store().string() + suffix);
  }
  m_temp.write(std::filesystem::relative(parse_store(), m_temp.path()), std::string(5000, 'x'));
  EXPECT_THAT(parse_summary(), HasSubstr("(0 cached, 3 parsed)"));
  EXPECT_EQ(value("OWN", "a"), "a1\n");
  restart_server();
  EXPECT_THAT(parse_summary(), HasSubstr("(3 cached, 0 parsed)"));
}

} // namespace
} // namespace bbrun::testing
