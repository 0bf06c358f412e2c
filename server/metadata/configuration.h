// SPDX-License-Identifier: MIT
// Loading the configuration: bblayers.conf, each layer.conf, bitbake.conf, INHERIT, and the recipe
// list.
#pragma once

// Order, as BitBake's cookerdata.parseConfigurationFiles:
//   1. TOPDIR is the build directory; BUILD/conf/bblayers.conf sets BBLAYERS (required).
//   2. For each layer in BBLAYERS (relative paths are taken from TOPDIR): LAYERDIR and
//      LAYERDIR_RE are set while LAYER/conf/layer.conf is parsed, then the text ${LAYERDIR}
//      in what that file set is replaced by the layer's path.
//   3. BBPATH gets TOPDIR and then `default_metadata_dir` appended when they are not in it
//      yet: layers win over the build directory, which wins over the shipped defaults. With
//      TOPDIR on BBPATH, `include conf/local.conf` in bitbake.conf finds the build
//      directory's local.conf, as with the usual `BBPATH = "${TOPDIR}"` in bblayers.conf.
//   4. conf/bitbake.conf, the first one along BBPATH (required).
//   5. `inherit base` and each class in INHERIT, into the configuration itself; a recipe's
//      own `inherit base` is then a no-op, as in BitBake.
//   6. Recipes: BBFILES globs (relative ones from TOPDIR), minus BBMASK regexes; `.bbappend`
//      files are matched to recipes by basename (`%` matches any rest) and applied in
//      layer-priority order (BBFILE_COLLECTIONS, BBFILE_PATTERN_x, BBFILE_PRIORITY_x).

#include "common/result.h"
#include "server/metadata/datastore.h"
#include "server/metadata/file_log.h"
#include "server/metadata/parse_cache.h"
#include "server/metadata/python_hook.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace bbrun::server::metadata {

/// Where to load from.
struct LoadOptions {
  std::filesystem::path builddir;             ///< TOPDIR; holds conf/bblayers.conf
  std::filesystem::path default_metadata_dir; ///< shipped conf/bitbake.conf and classes/
  PythonEvaluator* python = nullptr;          ///< not owned; installed in every datastore
};

/// One layer collection from BBFILE_COLLECTIONS.
struct LayerCollection {
  std::string name;
  std::string pattern; ///< BBFILE_PATTERN_<name>, a regex matched at the start of a path
  int priority = 0;    ///< BBFILE_PRIORITY_<name>, or one more than the lowest given
};

/// The loaded configuration: an immutable datastore every recipe reads through, the recipe
/// files, and which .bbappend files apply to each. Safe to share between threads.
struct Configuration {
  std::shared_ptr<const DataStore> data;
  /// Sorted. Text rather than std::filesystem::path, which splits each into components: the
  /// list is made again, and compared, on every build.
  std::vector<std::string> recipe_files;
  /// For each recipe with appends (by its path's text), its .bbappend files in the order they
  /// apply.
  std::unordered_map<std::string, std::vector<std::filesystem::path>> appends;
  std::vector<std::filesystem::path> dangling_appends; ///< appends matching no recipe
  std::vector<LayerCollection> collections;            ///< in BBFILE_COLLECTIONS order
  std::shared_ptr<ParseCache> cache;                   ///< parsed classes and includes
  std::shared_ptr<const FileLog> files;                ///< what loading it read and looked for

  /// Return the .bbappend files for `recipe`, in the order they apply.
  const std::vector<std::filesystem::path>& appends_for(const std::string& recipe) const;

  /// Return the priority of the layer collection whose pattern matches `file`, else 0.
  int priority_of(const std::string& file) const;
};

/// Load the configuration as described at the top of this file. Fail with every error found
/// (syntax errors in all files, missing files, bad layers), one per line of the message.
common::Result<Configuration> load_configuration(const LoadOptions& options);

/// Find the recipe files and .bbappends of a loaded configuration again (BBFILES, BBMASK), as
/// load_configuration did: files may have appeared or gone since. Fails on a bad BBMASK.
common::Result<void> refresh_recipe_files(Configuration& config);

/// Whether the .bbappend named `append_name` applies to the recipe named `recipe_name`
/// (basenames): equal stems, or a `%` in the append that matches the rest of the name.
bool append_matches(std::string_view append_name, std::string_view recipe_name);

} // namespace bbrun::server::metadata
