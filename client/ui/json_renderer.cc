// SPDX-License-Identifier: MIT
// JSON mode: the events as they arrive, for editors and tools.
#include "client/ui/renderer.h"
#include "common/framing.h"

namespace bbrun::client::ui {

namespace {

class JsonRenderer final : public Renderer {
public:
  JsonRenderer(std::FILE* out, std::FILE* notes)
      : m_out(out), m_notes(make_plain_renderer(notes, {})) {}

  void render(const common::protocol::Json& event) override {
    std::string line = common::encode_line(event);
    std::fwrite(line.data(), 1, line.size(), m_out);
    std::fflush(m_out);
  }

  void interrupted(int count) override { m_notes->interrupted(count); }

private:
  std::FILE* m_out;
  std::unique_ptr<Renderer> m_notes; ///< says what Ctrl-C does, in words, off the JSON stream
};

} // namespace

std::unique_ptr<Renderer> make_json_renderer(std::FILE* out, std::FILE* notes) {
  return std::make_unique<JsonRenderer>(out, notes);
}

} // namespace bbrun::client::ui
