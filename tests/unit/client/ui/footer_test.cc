// SPDX-License-Identifier: MIT
// The footer redrawn in place, read back through a virtual screen.
#include "client/ui/footer.h"
#include "tests/testing/captured_output.h"
#include "tests/testing/virtual_screen.h"

#include <gtest/gtest.h>

#include <memory>

namespace bbrun::client::ui {
namespace {

using testing::CapturedOutput;
using testing::VirtualScreen;

class FooterTest : public ::testing::Test {
protected:
  void draw(const std::string& above, const std::vector<std::string>& lines, int columns = 40) {
    m_footer->draw(above, lines, columns);
    m_screen.feed(m_out.take());
  }

  CapturedOutput m_out;
  VirtualScreen m_screen{40};
  std::unique_ptr<Footer> m_footer = std::make_unique<Footer>(m_out.file());
};

TEST_F(FooterTest, MessagesScrollAboveAndTheFooterStaysBelow) {
  // Given a drawn footer, a message should land above it and the footer be redrawn below.
  draw("", {"Running tasks (1 of 3)", "  0s  a:do_x"});
  draw("NOTE: first\n", {"Running tasks (2 of 3)", "  0s  b:do_y"});
  draw("WARNING: second\n", {"Running tasks (2 of 3)"});
  EXPECT_EQ(m_screen.text(), "NOTE: first\nWARNING: second\nRunning tasks (2 of 3)\n");
}

TEST_F(FooterTest, ClearingLeavesOnlyTheMessages) {
  // Given a footer of several lines, clearing should leave nothing of it on the screen.
  draw("NOTE: kept\n", {"line one", "line two", "line three"});
  m_footer.reset();
  m_screen.feed(m_out.take());
  EXPECT_EQ(m_screen.text(), "NOTE: kept\n");
}

TEST_F(FooterTest, ShorterLinesLeaveNoLeftovers) {
  // Given a long line replaced by a short one, nothing of the long one should remain.
  draw("", {"a much longer line than the next", "second"});
  draw("", {"short"});
  EXPECT_EQ(m_screen.text(), "short\n");
}

TEST_F(FooterTest, AfterANarrowingResizeTheRewrappedRowsAreErasedToo) {
  // Given 30-column lines on a terminal that rewraps to 10 columns, the next draw should start
  // from the first of the three rows each line now takes.
  VirtualScreen narrow(10);
  m_footer->draw("", {std::string(30, 'x')}, 40);
  std::string first = m_out.take();
  narrow.feed(first);
  m_footer->resized(10);
  m_footer->draw("NOTE: after\n", {"ok"}, 10);
  narrow.feed(m_out.take());
  EXPECT_EQ(narrow.text(), "NOTE: afte\nr\nok\n");
}

} // namespace
} // namespace bbrun::client::ui
