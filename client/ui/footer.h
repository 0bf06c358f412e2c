// SPDX-License-Identifier: MIT
// A block of status lines kept at the bottom of the terminal while other output scrolls above.
//
// The cursor rests at the start of the line below the footer. Each update moves up to the
// footer's first row, writes whatever should scroll away there, then the new footer, each line
// ending with erase-to-end-of-line, and erases what is left below. Lines are overwritten rather
// than blanked first, and an update is one write, so the footer does not flicker.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace bbrun::client::ui {

class Footer {
public:
  /// Draw on `out`, which the caller keeps open while the footer lives.
  explicit Footer(std::FILE* out) : m_out(out) {}
  Footer(const Footer&) = delete;
  Footer& operator=(const Footer&) = delete;
  /// Erases the footer, so that nothing of it stays on the screen.
  ~Footer() { clear(); }

  /// Print `above` (whole lines, each ending in '\n', or empty) where the footer was, so that
  /// it scrolls up, then draw `lines` below it. `lines` must fit in `columns` - 1 columns
  /// (the last column is left free so that no terminal wraps early).
  void draw(const std::string& above, const std::vector<std::string>& lines, int columns);

  /// Erase the footer; the cursor ends where the footer began.
  void clear() { draw({}, {}, m_columns); }

  /// The terminal is now `columns` wide. Terminals that rewrap their contents on a resize
  /// turn each footer line into more rows; count them so the next draw starts high enough.
  void resized(int columns) { m_columns = columns; }

  bool empty() const { return m_widths.empty(); }

private:
  /// Rows the footer occupies now, at the current width.
  int rows() const;

  std::FILE* m_out;
  std::vector<size_t> m_widths; ///< columns of each drawn line
  int m_columns = 80;
};

} // namespace bbrun::client::ui
