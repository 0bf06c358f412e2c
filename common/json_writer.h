// SPDX-License-Identifier: MIT
// JSON text written straight into a string. For the paths that run once per task (the inputs
// recorded with its stamp, its plan for the launcher, its events), where building an
// nlohmann::json first and serialising it costs more than everything else the cooker does for
// the task. Readers still parse with nlohmann::json.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace bbrun::common {

/// Append `text` as a JSON string literal: quotes, backslashes and control characters escaped,
/// each byte that is not part of valid UTF-8 replaced by U+FFFD (as nlohmann's
/// error_handler_t::replace does), everything else copied as it is.
void append_json_string(std::string& out, std::string_view text);

/// Commas are placed by the writer; the caller keeps objects and arrays balanced.
class JsonWriter {
public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// The key of the next member of the current object.
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(int64_t number);
  JsonWriter& value(uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(unsigned number) { return value(static_cast<uint64_t>(number)); }
  JsonWriter& value(double number);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  /// A whole nlohmann::json value, written as its dump() with error_handler_t::replace
  /// would write it (doubles may be spelled differently, with the same value).
  JsonWriter& json(const nlohmann::json& node);

  const std::string& text() const { return m_out; }
  std::string take() { return std::move(m_out); }

private:
  void separate();
  void opened(char bracket);
  void closed(char bracket);

  std::string m_out;
  bool m_after_value = false; ///< the next value, key or bracket needs a comma first
};

} // namespace bbrun::common
