// SPDX-License-Identifier: MIT
// What the client needs to know about the terminal it draws on: size, colour, resizes.
#pragma once

#include <cstdio>

namespace bbrun::client::ui {

struct TerminalSize {
  int columns = 80;
  int rows = 24;
};

/// Whether `out` is a terminal that understands cursor movement: a TTY whose TERM is set and
/// not "dumb". Decides `--ui` when the user did not.
bool is_capable_terminal(std::FILE* out);

/// Whether to colour output: not when NO_COLOR is set to anything non-empty (no-color.org),
/// nor on a terminal that cannot move the cursor.
bool wants_colour(std::FILE* out);

/// The size of the terminal behind `out`; when it is not one, COLUMNS and LINES, else 80x24.
TerminalSize terminal_size(std::FILE* out);

/// Catch SIGWINCH so that it interrupts a blocked poll (EINTR): the caller then asks for the
/// size again and redraws at once rather than at its next tick.
void watch_resizes();

} // namespace bbrun::client::ui
