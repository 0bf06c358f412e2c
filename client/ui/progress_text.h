// SPDX-License-Identifier: MIT
// Small pieces of status text: elapsed times, progress bars, lines cut to a terminal's width.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bbrun::client::ui {

/// `seconds` as a short duration: "7s", "1m05s", "2h03m". Negative values count as 0.
std::string format_elapsed(double seconds);

/// A bar `width` columns wide, brackets included, filled to `fraction` (clamped to 0..1):
/// "[####      ]". Empty when `width` < 3.
std::string progress_bar(double fraction, size_t width);

/// How many columns `text` takes: UTF-8 code points, not bytes (no escape sequences expected).
size_t display_width(std::string_view text);

/// `text` cut to at most `width` columns, never inside a UTF-8 sequence.
std::string fit_to_width(std::string_view text, size_t width);

} // namespace bbrun::client::ui
