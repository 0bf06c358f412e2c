// SPDX-License-Identifier: MIT
// A parsed recipe as bytes and back: the format of the parse cache on disk (server/parse_store).
#pragma once

#include "server/metadata/configuration.h"
#include "server/metadata/file_log.h"
#include "server/metadata/recipe.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::metadata {

/// Recipes as bytes, in two parts. A `snapshot` holds the header of every recipe of a parse
/// (file, PN, appends, provided names and file log), which loading the store reads at once; the
/// paths the logs name are listed once, in a table each log points into, so that checking what
/// changed costs a stat per path, not per path and recipe. A recipe's `layer`, its own datastore
/// (what it changed over the configuration) with a checksum, is needed only when something reads
/// its variables. The format belongs to this build of bbrun: the store keys it by build id.
std::string encode_snapshot(const std::vector<const Recipe*>& recipes);
std::string encode_layer(const Recipe& recipe);

/// A snapshot split, not yet decoded: its file table, and each recipe's entries in the table
/// with its header, a view into the snapshot's bytes (which must outlive it).
struct RecipeSnapshot {
  struct Entry {
    uint32_t first_file; ///< its file log: file_ids[first_file, first_file + file_count)
    uint32_t file_count;
    std::string_view header;
  };
  std::vector<LoggedPath> files;  ///< each path seen, with what was seen of it, once
  std::vector<uint32_t> file_ids; ///< indexes into `files`, the recipes' logs one after another
  std::vector<Entry> recipes;

  /// The indexes into `files` of the log of `recipe`.
  std::span<const uint32_t> files_of(const Entry& recipe) const {
    return {file_ids.data() + recipe.first_file, recipe.file_count};
  }
};
/// nullopt when `bytes` are not a whole snapshot (truncated, garbage).
std::optional<RecipeSnapshot> decode_snapshot(std::string_view bytes);

/// What the recipes of one load build their datastores from, on first use: the configuration
/// they were parsed over and each one's saved layer. Recipes may be decoded before their
/// configuration is loaded (a new server reads its parse cache meanwhile): the source must have
/// it by the time any of them is used. Used from any thread.
class RecipeSource {
public:
  virtual ~RecipeSource() = default;
  virtual const Configuration& configuration() const = 0;
  /// The saved layer of the recipe in `file`, or nullopt when it is not to be had.
  virtual std::optional<std::string> layer(const std::string& file) = 0;
};

/// Recipe `index` of `snapshot`. Its datastore is built on first use (RecipeData) from the layer
/// `source` yields, its python `def` functions then defined again through the configuration's
/// evaluator as parsing did; a layer that is missing or fails its checksum is logged, and the
/// recipe is parsed again from its file instead. nullopt when the header does not decode.
std::optional<Recipe> decode_recipe(const RecipeSnapshot& snapshot, size_t index,
                                    std::shared_ptr<RecipeSource> source);

std::string encode_file_log(const FileLog& log);
std::optional<FileLog> decode_file_log(std::string_view bytes);

} // namespace bbrun::server::metadata
