// SPDX-License-Identifier: MIT
// A parsed recipe as bytes and back: the format of the parse cache on disk (server/parse_store).
#pragma once

#include "server/metadata/configuration.h"
#include "server/metadata/file_log.h"
#include "server/metadata/recipe.h"

#include <optional>
#include <string>
#include <string_view>

namespace bbrun::server::metadata {

/// The bytes of `recipe`: its file, PN, appends, file log, provided names and its own datastore
/// layer (what it changed over the configuration) with a checksum. The format belongs to this
/// build of bbrun: the store keys it by build id.
std::string encode_recipe(const Recipe& recipe);

/// The recipe saved by `encode_recipe`, reading through `config` again. Its datastore is decoded
/// when first used (RecipeData), its python `def` functions then defined again through the
/// configuration's evaluator as parsing did. nullopt when `bytes` are not a whole recipe
/// (truncated, garbage, a checksum that does not match).
std::optional<Recipe> decode_recipe(std::string_view bytes, const Configuration& config);

std::string encode_file_log(const FileLog& log);
std::optional<FileLog> decode_file_log(std::string_view bytes);

} // namespace bbrun::server::metadata
