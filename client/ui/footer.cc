// SPDX-License-Identifier: MIT
// A footer redrawn in place.
#include "client/ui/footer.h"

#include "client/ui/progress_text.h"

#include <fmt/core.h>

#include <algorithm>

namespace bbrun::client::ui {

namespace {

constexpr const char* k_erase_line_end = "\x1b[K";
constexpr const char* k_erase_screen_end = "\x1b[J";

// Each line of `text` with the old contents after it on screen erased.
void append_lines(std::string& out, const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    out.append(text, start, end - start);
    out += k_erase_line_end;
    out += '\n';
    start = end + 1;
  }
}

} // namespace

int Footer::rows() const {
  int rows = 0;
  auto columns = static_cast<size_t>(std::max(m_columns, 1));
  for (size_t width : m_widths) {
    rows += static_cast<int>(std::max<size_t>(1, (width + columns - 1) / columns));
  }
  return rows;
}

void Footer::draw(const std::string& above, const std::vector<std::string>& lines, int columns) {
  if (m_widths.empty() && above.empty() && lines.empty()) {
    return;
  }
  std::string out = "\r";
  if (int up = rows(); up > 0) {
    out += fmt::format("\x1b[{}A", up);
  }
  append_lines(out, above);
  m_widths.clear();
  for (const auto& line : lines) {
    out += line;
    out += k_erase_line_end;
    out += '\n';
    m_widths.push_back(display_width(line));
  }
  out += k_erase_screen_end;
  m_columns = columns;
  std::fwrite(out.data(), 1, out.size(), m_out);
  std::fflush(m_out);
}

} // namespace bbrun::client::ui
