// SPDX-License-Identifier: MIT
// The parse cache on disk: parsed recipes kept in sqlite, so that a new server parses again only
// what changed since the last one.
//
// Format (PRAGMA user_version = k_format), in ${TMPDIR}/cache/bbrun-parse.db:
//   context(key TEXT PRIMARY KEY, value BLOB): "build_id", the bbrun binary that saved the
//     recipes (the encoding is its own), and "configuration", the file log of the configuration
//     they were parsed over
//   recipes(file TEXT PRIMARY KEY, header BLOB) and layers(file TEXT PRIMARY KEY, layer BLOB),
//     each recipe's two parts as recipe_codec.h encodes them
// Saved recipes are offered only while the binary is the same and the configuration's files are
// unchanged; the caller then checks each against its own file log, as for recipes kept in
// memory. A load reads the headers only: the layers are read, all at once, when the first
// recipe's variables are used, or before the store is written or closed, whichever comes
// first. The cache only ever saves work: a file that cannot be used is recreated.
#pragma once

#include "common/result.h"
#include "server/metadata/configuration.h"
#include "server/metadata/recipe.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

struct sqlite3;

namespace bbrun::server {

class StoredLayers;

class ParseStore {
public:
  static constexpr int k_format = 2;

  /// Open or create the store at `path` (and its directory).
  static common::Result<ParseStore> open(const std::filesystem::path& path);
  /// Where the store of `config` lives.
  static std::filesystem::path path_for(const metadata::Configuration& config,
                                        const std::filesystem::path& builddir);

  ParseStore(ParseStore&& other) noexcept;
  ParseStore& operator=(ParseStore&& other) noexcept;
  ~ParseStore();

  /// Which of the loaded recipes still hold (a flag for each).
  using Validator = std::function<std::vector<char>(const std::vector<metadata::Recipe>&)>;

  /// The saved recipes that `holds` accepts, read through `config` (loaded just now), when they
  /// were saved by this binary over a configuration whose files are unchanged; else none.
  /// Entries that cannot be decoded are left out. Only the layers of the recipes returned are
  /// read later.
  std::vector<metadata::Recipe> load(std::shared_ptr<const metadata::Configuration> config,
                                     const Validator& holds);

  /// Save `recipes`, parsed over `config`, in one transaction. When the recipes already saved
  /// were parsed over another configuration (the last `load` found none usable), they are
  /// dropped first.
  common::Result<void> save(const metadata::Configuration& config,
                            const std::vector<const metadata::Recipe*>& recipes);

private:
  explicit ParseStore(sqlite3* db) : m_db(db) {}
  bool context_matches(const metadata::Configuration& config);
  /// Read the layers the last load left in the store, before it changes or closes.
  void keep_layers();

  sqlite3* m_db = nullptr;
  std::shared_ptr<StoredLayers> m_layers; ///< of the last load
  bool m_context_current = false; ///< the saved context is `config`'s, as of the last load/save
};

} // namespace bbrun::server
