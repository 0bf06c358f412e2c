// SPDX-License-Identifier: MIT
// The command line that runs one failed task again.
#include "client/ui/rerun_command.h"

#include <fmt/core.h>

#include <algorithm>

namespace bbrun::client::ui {

namespace {

bool is_shell_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_-+=./:,@%").find(c) != std::string_view::npos;
}

} // namespace

std::string shell_quote(std::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_shell_safe)) {
    return std::string(text);
  }
  std::string quoted = "'";
  for (char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

std::string RerunCommand::for_task(std::string_view recipe, std::string_view task) const {
  std::string where = builddir ? " --builddir " + shell_quote(*builddir) : "";
  return fmt::format("bbrun{} -c {} -f {}", where, shell_quote(task), shell_quote(recipe));
}

} // namespace bbrun::client::ui
