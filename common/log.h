// SPDX-License-Identifier: MIT
// Process-wide logging to stderr: the server's stderr is its log file, the client's the terminal.
#pragma once

#include <fmt/core.h>

#include <string_view>

namespace bbrun::common::log {

enum class Level { debug, info, warning, error };

/// Drop messages below `level` (default: info).
void set_level(Level level);
bool enabled(Level level);
/// Write one line: time, level, pid, `message`. Thread-safe per line.
void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::debug)) {
    write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(Level::info)) {
    write(Level::info, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
  write(Level::warning, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  write(Level::error, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace bbrun::common::log
