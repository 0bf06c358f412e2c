// SPDX-License-Identifier: MIT
// The fancy renderer on a fixed-size virtual terminal with a clock the test moves.
#include "client/ui/renderer.h"
#include "tests/testing/captured_output.h"
#include "tests/testing/virtual_screen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bbrun::client::ui {
namespace {

using common::protocol::Json;
using ::testing::HasSubstr;
using ::testing::Not;

class FancyRendererTest : public ::testing::Test {
protected:
  void make(int verbosity = 0, bool colour = false) {
    FancyDisplay display{colour, [this] { return m_size; }, [this] { return m_now; }};
    m_renderer = make_fancy_renderer(m_out.file(), {verbosity, {}}, display);
  }
  // Feed `type` at the current time, then tick as the client's loop does.
  void send(std::string_view type, Json fields = Json::object()) {
    fields["type"] = type;
    fields["time"] = m_now;
    m_renderer->render(fields);
    m_renderer->tick();
    m_screen.feed(m_out.take());
  }
  void task(std::string_view type, const std::string& recipe, size_t number = 0) {
    send(type, {{"recipe", recipe}, {"task", "do_compile"}, {"number", number}, {"total", 3}});
  }
  void advance(double seconds) {
    m_now += seconds;
    m_renderer->tick();
    m_screen.feed(m_out.take());
  }

  testing::CapturedOutput m_out;
  testing::VirtualScreen m_screen{200}; ///< wide: messages are not cut, only the footer
  TerminalSize m_size{60, 20};
  double m_now = 1000;
  std::unique_ptr<Renderer> m_renderer;
};

TEST_F(FancyRendererTest, FooterFollowsTheRunningTasksAndTheirElapsedTime) {
  // Given two tasks started, we should see both under the progress line, and their elapsed
  // time should advance without any event.
  make();
  task("TaskStarted", "a", 1);
  advance(0.5);
  task("TaskStarted", "b", 2);
  advance(2);
  EXPECT_EQ(m_screen.text(), "Running tasks (2 of 3) [" + std::string(34, ' ') + "]\n" +
                                 "      2s  a:do_compile\n"
                                 "      2s  b:do_compile\n");
}

TEST_F(FancyRendererTest, MessagesScrollAboveTheFooterAndTaskLinesStayInIt) {
  // Given a warning during a build, it should appear above the footer, while "Running task"
  // notes do not appear at the default verbosity.
  make();
  task("TaskStarted", "a", 1);
  send("LogMessage", {{"level", "warning"}, {"message", "disk almost full"}});
  advance(1);
  EXPECT_EQ(m_screen.lines().front(), "WARNING: disk almost full");
  EXPECT_THAT(m_screen.text(), Not(HasSubstr("Running task 1")));
  EXPECT_THAT(m_screen.text(), HasSubstr("a:do_compile"));
}

TEST_F(FancyRendererTest, VerboseShowsTheTaskLinesToo) {
  // Given -v, the per-task notes should scroll above the footer as in plain mode.
  make(1);
  task("TaskStarted", "a", 1);
  EXPECT_EQ(m_screen.lines().front(), "NOTE: Running task 1 of 3 (a:do_compile)");
}

TEST_F(FancyRendererTest, TheEndLeavesTheSummaryAndNoFooter) {
  // Given a finished build, the footer should be gone and the summary be the last line.
  make();
  task("TaskStarted", "a", 1);
  advance(1);
  task("TaskCompleted", "a");
  send("BuildCompleted", {{"success", true}, {"attempted", 3}, {"up_to_date", 2}, {"failed", 0}});
  EXPECT_EQ(m_screen.text(), "NOTE: Tasks Summary: Attempted 3 tasks of which 2 didn't need to "
                             "be rerun and all succeeded.\n");
}

TEST_F(FancyRendererTest, DestroyingTheRendererErasesTheFooter) {
  // Given a build cut short (Ctrl-C, lost server), destroying the renderer should erase it.
  make();
  task("TaskStarted", "a", 1);
  m_renderer->interrupted(1);
  m_screen.feed(m_out.take());
  m_renderer.reset();
  m_screen.feed(m_out.take());
  EXPECT_THAT(m_screen.text(), HasSubstr("Press Ctrl-C again"));
  EXPECT_THAT(m_screen.text(), Not(HasSubstr("Running tasks")));
}

TEST_F(FancyRendererTest, AResizeRefitsTheFooter) {
  // Given a terminal narrowed to 20 columns, the next redraw should fit every line in 19.
  make();
  task("TaskStarted", std::string(40, 'r'), 1);
  m_size = {20, 20};
  m_now += 0.2;
  m_renderer->tick();
  testing::VirtualScreen narrow(20);
  narrow.feed(m_out.take());
  auto lines = narrow.lines();
  ASSERT_EQ(lines.size(), 2U) << narrow.text();
  EXPECT_EQ(lines[0], "Running tasks (1 of");
  EXPECT_EQ(lines[1], "      0s  rrrrrrrrr");
}

TEST_F(FancyRendererTest, ColourOnlyWhenAllowed) {
  // Given colour, the ERROR word should be red; given NO_COLOR (colour off), no escapes.
  make(0, true);
  m_renderer->render({{"type", "LogMessage"}, {"level", "error"}, {"message", "boom"}});
  EXPECT_EQ(m_out.take(), "\r\x1b[1;31mERROR:\x1b[0m boom\x1b[K\n\x1b[J");
  make(0, false);
  m_renderer->render({{"type", "LogMessage"}, {"level", "error"}, {"message", "boom"}});
  EXPECT_EQ(m_out.take(), "\rERROR: boom\x1b[K\n\x1b[J");
}

} // namespace
} // namespace bbrun::client::ui
