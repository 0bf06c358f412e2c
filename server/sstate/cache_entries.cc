// SPDX-License-Identifier: MIT
// Shared-state action-cache entries.
#include "server/sstate/cache_entries.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace bbrun::server::sstate {

using nlohmann::json;

namespace {

constexpr size_t k_sha256_digits = 64;

bool is_hex(std::string_view text, size_t digits) {
  return text.size() == digits && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// `field` of `entry` when `entry` is an object and the field a string.
std::optional<std::string> string_field(const json& entry, const char* field) {
  if (!entry.is_object() || !entry.contains(field) || !entry[field].is_string()) {
    return std::nullopt;
  }
  return entry[field].get<std::string>();
}

std::string equivalence_entry(std::string_view method, const char* field, std::string_view hash,
                              std::string_view unihash) {
  return json{{"method", method}, {field, hash}, {"unihash", unihash}}.dump();
}

// The unique hash of an equivalence entry whose `field` is `hash`, for `method`.
std::optional<std::string> unihash_of(std::string_view text, std::string_view method,
                                      const char* field, std::string_view hash) {
  auto entry = json::parse(text, nullptr, false);
  auto unihash = string_field(entry, "unihash");
  if (string_field(entry, "method") != method || string_field(entry, field) != hash || !unihash ||
      !is_task_hash(*unihash)) {
    return std::nullopt;
  }
  return unihash;
}

} // namespace

bool is_task_hash(std::string_view text) {
  return is_hex(text, k_task_hash_digits);
}

bool is_sha256(std::string_view text) {
  return is_hex(text, k_sha256_digits);
}

std::string object_entry(std::string_view method, const PackedObject& packed,
                         const std::vector<OutputDir>& outputs) {
  json words = json::array();
  for (const auto& output : outputs) {
    words.push_back(output.name);
  }
  return json{
      {"sha256", packed.sha256}, {"size", packed.size}, {"method", method}, {"outputs", words}}
      .dump();
}

std::optional<std::string> object_of(std::string_view text, std::string_view method) {
  auto entry = json::parse(text, nullptr, false);
  auto sha256 = string_field(entry, "sha256");
  if (string_field(entry, "method") != method || !sha256 || !is_sha256(*sha256)) {
    return std::nullopt;
  }
  return sha256;
}

std::string taskhash_entry(std::string_view method, std::string_view taskhash,
                           std::string_view unihash) {
  return equivalence_entry(method, "taskhash", taskhash, unihash);
}

std::optional<std::string> unihash_of_taskhash(std::string_view text, std::string_view method,
                                               std::string_view taskhash) {
  return unihash_of(text, method, "taskhash", taskhash);
}

std::string outhash_entry(std::string_view method, std::string_view outhash,
                          std::string_view unihash) {
  return equivalence_entry(method, "outhash", outhash, unihash);
}

std::optional<std::string> unihash_of_outhash(std::string_view text, std::string_view method,
                                              std::string_view outhash) {
  return unihash_of(text, method, "outhash", outhash);
}

} // namespace bbrun::server::sstate
