// SPDX-License-Identifier: MIT
// The process-wide name table behind Symbol, sharded so parser threads rarely contend.
#include "server/metadata/symbol.h"

#include <array>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>

namespace bbrun::server::metadata {

namespace {

constexpr std::size_t k_shard_count = 32;

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Readers share the lock: most calls find a name interned long ago, and threads decoding or
// parsing recipes ask for the same few names (their classes and includes) at once.
struct Shard {
  std::shared_mutex mutex;
  // Node-based set: element addresses stay valid while other names are inserted.
  std::unordered_set<std::string, TextHash, std::equal_to<>> names;
};

// Never destroyed: symbols may be used by static objects during shutdown.
std::array<Shard, k_shard_count>& shards() {
  static auto* table = new std::array<Shard, k_shard_count>();
  return *table;
}

Shard& shard_of(std::string_view text) {
  return shards()[TextHash{}(text) % k_shard_count];
}

const std::string* intern(std::string_view text) {
  Shard& shard = shard_of(text);
  {
    std::shared_lock lock(shard.mutex);
    if (auto it = shard.names.find(text); it != shard.names.end()) {
      return &*it;
    }
  }
  std::lock_guard lock(shard.mutex);
  return &*shard.names.emplace(text).first;
}

} // namespace

Symbol::Symbol() {
  static const std::string* empty = intern("");
  m_text = empty;
}

Symbol::Symbol(std::string_view text) : m_text(intern(text)) {}

std::optional<Symbol> Symbol::find(std::string_view text) {
  Shard& shard = shard_of(text);
  std::shared_lock lock(shard.mutex);
  auto it = shard.names.find(text);
  return it == shard.names.end() ? std::nullopt : std::optional<Symbol>(Symbol(&*it));
}

} // namespace bbrun::server::metadata
