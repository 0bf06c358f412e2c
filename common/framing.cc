// SPDX-License-Identifier: MIT
// NDJSON line decoder and encoder.
#include "common/framing.h"

#include "common/json_writer.h"

#include <nlohmann/json.hpp>

namespace bbrun::common {

void LineDecoder::feed(std::string_view data, std::vector<Line>& out) {
  while (!data.empty()) {
    size_t newline = data.find('\n');
    std::string_view piece = data.substr(0, newline);
    if (!m_discarding) {
      if (m_partial.size() + piece.size() > m_max) {
        m_discarding = true;
        m_partial.clear();
        m_partial.shrink_to_fit();
      } else {
        m_partial.append(piece);
      }
    }
    if (newline == std::string_view::npos) {
      return;
    }
    if (m_discarding) {
      out.push_back(Line{{}, true});
      m_discarding = false;
    } else {
      out.push_back(Line{std::move(m_partial), false});
      m_partial.clear();
    }
    data.remove_prefix(newline + 1);
  }
}

std::string encode_line(const nlohmann::json& message) {
  JsonWriter writer;
  writer.json(message);
  std::string line = writer.take();
  line.push_back('\n');
  return line;
}

} // namespace bbrun::common
