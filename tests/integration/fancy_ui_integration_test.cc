// SPDX-License-Identifier: MIT
// End to end on a real pseudo-terminal: the real bbrun in fancy mode inside tmux, its screen
// read back as the user sees it.
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/tmux_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Each task waits until the test creates its gate file, so the test decides when the footer
// changes instead of guessing how long a task takes.
constexpr const char* k_gated_recipe = R"bb(
do_first() {
	while [ ! -e ${TOPDIR}/open-first ]; do sleep 0.02; done
}
addtask first
do_second() {
	while [ ! -e ${TOPDIR}/open-second ]; do sleep 0.02; done
}
addtask second after do_first before do_build
)bb";

class FancyUiIntegrationTest : public BuildDirFixture {
protected:
  void SetUp() override {
    BuildDirFixture::SetUp();
    if (std::system("command -v tmux > /dev/null") != 0) {
      GTEST_FAIL() << "tmux is needed (scripts/setup installs it)";
    }
    add_recipe("gated_1.0.bb", k_gated_recipe);
  }

  std::unique_ptr<TmuxSession> start(const std::string& args) {
    const char* client = std::getenv("BBRUN_CLIENT");
    std::string command = "cd '" + builddir().string() + "' && '" +
                          std::string(client != nullptr ? client : "bbrun") + "' " + args;
    auto session = std::make_unique<TmuxSession>(m_temp.path(), command, k_columns, 24);
    EXPECT_TRUE(session->started());
    return session;
  }

  void open_gate(const std::string& name) const { std::ofstream(builddir() / name).put('\n'); }

  static constexpr int k_columns = 70;
};

bool has(const std::string& screen, const std::string& text) {
  return screen.find(text) != std::string::npos;
}

TEST_F(FancyUiIntegrationTest, FooterIsDrawnUpdatedAndGoneAtTheEnd) {
  // Given a build of two gated tasks on a terminal, the footer should show the first task and
  // its clock ticking, then the second, and be gone when the build ends, leaving the summary.
  auto session = start("gated");
  bool held = false;
  std::string screen = session->wait_for(
      [](const std::string& s) {
        return has(s, "Running tasks (1 of 3)") && has(s, "gated:do_first");
      },
      held);
  ASSERT_TRUE(held) << screen;
  screen =
      session->wait_for([](const std::string& s) { return has(s, "1s  gated:do_first"); }, held);
  ASSERT_TRUE(held) << "the elapsed time should advance:\n" << screen;

  open_gate("open-first");
  screen = session->wait_for(
      [](const std::string& s) {
        return has(s, "Running tasks (2 of 3)") && has(s, "gated:do_second") &&
               !has(s, "gated:do_first");
      },
      held);
  ASSERT_TRUE(held) << screen;
  std::istringstream rows(screen);
  for (std::string line; std::getline(rows, line);) {
    if (!has(line, "Running tasks") && !has(line, "gated:do_")) {
      continue; // a message, which the terminal may wrap
    }
    EXPECT_LT(line.size(), static_cast<size_t>(k_columns)) << "wider than the terminal: " << line;
  }

  open_gate("open-second");
  screen = session->wait_for([](const std::string& s) { return has(s, "[exit "); }, held);
  ASSERT_TRUE(held) << screen;
  EXPECT_THAT(screen, HasSubstr("Tasks Summary: Attempted 3 tasks of which 0 didn't need to be "
                                "rerun and all succeeded.\n[exit 0]"));
  EXPECT_THAT(screen, Not(HasSubstr("Running tasks")));
  EXPECT_THAT(screen, Not(HasSubstr("gated:do_")));
}

TEST_F(FancyUiIntegrationTest, CtrlCTwiceStopsTheTasksAndRemovesTheFooter) {
  // Given a task that never ends, the first Ctrl-C should say the task may finish and keep the
  // footer, the second should stop it; the footer should be gone and the exit status 1.
  auto session = start("gated");
  bool held = false;
  std::string screen =
      session->wait_for([](const std::string& s) { return has(s, "gated:do_first"); }, held);
  ASSERT_TRUE(held) << screen;

  session->send_key("C-c");
  screen =
      session->wait_for([](const std::string& s) { return has(s, "Press Ctrl-C again"); }, held);
  ASSERT_TRUE(held) << screen;
  EXPECT_THAT(screen, HasSubstr("Running tasks (1 of 3)"));

  session->send_key("C-c");
  screen = session->wait_for([](const std::string& s) { return has(s, "[exit "); }, held);
  ASSERT_TRUE(held) << screen;
  EXPECT_THAT(screen, HasSubstr("stopping the running tasks"));
  EXPECT_THAT(screen, HasSubstr("[exit 1]"));
  EXPECT_THAT(screen, Not(HasSubstr("Running tasks")));
}

} // namespace
} // namespace bbrun::testing
