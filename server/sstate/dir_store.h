// SPDX-License-Identifier: MIT
// A cache store in a directory: SSTATE_DIR itself, or a file:// mirror of SSTATE_MIRRORS.
//
// Layout (the same in SSTATE_DIR and in any mirror made by copying one):
//   ac/<first two digits>/<key>        entries
//   cas/<first two digits>/<sha256>    objects
// Every file is written under a temporary name in its final directory and renamed into place,
// so a reader never sees half a file, whatever kills the writer.
#pragma once

#include "server/sstate/cache_store.h"

namespace bbrun::server::sstate {

class DirStore final : public CacheStore {
public:
  DirStore(std::filesystem::path root, StoreKind kind) : m_root(std::move(root)), m_kind(kind) {}

  StoreKind kind() const override { return m_kind; }
  std::string where() const override { return m_root.string(); }
  bool writable() const override { return m_kind == StoreKind::local; }

  common::Result<std::optional<std::string>> get_entry(std::string_view key) override;
  common::Result<bool> fetch_object(std::string_view sha256,
                                    const std::filesystem::path& destination) override;
  common::Result<void> put_entry(std::string_view key, std::string_view text) override;
  common::Result<void> put_object(std::string_view sha256,
                                  const std::filesystem::path& source) override;

  /// Where the object `sha256` is (whether or not it exists).
  std::filesystem::path object_path(std::string_view sha256) const;
  /// Where the entry `key` is (whether or not it exists).
  std::filesystem::path entry_path(std::string_view key) const;
  /// A new temporary file's path in the directory of `final_path`, for a write then rename.
  static std::filesystem::path temp_beside(const std::filesystem::path& final_path);

private:
  std::filesystem::path m_root;
  StoreKind m_kind;
};

} // namespace bbrun::server::sstate
