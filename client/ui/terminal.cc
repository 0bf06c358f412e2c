// SPDX-License-Identifier: MIT
// Terminal size, colour and resize notifications.
#include "client/ui/terminal.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace bbrun::client::ui {

namespace {

// Nothing to do here: being delivered is what interrupts the wait.
void on_resize(int) {}

bool env_set(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0';
}

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  int parsed = value != nullptr ? std::atoi(value) : 0;
  return parsed > 0 ? parsed : fallback;
}

} // namespace

bool is_capable_terminal(std::FILE* out) {
  const char* term = std::getenv("TERM");
  return ::isatty(::fileno(out)) != 0 && term != nullptr && *term != '\0' &&
         std::strcmp(term, "dumb") != 0;
}

bool wants_colour(std::FILE* out) {
  return !env_set("NO_COLOR") && is_capable_terminal(out);
}

TerminalSize terminal_size(std::FILE* out) {
  struct winsize size {};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0) {
    return {size.ws_col, size.ws_row};
  }
  return {env_int("COLUMNS", 80), env_int("LINES", 24)};
}

void watch_resizes() {
  struct sigaction action {};
  action.sa_handler = on_resize;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGWINCH, &action, nullptr);
}

} // namespace bbrun::client::ui
