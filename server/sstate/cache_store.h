// SPDX-License-Identifier: MIT
// Where shared-state objects live: a content-addressed store of objects (`cas`, named by the
// SHA-256 of their bytes) and an action cache of small entries (`ac`, named by a key derived
// from a task's hash), as in bazel-remote's HTTP cache and its on-disk layout. The same two
// namespaces serve a local SSTATE_DIR, read-only mirror directories and an HTTP server.
#pragma once

#include "common/result.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::sstate {

/// Which kind of place an object came from, as the summary counts them.
enum class StoreKind { local, mirror, http };

/// "local", "mirror" or "http".
std::string_view store_kind_name(StoreKind kind);

/// One cache location. Errors are transport errors (a server that does not answer, a
/// directory that cannot be read); absence is not an error.
class CacheStore {
public:
  virtual ~CacheStore() = default;

  virtual StoreKind kind() const = 0;
  /// Where messages say the store is (a directory or a URL).
  virtual std::string where() const = 0;
  /// Whether puts are allowed (mirrors are read-only).
  virtual bool writable() const = 0;

  /// The action-cache entry `key` (64 hex digits), or nullopt when there is none.
  virtual common::Result<std::optional<std::string>> get_entry(std::string_view key) = 0;
  /// The entries `keys`, in order, as get_entry gives each; fails when any request fails. A
  /// store whose requests wait on a network sends several at once.
  virtual common::Result<std::vector<std::optional<std::string>>>
  get_entries(const std::vector<std::string>& keys) {
    std::vector<std::optional<std::string>> out;
    for (const auto& key : keys) {
      auto entry = get_entry(key);
      if (!entry) {
        return common::fail(entry.error());
      }
      out.push_back(std::move(*entry));
    }
    return out;
  }
  /// Copy the object `sha256` to the new file `destination`; false when there is no such
  /// object (and then no file is left).
  virtual common::Result<bool> fetch_object(std::string_view sha256,
                                            const std::filesystem::path& destination) = 0;
  /// Store the entry `key`, replacing any old one.
  virtual common::Result<void> put_entry(std::string_view key, std::string_view text) = 0;
  /// Store the file `source` as the object `sha256`.
  virtual common::Result<void> put_object(std::string_view sha256,
                                          const std::filesystem::path& source) = 0;
};

} // namespace bbrun::server::sstate
