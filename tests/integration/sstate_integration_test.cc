// SPDX-License-Identifier: MIT
// End to end: shared state restores tasks by signature from SSTATE_DIR, mirrors and a real
// HTTP cache (nginx), survives corrupt objects and a dead server, and hash equivalence keeps
// downstream objects usable.
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/nginx_server.h"
#include "tests/testing/scripted_http_cache.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <fstream>
#include <regex>
#include <set>
#include <sys/wait.h>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
namespace fs = std::filesystem;

// lib installs a file; app's compile needs lib's install (DEPENDS + deptask). Both installs
// are cached; `comment` changes lib's install code without changing what it installs.
std::string lib_recipe(const std::string& comment = "") {
  return fmt::format(R"bb(do_compile() {{
	echo lib > lib.txt
}}
do_install() {{
	# {}
	mkdir -p ${{D}}/usr/lib
	cp lib.txt ${{D}}/usr/lib/lib.txt
	ln -sf lib.txt ${{D}}/usr/lib/lib.so
}}
do_install[sstate-outputs] = "${{D}}"
addtask compile
addtask install after do_compile before do_build
)bb",
                     comment);
}

constexpr const char* k_app_recipe = R"bb(DEPENDS = "lib"
do_compile[deptask] = "do_install"
do_compile() {
	echo app > app.txt
}
do_install() {
	mkdir -p ${D}/usr/bin
	cp app.txt ${D}/usr/bin/app
	chmod 0755 ${D}/usr/bin/app
}
do_install[sstate-outputs] = "${D}"
addtask compile
addtask install after do_compile before do_build
)bb";

class SstateIntegrationTest : public BuildDirFixture {
protected:
  void SetUp() override {
    BuildDirFixture::SetUp();
    add_recipe("lib.bb", lib_recipe());
    add_recipe("app.bb", k_app_recipe);
    write_local_conf(fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  }
  fs::path shared_cache() const { return m_temp.path() / "sstate-cache"; }

  // A second build directory of the same layer with `local_conf`.
  fs::path other_builddir(const std::string& name, const std::string& local_conf) {
    m_temp.write(name + "/conf/bblayers.conf",
                 "BBPATH = \"${TOPDIR}\"\nBBFILES ?= \"\"\nBBLAYERS = \"" + layer().string() +
                     "\"\n");
    m_temp.write(name + "/conf/local.conf", local_conf);
    m_others.push_back(m_temp.path() / name);
    return m_temp.path() / name;
  }
  void TearDown() override {
    for (const auto& dir : m_others) {
      bbrun_in(dir, {"-m"}, {}, std::chrono::seconds(20));
    }
    BuildDirFixture::TearDown();
  }

  ProcessResult build_in(const fs::path& dir, const std::vector<std::string>& args = {"app"}) {
    std::vector<std::string> all{"--ui", "plain"};
    all.insert(all.end(), args.begin(), args.end());
    auto result = bbrun_in(dir, all);
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result;
  }
  // The real tasks a build ran (noexec ones left out) and the setscene tasks it ran.
  static std::set<std::string> matches(const ProcessResult& result, const std::string& pattern) {
    std::regex re(pattern);
    std::set<std::string> out;
    for (std::sregex_iterator it(result.out.begin(), result.out.end(), re), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
    return out;
  }
  static std::set<std::string> ran(const ProcessResult& result) {
    return matches(result, R"(NOTE: Running task \d+ of \d+ \(([^)]+)\))");
  }
  static std::set<std::string> restored(const ProcessResult& result) {
    return matches(result, R"(NOTE: ([^ ]+)_setscene: Succeeded)");
  }
  // How many times `pattern` occurs in the build's output.
  static long count(const ProcessResult& result, const std::string& pattern) {
    std::regex re(pattern);
    return std::distance(std::sregex_iterator(result.out.begin(), result.out.end(), re),
                         std::sregex_iterator());
  }
  static fs::path image(const fs::path& dir, const std::string& pn) {
    return dir / "tmp" / "work" / (pn + "-1.0-r0") / "image";
  }
  static void expect_installed(const fs::path& dir) {
    EXPECT_EQ(read_file(image(dir, "lib") / "usr/lib/lib.txt"), "lib\n");
    EXPECT_EQ(fs::read_symlink(image(dir, "lib") / "usr/lib/lib.so"), "lib.txt");
    EXPECT_EQ(read_file(image(dir, "app") / "usr/bin/app"), "app\n");
    auto perms = fs::status(image(dir, "app") / "usr/bin/app").permissions();
    EXPECT_EQ(perms & fs::perms::owner_exec, fs::perms::owner_exec);
  }

  std::vector<fs::path> m_others;
};

const std::set<std::string> k_installs{"app:do_install", "lib:do_install"};

TEST_F(SstateIntegrationTest, CleanBuildDirectoryRestoresEverythingFromSstateDir) {
  // Given a build that filled the cache, we should restore both installs in a clean build
  // directory sharing it, run no real task, install the same files, and do nothing next time.
  auto first = build_in(builddir());
  EXPECT_EQ(ran(first).size(), 4u);
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto second = build_in(second_dir);
  EXPECT_THAT(ran(second), IsEmpty()) << second.out;
  EXPECT_EQ(restored(second), k_installs);
  EXPECT_THAT(second.out, HasSubstr("Running setscene task 1 of 2"));
  EXPECT_THAT(second.out, HasSubstr("Restored 2 tasks from shared state (2 local)."));
  EXPECT_THAT(second.out, HasSubstr("Attempted 5 tasks of which 4 didn't need to be rerun"));
  expect_installed(second_dir);
  auto again = build_in(second_dir);
  EXPECT_THAT(ran(again), IsEmpty());
  EXPECT_THAT(restored(again), IsEmpty());
  EXPECT_THAT(again.out, HasSubstr("Attempted 5 tasks of which 5 didn't need to be rerun"));
}

TEST_F(SstateIntegrationTest, DryRunAndExplainSayWhatWouldBeRestored) {
  // Given a warm cache and a clean build directory, we should have -n announce the setscene
  // tasks and --explain say "restored from shared state", both without touching anything.
  build_in(builddir());
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto dry = build_in(second_dir, {"-n", "app"});
  EXPECT_THAT(dry.out, HasSubstr("Running setscene task 2 of 2"));
  EXPECT_THAT(ran(dry), IsEmpty());
  auto explain = build_in(second_dir, {"--explain", "app"});
  EXPECT_THAT(explain.out, HasSubstr("lib:do_install: restored from shared state (local)"));
  EXPECT_THAT(explain.out, HasSubstr("1 of 5 tasks would run, 2 would be restored"));
  EXPECT_FALSE(fs::exists(image(second_dir, "lib")));
  // A cache without the objects: --explain says why nothing matched.
  auto cold_dir = other_builddir("build3", "SSTATE_DIR = \"${TOPDIR}/empty-cache\"\n");
  auto cold = build_in(cold_dir, {"--explain", "app"});
  EXPECT_THAT(cold.out, HasSubstr("lib:do_install: no shared-state object for its signature"));
}

TEST_F(SstateIntegrationTest, CorruptObjectFallsBackToTheRealTaskWithAWarning) {
  // Given objects damaged on disk, we should warn, run the real tasks, succeed, and store good
  // objects again.
  build_in(builddir());
  for (const auto& entry : fs::recursive_directory_iterator(shared_cache() / "cas")) {
    if (entry.is_regular_file()) {
      std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
      file.seekp(20);
      file.write("garbage!", 8);
    }
  }
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto second = build_in(second_dir);
  EXPECT_THAT(second.out, HasSubstr("WARNING: lib:do_install_setscene: "));
  EXPECT_THAT(second.out, HasSubstr("running the real task instead"));
  EXPECT_EQ(ran(second).size(), 4u) << second.out;
  expect_installed(second_dir);
  auto third_dir =
      other_builddir("build3", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto third = build_in(third_dir);
  EXPECT_EQ(restored(third), k_installs) << third.out;
}

TEST_F(SstateIntegrationTest, ReadOnlyMirrorServesAnotherSstateDir) {
  // Given a cache used as a file:// mirror in BitBake's syntax, we should restore from it into
  // a build directory whose own SSTATE_DIR is empty, and count the tasks as from a mirror.
  build_in(builddir());
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_MIRRORS = \"file://.* file://{}/PATH \\n\"\n",
                                           shared_cache().string()));
  auto second = build_in(second_dir);
  EXPECT_THAT(ran(second), IsEmpty()) << second.out;
  EXPECT_THAT(second.out, HasSubstr("(2 mirror)"));
  expect_installed(second_dir);
}

TEST_F(SstateIntegrationTest, HashEquivalenceKeepsDownstreamObjects) {
  // Given a change to lib's install code that installs the same files, we should map its new
  // signature to the old one: app does not rebuild, and a clean build directory restores app's
  // old object.
  build_in(builddir());
  add_recipe("lib.bb", lib_recipe("only a comment changed"));
  auto rebuilt = build_in(builddir());
  EXPECT_EQ(ran(rebuilt), std::set<std::string>{"lib:do_install"}) << rebuilt.out;
  EXPECT_THAT(ran(build_in(builddir())), IsEmpty());
  auto objects = [this] {
    size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(shared_cache() / "cas")) {
      count += entry.is_regular_file() ? 1 : 0;
    }
    return count;
  };
  EXPECT_EQ(objects(), 2u) << "identical outputs make the same object";
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto second = build_in(second_dir);
  EXPECT_THAT(ran(second), IsEmpty()) << second.out;
  EXPECT_EQ(restored(second), k_installs);
}

TEST_F(SstateIntegrationTest, CleansstateRemovesOnlyThatRecipesObjects) {
  // Given a warm cache, we should have -c cleansstate lib remove lib's object and keep app's,
  // so that a clean build directory builds lib and restores app.
  build_in(builddir());
  auto cleaned = build_in(builddir(), {"-c", "cleansstate", "lib"});
  EXPECT_THAT(cleaned.out, HasSubstr("lib: removed 1 shared-state objects from"));
  auto second_dir =
      other_builddir("build2", fmt::format("SSTATE_DIR = \"{}\"\n", shared_cache().string()));
  auto lib = build_in(second_dir, {"lib"});
  EXPECT_EQ(ran(lib), (std::set<std::string>{"lib:do_compile", "lib:do_install"})) << lib.out;
  auto app = build_in(second_dir);
  EXPECT_EQ(restored(app), std::set<std::string>{"app:do_install"}) << app.out;
}

TEST_F(SstateIntegrationTest, CaptivePortalCacheRestoresNothingWrong) {
  // Given an HTTP cache that answers every request with a login page, as a captive portal
  // does, we should take none of it for a unique hash or an entry, warn once per build, build,
  // and later restore each task's own files, never another task's under a shared key.
  std::string why;
  auto portal = ScriptedHttpCache::start(m_temp.path() / "portal", {"--junk"}, &why);
  ASSERT_TRUE(portal) << why;
  auto conf = fmt::format("SSTATE_DIR = \"{}\"\nSSTATE_HTTP_CACHE = \"{}\"\n",
                          shared_cache().string(), portal->url());
  auto first_dir = other_builddir("build-a", conf);
  // Forced, so that no lookup drops the portal first: each store asks it for an equivalence.
  for (const char* pn : {"lib", "app"}) {
    auto forced = build_in(first_dir, {"-f", "-c", "install", pn});
    EXPECT_EQ(count(forced, "WARNING: shared-state http cache .* unavailable"), 1) << forced.out;
    EXPECT_THAT(forced.out, HasSubstr("is not an entry of " + std::string(pn) + ":do_install"));
  }
  auto equivalences =
      read_file(shared_cache() / "hashequiv.db") + read_file(shared_cache() / "hashequiv.db-wal");
  EXPECT_THAT(equivalences, Not(HasSubstr("captive portal")));
  auto second_dir = other_builddir("build-b", conf);
  auto second = build_in(second_dir);
  EXPECT_EQ(restored(second), k_installs) << second.out;
  expect_installed(second_dir);
}

// Recipe cNN of a chain: its compile needs the install of the one before.
std::string chain_recipe(int index) {
  return fmt::format(R"bb({}do_compile[deptask] = "do_install"
do_compile() {{
	echo {} > out.txt
}}
do_install() {{
	mkdir -p ${{D}}
	cp out.txt ${{D}}/out.txt
}}
do_install[sstate-outputs] = "${{D}}"
addtask compile
addtask install after do_compile before do_build
)bb",
                     index > 0 ? fmt::format("DEPENDS = \"c{:02}\"\n", index - 1) : "", index);
}

TEST_F(SstateIntegrationTest, CacheDyingDuringRestoresWarnsOnceNotPerTask) {
  // Given an HTTP cache that dies after serving 5 of the 24 objects a build restores, we should
  // say once that it is gone and once how many restores that cost, not once per task, and
  // build the rest for real.
  constexpr int k_recipes = 24;
  for (int index = 0; index < k_recipes; ++index) {
    add_recipe(fmt::format("c{:02}.bb", index), chain_recipe(index));
  }
  auto target = fmt::format("c{:02}", k_recipes - 1);
  std::string why;
  auto cache = ScriptedHttpCache::start(m_temp.path() / "http", {}, &why);
  ASSERT_TRUE(cache) << why;
  build_in(other_builddir("build-a", "SSTATE_HTTP_CACHE = \"" + cache->url() + "\"\n"), {target});
  cache = ScriptedHttpCache::start(m_temp.path() / "http", {"--exit-after-objects", "5"}, &why);
  ASSERT_TRUE(cache) << why;
  auto result = build_in(
      other_builddir("build-b", "SSTATE_HTTP_CACHE = \"" + cache->url() + "\"\n"), {target});
  EXPECT_EQ(restored(result).size(), 5u) << result.out;
  EXPECT_EQ(count(result, "WARNING: shared-state http cache .* unavailable"), 1) << result.out;
  EXPECT_THAT(result.out, HasSubstr("WARNING: 19 setscene tasks found no object once a "
                                    "shared-state cache was dropped"));
  EXPECT_EQ(count(result, "WARNING"), 2) << result.out;
  // Which ones ran depends on which 5 came back: a restored install needs none before it.
  EXPECT_THAT(ran(result), Not(IsEmpty())) << result.out;
}

class SstateHttpIntegrationTest : public SstateIntegrationTest {
protected:
  void SetUp() override {
    if (NginxServer::binary().empty()) {
      GTEST_SKIP() << "nginx is not installed (Debian: nginx-light); scripts/setup installs it";
    }
    SstateIntegrationTest::SetUp();
    std::string why;
    m_nginx = NginxServer::start(m_temp.path() / "nginx", &why);
    ASSERT_TRUE(m_nginx) << why;
  }
  // A build directory with a cache of its own and the shared HTTP cache.
  fs::path http_builddir(const std::string& name) {
    return other_builddir(name, fmt::format("SSTATE_HTTP_CACHE = \"{}\"\n", m_nginx->url()));
  }

  std::unique_ptr<NginxServer> m_nginx;
};

TEST_F(SstateHttpIntegrationTest, TwoBuildDirectoriesShareObjectsThroughNginx) {
  // Given one build directory that stored its objects in the HTTP cache, we should restore them
  // in another with an empty SSTATE_DIR, over HTTP, as bazel-remote's /ac/ and /cas/ paths.
  auto first_dir = http_builddir("build-a");
  build_in(first_dir);
  EXPECT_TRUE(fs::exists(m_nginx->root() / "ac"));
  EXPECT_TRUE(fs::exists(m_nginx->root() / "cas"));
  auto second_dir = http_builddir("build-b");
  auto second = build_in(second_dir);
  EXPECT_THAT(ran(second), IsEmpty()) << second.out;
  EXPECT_THAT(second.out, HasSubstr("Restored 2 tasks from shared state (2 http)."));
  expect_installed(second_dir);
}

TEST_F(SstateHttpIntegrationTest, EquivalencesReachAnotherMachineThroughTheHttpCache) {
  // Given one build directory that rebuilt lib after a change of a comment (same outputs, so
  // its old unique hash), we should have a fresh one that shares only the HTTP cache learn that
  // equivalence there, restore lib and app (signed with lib's old unique hash) without running
  // anything, and remember it, so that its next build does nothing.
  auto first_dir = http_builddir("build-a");
  build_in(first_dir);
  add_recipe("lib.bb", lib_recipe("only a comment changed"));
  auto rebuilt = build_in(first_dir);
  EXPECT_EQ(ran(rebuilt), std::set<std::string>{"lib:do_install"}) << rebuilt.out;
  auto second_dir = http_builddir("build-c");
  auto second = build_in(second_dir);
  EXPECT_THAT(ran(second), IsEmpty()) << second.out;
  EXPECT_EQ(restored(second), k_installs) << second.out;
  expect_installed(second_dir);
  auto again = build_in(second_dir);
  EXPECT_THAT(ran(again), IsEmpty()) << again.out;
  EXPECT_THAT(restored(again), IsEmpty()) << again.out;
}

TEST_F(SstateHttpIntegrationTest, ServerDownMeansOneWarningAndARealBuild) {
  // Given an HTTP cache that is down, we should build everything for real, say so once, and
  // succeed.
  m_nginx->stop();
  auto dir = http_builddir("build-a");
  auto result = build_in(dir);
  EXPECT_EQ(ran(result).size(), 4u);
  EXPECT_EQ(count(result, "WARNING: shared-state http cache .* unavailable"), 1) << result.out;
  expect_installed(dir);
}

TEST_F(SstateHttpIntegrationTest, ServerStoppedMidBuildDoesNotFailTheBuild) {
  // Given the HTTP cache killed while a build runs, we should still finish the build.
  add_recipe("lib.bb", lib_recipe() + "do_compile:append() {\n\tsleep 1\n}\n");
  auto dir = http_builddir("build-a");
  std::string client =
      std::getenv("BBRUN_CLIENT") != nullptr ? std::getenv("BBRUN_CLIENT") : "bbrun";
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) {
      ::_exit(126);
    }
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::execl(client.c_str(), client.c_str(), "--ui", "plain", "app", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_TRUE(
      wait_until([&] { return fs::exists(dir / "tmp/work/lib-1.0-r0/temp/log.do_compile"); },
                 std::chrono::seconds(30)));
  m_nginx->stop();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  expect_installed(dir);
}

} // namespace
} // namespace bbrun::testing
