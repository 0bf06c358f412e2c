// SPDX-License-Identifier: MIT
// Parsing everything a command needs, the configuration and every recipe, with progress
// events; kept between commands and parsed again only where files changed.
#pragma once

#include "common/result.h"
#include "server/event_sink.h"
#include "server/metadata/configuration.h"
#include "server/metadata/file_log.h"
#include "server/metadata/recipe.h"
#include "server/parallel.h"
#include "server/parse_store.h"

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bbrun::server {

struct ParsedMetadata {
  metadata::Configuration config;
  std::vector<metadata::Recipe> recipes; ///< the recipes that parsed, in file order
  std::vector<std::string> errors;       ///< "file:line: message" of every failure
};

/// The parsed metadata of one build directory, kept between commands. Each `parse` looks at
/// what changed on disk since the last one (every file each parse read or looked for, and
/// the recipe files BBFILES finds now): nothing, and the last result is returned as is; a
/// recipe, or an include, class or .bbappend it uses, and that recipe is parsed again; a
/// configuration file, and everything is. Recipes that failed are parsed every time. What is
/// parsed is also saved in a ParseStore, where a new server finds it.
class MetadataCache {
public:
  explicit MetadataCache(metadata::LoadOptions options) : m_options(std::move(options)) {}

  /// Announce ParseStarted, ParseProgress (at most ten a second) and ParseCompleted (with how
  /// many recipes came from the cache) on `events`. Recipes are parsed on several threads;
  /// every thread has finished when this returns, so none is left running when the caller
  /// later forks. Fails only when the configuration cannot be loaded; recipe errors are in
  /// `errors`.
  common::Result<std::shared_ptr<const ParsedMetadata>> parse(EventSink& events);

  /// Start reading the parse cache on a thread of its own, for the first `parse` to take: a new
  /// server is asked to parse almost always, and can decode the saved recipes and check them
  /// against the disk while it parses its configuration (and then helps). Only the store where
  /// TMPDIR is `${TOPDIR}/tmp`, the usual place, is read ahead. Call before the first parse; the
  /// thread has finished when that parse returns.
  void preload();
  /// Drop what `preload` read if no parse took it: the files it checked may have changed since
  /// (a parse for a later command). Waits for its thread.
  void drop_preloaded();

  /// How many parsed recipes are kept for the next command.
  size_t cached_recipes() const { return m_last ? m_last->recipes.size() : 0; }

private:
  /// The last result's configuration, with its recipe files found again, if none of its files
  /// changed.
  std::optional<metadata::Configuration> unchanged_configuration();
  /// The recipes saved by an earlier server that still hold for `config`, from the store
  /// `preloaded` if it is the one `config` names.
  std::vector<metadata::Recipe> saved_recipes(const metadata::Configuration& config,
                                              std::optional<ParseStore> preloaded);
  void save(const ParsedMetadata& parsed, const std::vector<std::filesystem::path>& fresh);

  metadata::LoadOptions m_options;
  metadata::SettledContents m_settled; ///< spares reading files again in later checks
  std::filesystem::path m_preloaded_path;
  JoinableRounds m_preload_rounds; ///< the read-ahead's work, which the first parse joins
  std::future<std::optional<ParseStore>> m_preloaded; ///< after what its thread uses
  std::optional<ParseStore> m_store;
  std::filesystem::path m_store_path; ///< where m_store is: TMPDIR may change between parses
  std::shared_ptr<const ParsedMetadata> m_last; ///< after m_store: gone before it closes
};

/// Send one LogMessage event of `level` ("note", "warning", "error", ...).
void send_log_message(EventSink& events, std::string_view level, std::string_view message);

} // namespace bbrun::server
