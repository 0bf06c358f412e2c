// SPDX-License-Identifier: MIT
// The command line that runs one failed task again, ready to paste into a shell.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bbrun::client::ui {

/// `text` as one shell word: as is when it holds only safe characters, else single-quoted.
std::string shell_quote(std::string_view text);

/// How this client was started, as far as a rerun must repeat it.
struct RerunCommand {
  std::optional<std::string> builddir; ///< --builddir, when given

  /// "bbrun [--builddir DIR] -c TASK -f RECIPE": runs just `task` of `recipe`, even though
  /// its stamp may say otherwise.
  std::string for_task(std::string_view recipe, std::string_view task) const;
};

} // namespace bbrun::client::ui
