// SPDX-License-Identifier: MIT
// NDJSON framing: one JSON object per '\n'-terminated line, each at most 1 MiB (SPEC.md).
//
// The decoder is incremental: feed it whatever a read returned, take the complete lines out.
// A line longer than the cap is never buffered whole: the decoder drops its bytes as they come
// and reports it once, when its end arrives, so one bad line costs at most the cap in memory
// and the stream stays usable after it.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::common {

inline constexpr size_t k_max_line_bytes = size_t{1} << 20;

struct Line {
  std::string text; ///< the line without its '\n'; empty when `too_long`
  bool too_long = false;
};

class LineDecoder {
public:
  explicit LineDecoder(size_t max_line_bytes = k_max_line_bytes) : m_max(max_line_bytes) {}

  /// Consume `data`; append every line it completes to `out`.
  void feed(std::string_view data, std::vector<Line>& out);

  /// Bytes held for the line in progress (never more than the cap).
  size_t buffered() const { return m_partial.size(); }

private:
  size_t m_max;
  std::string m_partial;
  bool m_discarding = false;
};

/// Serialise `message` as one line. Invalid UTF-8 in strings is replaced, never thrown.
std::string encode_line(const nlohmann::json& message);

} // namespace bbrun::common
