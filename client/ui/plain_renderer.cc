// SPDX-License-Identifier: MIT
// Plain mode: one line per event, for logs and pipes.
#include "client/ui/event_text.h"
#include "client/ui/renderer.h"

#include <fmt/core.h>

namespace bbrun::client::ui {

namespace {

class PlainRenderer final : public Renderer {
public:
  PlainRenderer(std::FILE* out, RendererOptions options)
      : m_out(out), m_text(options.verbosity, std::move(options.rerun)) {}

  void render(const common::protocol::Json& event) override { print(m_text.lines_for(event)); }

  void interrupted(int count) override { print(m_text.interrupted(count)); }

private:
  void print(const std::vector<Line>& lines) {
    for (const auto& line : lines) {
      fmt::print(m_out, "{}{}\n", level_prefix(line.level), line.text);
    }
    std::fflush(m_out);
  }

  std::FILE* m_out;
  EventText m_text;
};

} // namespace

std::unique_ptr<Renderer> make_plain_renderer(std::FILE* out, RendererOptions options) {
  return std::make_unique<PlainRenderer>(out, std::move(options));
}

} // namespace bbrun::client::ui
