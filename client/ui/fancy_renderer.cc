// SPDX-License-Identifier: MIT
// Fancy mode: messages scroll above a footer that shows progress, redrawn in place.
#include "client/ui/event_text.h"
#include "client/ui/footer.h"
#include "client/ui/live_status.h"
#include "client/ui/renderer.h"

#include <fmt/core.h>

namespace bbrun::client::ui {

namespace {

// The footer follows task starts and ends at most this often; messages show at once.
constexpr double k_redraw_interval = 0.1;
// Elapsed times are shown in whole seconds.
constexpr double k_clock_interval = 1.0;

std::string_view colour_of(Level level) {
  switch (level) {
  case Level::warning:
    return "\x1b[1;33m";
  case Level::error:
    return "\x1b[1;31m";
  default:
    return {};
  }
}

class FancyRenderer final : public Renderer {
public:
  FancyRenderer(std::FILE* out, RendererOptions options, FancyDisplay display)
      : m_verbosity(options.verbosity), m_text(options.verbosity, std::move(options.rerun)),
        m_display(std::move(display)), m_size(m_display.size()), m_footer(out) {
    m_footer.resized(m_size.columns);
  }

  void render(const common::protocol::Json& event) override {
    std::string above = format(m_text.lines_for(event));
    bool changed = m_status.update(event);
    if (!above.empty() || (changed && m_status.lines(0, m_size).empty())) {
      draw(above);
    } else if (changed) {
      m_dirty = true;
    }
  }

  void interrupted(int count) override { draw(format(m_text.interrupted(count))); }

  void tick() override {
    TerminalSize size = m_display.size();
    if (size.columns != m_size.columns || size.rows != m_size.rows) {
      m_size = size;
      m_footer.resized(size.columns);
      m_dirty = true;
    }
    double since = m_display.now() - m_last_draw;
    if ((m_dirty && since >= k_redraw_interval) ||
        (!m_footer.empty() && since >= k_clock_interval)) {
      draw({});
    }
  }

  int tick_interval_ms() const override { return static_cast<int>(k_redraw_interval * 1000); }

private:
  std::string format(const std::vector<Line>& lines) const {
    std::string text;
    for (const auto& line : lines) {
      if (line.kind == LineKind::task_progress && m_verbosity < 1) {
        continue; // the footer shows it
      }
      std::string_view prefix = level_prefix(line.level);
      std::string_view colour = m_display.colour ? colour_of(line.level) : "";
      if (!colour.empty() && !prefix.empty()) {
        // Colour the word, not the space after it.
        text += fmt::format("{}{}\x1b[0m ", colour, prefix.substr(0, prefix.size() - 1));
      } else {
        text += prefix;
      }
      text += line.text;
      text += '\n';
    }
    return text;
  }

  void draw(const std::string& above) {
    double now = m_display.now();
    m_footer.draw(above, m_status.lines(now, m_size), m_size.columns);
    m_last_draw = now;
    m_dirty = false;
  }

  int m_verbosity;
  EventText m_text;
  FancyDisplay m_display;
  TerminalSize m_size;
  LiveStatus m_status;
  Footer m_footer; ///< last: erased before anything it draws with goes away
  double m_last_draw = 0;
  bool m_dirty = false;
};

} // namespace

FancyDisplay terminal_display(std::FILE* out) {
  return {wants_colour(out), [out] { return terminal_size(out); },
          [] { return common::protocol::monotonic_seconds(); }};
}

std::unique_ptr<Renderer> make_fancy_renderer(std::FILE* out, RendererOptions options,
                                              FancyDisplay display) {
  return std::make_unique<FancyRenderer>(out, std::move(options), std::move(display));
}

} // namespace bbrun::client::ui
