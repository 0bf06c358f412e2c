// SPDX-License-Identifier: MIT
// The parsed recipes of a build, and which recipe provides which name.
#pragma once

#include "common/result.h"
#include "server/metadata/recipe.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bbrun::server::runqueue {

/// Recipes by index, with PN and PROVIDES resolved to the recipe that provides them.
class RecipeIndex {
public:
  explicit RecipeIndex(std::vector<metadata::Recipe> recipes);

  size_t size() const { return m_recipes.size(); }
  const metadata::Recipe& operator[](uint32_t index) const { return m_recipes[index]; }

  /// The recipe providing `name`. Fails with ErrorKind::usage naming `wanted_by` when nothing
  /// provides it.
  common::Result<uint32_t> resolve(std::string_view name, std::string_view wanted_by) const;

private:
  std::vector<metadata::Recipe> m_recipes;
  std::unordered_map<std::string, uint32_t> m_providers;
};

} // namespace bbrun::server::runqueue
