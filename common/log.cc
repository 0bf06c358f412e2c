// SPDX-License-Identifier: MIT
// Timestamped log lines on stderr.
#include "common/log.h"

#include "common/unique_fd.h"

#include <atomic>
#include <ctime>
#include <sys/time.h>
#include <unistd.h>

namespace bbrun::common::log {

namespace {

std::atomic<Level> g_level{Level::info};

std::string_view level_name(Level level) {
  switch (level) {
  case Level::debug:
    return "DEBUG";
  case Level::info:
    return "INFO";
  case Level::warning:
    return "WARNING";
  case Level::error:
    return "ERROR";
  }
  return "?";
}

} // namespace

void set_level(Level level) {
  g_level = level;
}

bool enabled(Level level) {
  return level >= g_level.load();
}

void write(Level level, std::string_view message) {
  struct timeval now {};
  ::gettimeofday(&now, nullptr);
  struct tm local {};
  ::localtime_r(&now.tv_sec, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  // One write per line keeps lines whole when several processes share the log file.
  std::string line = fmt::format("{}.{:03d} {} [{}] {}\n", stamp, now.tv_usec / 1000,
                                 level_name(level), ::getpid(), message);
  (void)write_all(STDERR_FILENO, line);
}

} // namespace bbrun::common::log
