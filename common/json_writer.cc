// SPDX-License-Identifier: MIT
// JSON text writer.
#include "common/json_writer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace bbrun::common {

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

// The UTF-8 sequence at the start of `text`, which starts with a byte >= 0x80: how many bytes
// it spans and whether it is valid (no overlong forms, no surrogates, nothing past U+10FFFF).
// An invalid one spans its longest valid prefix, at least one byte, which is then replaced by
// one U+FFFD: Unicode's "maximal subpart" practice.
struct Utf8Sequence {
  size_t length;
  bool valid;
};

Utf8Sequence utf8_sequence(std::string_view text) {
  auto lead = static_cast<unsigned char>(text[0]);
  size_t needed = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF; // the range of the second byte; later ones are always 80..BF
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {1, false};
  }
  size_t length = 1;
  while (length < needed && length < text.size()) {
    auto byte = static_cast<unsigned char>(text[length]);
    if (byte < (length == 1 ? low : 0x80) || byte > (length == 1 ? high : 0xBF)) {
      break;
    }
    ++length;
  }
  return {length, length == needed};
}

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
  case '"':
    out += "\\\"";
    break;
  case '\\':
    out += "\\\\";
    break;
  case '\n':
    out += "\\n";
    break;
  case '\t':
    out += "\\t";
    break;
  case '\r':
    out += "\\r";
    break;
  case '\b':
    out += "\\b";
    break;
  case '\f':
    out += "\\f";
    break;
  default:
    fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
  }
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  size_t at = 0;
  while (at < text.size()) {
    // Copy the run of bytes that need nothing in one go: the common case is all of them.
    size_t run = at;
    while (run < text.size() && !needs_escape(static_cast<unsigned char>(text[run]))) {
      ++run;
    }
    out.append(text.data() + at, run - at);
    at = run;
    if (at == text.size()) {
      break;
    }
    auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) {
      append_escaped_ascii(out, c);
      ++at;
    } else {
      auto sequence = utf8_sequence(text.substr(at));
      if (sequence.valid) {
        out.append(text.data() + at, sequence.length);
      } else {
        out += k_replacement;
      }
      at += sequence.length;
    }
  }
  out += '"';
}

void JsonWriter::separate() {
  if (m_after_value) {
    m_out += ',';
  }
  m_after_value = true;
}

void JsonWriter::opened(char bracket) {
  separate();
  m_out += bracket;
  m_after_value = false;
}

void JsonWriter::closed(char bracket) {
  m_out += bracket;
  m_after_value = true;
}

JsonWriter& JsonWriter::begin_object() {
  opened('{');
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  closed('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  opened('[');
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  closed(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(m_out, name);
  m_out += ':';
  m_after_value = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(m_out, text);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t number) {
  separate();
  m_out += fmt::format_int(number).str();
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t number) {
  separate();
  m_out += fmt::format_int(number).str();
  return *this;
}

JsonWriter& JsonWriter::value(double number) {
  if (!std::isfinite(number)) {
    return null(); // JSON has no infinities or NaN; nlohmann writes null too
  }
  separate();
  fmt::format_to(std::back_inserter(m_out), "{}", number);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  m_out += flag ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  m_out += "null";
  return *this;
}

JsonWriter& JsonWriter::json(const nlohmann::json& node) {
  using Type = nlohmann::json::value_t;
  switch (node.type()) {
  case Type::object:
    begin_object();
    for (const auto& [name, member] : node.items()) {
      key(name).json(member);
    }
    return end_object();
  case Type::array:
    begin_array();
    for (const auto& element : node) {
      json(element);
    }
    return end_array();
  case Type::string:
    return value(std::string_view(node.get_ref<const std::string&>()));
  case Type::boolean:
    return value(node.get<bool>());
  case Type::number_integer:
    return value(node.get<int64_t>());
  case Type::number_unsigned:
    return value(node.get<uint64_t>());
  case Type::number_float:
    return value(node.get<double>());
  case Type::null:
  case Type::discarded:
  case Type::binary:
    break;
  }
  return null();
}

} // namespace bbrun::common
