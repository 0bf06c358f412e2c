// SPDX-License-Identifier: MIT
// The parse cache on disk: parsed recipes kept in sqlite, so that a new server parses again only
// what changed since the last one.
//
// Format (PRAGMA user_version = k_format), in ${TMPDIR}/cache/bbrun-parse.db:
//   context(key TEXT PRIMARY KEY, value BLOB): "build_id", the bbrun binary that saved the
//     recipes (the encoding is its own); "configuration", the file log of the configuration
//     they were parsed over; "recipes", the snapshot of the last parse's recipes (recipe_codec.h)
//   layers(file TEXT PRIMARY KEY, layer BLOB): each recipe's own variables (recipe_codec.h)
// Saved recipes are offered only while the binary is the same and the configuration is parsed
// from the same text, and each only while the files it read are unchanged. A load reads the
// snapshot, one row: the layers are read, all at once, when the first recipe's variables are used,
// or before the store is written or closed, whichever comes first. The cache only ever saves work:
// a file that cannot be used is recreated.
#pragma once

#include "common/result.h"
#include "server/metadata/configuration.h"
#include "server/metadata/recipe.h"

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

struct sqlite3;

namespace bbrun::server {

class JoinableRounds;
class StoredRecipes;
struct SavedParse;

class ParseStore {
public:
  static constexpr int k_format = 3;

  /// Open or create the store at `path` (and its directory).
  static common::Result<ParseStore> open(const std::filesystem::path& path);
  /// The store at `path`, if there is one in this format, with what `load` reads, decodes and
  /// checks done already: for a new server to do while it parses its configuration, in
  /// `rounds` that the thread parsing it may join. Creates nothing and logs nothing.
  static std::optional<ParseStore> preload(const std::filesystem::path& path,
                                           metadata::SettledContents& settled,
                                           JoinableRounds& rounds);
  /// Where the store of `config` lives.
  static std::filesystem::path path_for(const metadata::Configuration& config,
                                        const std::filesystem::path& builddir);
  /// Where it lives when TMPDIR is `tmpdir`.
  static std::filesystem::path path_in(const std::filesystem::path& tmpdir);

  ParseStore(ParseStore&& other) noexcept;
  ParseStore& operator=(ParseStore&& other) noexcept;
  ~ParseStore();

  /// The saved recipes that still hold, read through `config` (loaded just now): saved by this
  /// binary over a configuration parsed from the same text, given the same appends by `config`,
  /// and none of the files they read or looked for changed since (as FileLog::unchanged judges,
  /// with `settled`). Their layers are read later, all at once.
  std::vector<metadata::Recipe> load(std::shared_ptr<const metadata::Configuration> config,
                                     metadata::SettledContents& settled);

  /// Save `recipes`, the whole result of a parse over `config`, in one transaction: the header
  /// of each, and the layers of those whose file is in `changed` (the others' are saved
  /// already). When what the store holds was parsed over another configuration (the last
  /// `load` found nothing usable) or a save failed since, every layer is written.
  common::Result<void> save(const metadata::Configuration& config,
                            const std::vector<const metadata::Recipe*>& recipes,
                            const std::unordered_set<std::string>& changed);

private:
  explicit ParseStore(sqlite3* db);
  /// Write the layers of `recipes` whose file is in `changed` (of all when it is null), and drop
  /// those of files not among them.
  bool write_layers(const std::vector<const metadata::Recipe*>& recipes,
                    const std::unordered_set<std::string>* changed);
  /// Read the layers the last load left in the store, before it changes or closes, if any
  /// recipe it returned is still alive to ask for its own.
  void keep_layers();

  sqlite3* m_db = nullptr;
  std::shared_ptr<StoredRecipes> m_layers; ///< of the last load
  std::unique_ptr<SavedParse> m_preloaded; ///< for the next load, by `preload`
  /// The store holds the context of the configuration last loaded or saved, and a layer for
  /// each recipe of its snapshot.
  bool m_context_current = false;
};

} // namespace bbrun::server
