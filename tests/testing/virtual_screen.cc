// SPDX-License-Identifier: MIT
// A tiny terminal for tests.
#include "tests/testing/virtual_screen.h"

#include <cctype>
#include <cstdlib>

namespace bbrun::testing {

void VirtualScreen::feed(std::string_view bytes) {
  std::string input = m_pending_escape + std::string(bytes);
  m_pending_escape.clear();
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '\x1b') {
      put(input[i]);
      continue;
    }
    // CSI: ESC [ digits and semicolons, then a letter.
    size_t end = i + 2;
    while (end < input.size() && !std::isalpha(static_cast<unsigned char>(input[end]))) {
      ++end;
    }
    if (end >= input.size()) {
      m_pending_escape = input.substr(i);
      return;
    }
    int count = std::atoi(input.substr(i + 2, end - i - 2).c_str());
    escape(input[end], count == 0 ? 1 : count);
    i = end;
  }
}

std::string& VirtualScreen::current_line() {
  while (m_lines.size() <= m_row) {
    m_lines.emplace_back();
  }
  return m_lines[m_row];
}

void VirtualScreen::put(char c) {
  if (c == '\r') {
    m_column = 0;
  } else if (c == '\n') {
    m_column = 0;
    ++m_row;
    current_line();
  } else {
    if (m_column == m_columns) {
      m_column = 0;
      ++m_row;
    }
    std::string& line = current_line();
    if (line.size() <= m_column) {
      line.resize(m_column + 1, ' ');
    }
    line[m_column++] = c;
  }
}

void VirtualScreen::escape(char command, int count) {
  if (command == 'A') {
    m_row = m_row >= static_cast<size_t>(count) ? m_row - static_cast<size_t>(count) : 0;
  } else if (command == 'K' || command == 'J') {
    std::string& line = current_line();
    if (line.size() > m_column) {
      line.resize(m_column);
    }
    if (command == 'J') {
      m_lines.resize(m_row + 1);
    }
  }
}

std::vector<std::string> VirtualScreen::lines() const {
  std::vector<std::string> lines = m_lines;
  while (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  return lines;
}

std::string VirtualScreen::text() const {
  std::string text;
  for (const auto& line : lines()) {
    text += line + "\n";
  }
  return text;
}

} // namespace bbrun::testing
