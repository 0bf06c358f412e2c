// SPDX-License-Identifier: MIT
// Provider resolution.
#include "server/runqueue/recipe_index.h"

#include "server/metadata/tasks.h"

#include <fmt/core.h>

namespace bbrun::server::runqueue {

RecipeIndex::RecipeIndex(std::vector<metadata::Recipe> recipes) : m_recipes(std::move(recipes)) {
  // PN always wins over another recipe's PROVIDES of the same name.
  for (uint32_t i = 0; i < m_recipes.size(); ++i) {
    auto provides = m_recipes[i].data->get_var("PROVIDES");
    if (provides && *provides) {
      for (auto& name : metadata::split_words(**provides)) {
        m_providers.emplace(std::move(name), i);
      }
    }
  }
  for (uint32_t i = 0; i < m_recipes.size(); ++i) {
    m_providers[m_recipes[i].pn] = i;
  }
}

common::Result<uint32_t> RecipeIndex::resolve(std::string_view name,
                                              std::string_view wanted_by) const {
  auto it = m_providers.find(std::string(name));
  if (it == m_providers.end()) {
    if (wanted_by.empty()) {
      return common::fail(common::ErrorKind::usage, fmt::format("Nothing PROVIDES '{}'", name));
    }
    return common::fail(common::ErrorKind::usage,
                        fmt::format("Nothing PROVIDES '{}' (wanted by {})", name, wanted_by));
  }
  return it->second;
}

} // namespace bbrun::server::runqueue
