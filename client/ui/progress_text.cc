// SPDX-License-Identifier: MIT
// Small pieces of status text.
#include "client/ui/progress_text.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace bbrun::client::ui {

namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

std::string format_elapsed(double seconds) {
  auto whole = static_cast<long>(std::max(0.0, std::floor(seconds)));
  if (whole < 60) {
    return fmt::format("{}s", whole);
  }
  if (whole < 3600) {
    return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  }
  return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
}

std::string progress_bar(double fraction, size_t width) {
  if (width < 3) {
    return {};
  }
  size_t inside = width - 2;
  double clamped = std::clamp(fraction, 0.0, 1.0);
  auto filled = static_cast<size_t>(std::floor(clamped * static_cast<double>(inside)));
  return "[" + std::string(filled, '#') + std::string(inside - filled, ' ') + "]";
}

size_t display_width(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

std::string fit_to_width(std::string_view text, size_t width) {
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation_byte(text[i]) && columns++ == width) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

} // namespace bbrun::client::ui
