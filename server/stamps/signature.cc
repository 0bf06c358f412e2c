// SPDX-License-Identifier: MIT
// Task signature hashing.
#include "server/stamps/signature.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdint>

namespace bbrun::server::stamps {

namespace {

// FNV-1a over two independent 64-bit lanes: a 128-bit value is plenty to tell one task input
// from another; nothing here needs resistance to deliberate collisions.
struct Hasher {
  uint64_t a = 0xcbf29ce484222325ULL;
  uint64_t b = 0x84222325cbf29ce4ULL;

  void add(std::string_view data) {
    for (unsigned char c : data) {
      a = (a ^ c) * 0x100000001b3ULL;
      b = (b ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
    // A separator, so that ("ab", "c") and ("a", "bc") differ.
    a = (a ^ 0xff) * 0x100000001b3ULL;
    b = (b ^ 0xfe) * 0x100000001b3ULL;
  }

  std::string hex() const { return fmt::format("{:016x}{:016x}", a, b); }
};

} // namespace

Digest input_digest(std::string_view name, const std::optional<std::string>& value) {
  Hasher hasher;
  hasher.add(name);
  // Set or not is its own field, so an unset variable differs from any value.
  hasher.add(value ? "=" : "unset");
  hasher.add(value.value_or(""));
  return {hasher.a, hasher.b};
}

std::string inputs_hash(std::vector<Digest> digests) {
  std::sort(digests.begin(), digests.end());
  Hasher hasher;
  for (const auto& digest : digests) {
    hasher.add(std::string_view(reinterpret_cast<const char*>(&digest), sizeof digest));
  }
  return hasher.hex();
}

std::string task_signature(std::string_view inputs_hash,
                           const std::vector<std::string_view>& dep_signatures) {
  Hasher hasher;
  hasher.add(inputs_hash);
  for (auto dep : dep_signatures) {
    hasher.add(dep);
  }
  return hasher.hex();
}

} // namespace bbrun::server::stamps
