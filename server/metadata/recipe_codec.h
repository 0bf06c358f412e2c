// SPDX-License-Identifier: MIT
// A parsed recipe as bytes and back: the format of the parse cache on disk (server/parse_store).
#pragma once

#include "server/metadata/configuration.h"
#include "server/metadata/file_log.h"
#include "server/metadata/recipe.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bbrun::server::metadata {

/// A recipe as bytes, in two parts: its `header` (file, PN, appends, file log, provided names and
/// the checksum of its layer), which loading the store reads at once, and its own datastore
/// `layer` (what it changed over the configuration), which is needed only when something reads
/// its variables. The format belongs to this build of bbrun: the store keys it by build id.
struct EncodedRecipe {
  std::string header;
  std::string layer;
};
EncodedRecipe encode_recipe(const Recipe& recipe);

/// Where a decoded recipe's layer comes from on first use: the bytes of the recipe in `file`, or
/// nullopt when they are not to be had.
using LayerSource = std::function<std::optional<std::string>(const std::string& file)>;

/// The recipe whose header is `header`, over `config` (loaded just now). Its datastore is built
/// on first use (RecipeData) from what `layer` yields, its python `def` functions then defined
/// again through the configuration's evaluator as parsing did; layer bytes that are missing or
/// fail the header's checksum are logged, and the recipe is parsed again from its file instead.
/// nullopt when `header` is not a whole header (truncated, garbage).
std::optional<Recipe> decode_recipe(std::string_view header,
                                    std::shared_ptr<const Configuration> config, LayerSource layer);

std::string encode_file_log(const FileLog& log);
std::optional<FileLog> decode_file_log(std::string_view bytes);

} // namespace bbrun::server::metadata
