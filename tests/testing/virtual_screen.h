// SPDX-License-Identifier: MIT
// A tiny terminal for tests: feed it what a renderer wrote, read back what a user would see.
// It knows just what the fancy UI uses: text, \r, \n (as the tty's ONLCR makes it), cursor up
// (CSI n A), erase to end of line (CSI K) and of screen (CSI J); colours (CSI ... m) are
// dropped. Lines wrap at the width; nothing scrolls away, so the history stays readable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::testing {

class VirtualScreen {
public:
  explicit VirtualScreen(size_t columns) : m_columns(columns) {}

  void feed(std::string_view bytes);

  /// Every line written so far, top first, without trailing blank lines.
  std::vector<std::string> lines() const;
  /// lines(), each ending in a newline.
  std::string text() const;

private:
  void put(char c);
  void escape(char command, int count);
  std::string& current_line();

  size_t m_columns;
  std::vector<std::string> m_lines{""};
  size_t m_row = 0;
  size_t m_column = 0;
  std::string m_pending_escape; ///< an escape sequence cut between two feeds
};

} // namespace bbrun::testing
