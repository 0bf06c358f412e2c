// SPDX-License-Identifier: MIT
// Provider resolution.
#include "server/runqueue/recipe_index.h"

#include "server/metadata/tasks.h"
#include "server/metadata/version.h"

#include <fmt/core.h>

#include <algorithm>

namespace bbrun::server::runqueue {

namespace {

bool version_matches(std::string_view preferred, const std::string& pv) {
  if (!preferred.empty() && preferred.back() == '%') {
    return pv.starts_with(preferred.substr(0, preferred.size() - 1));
  }
  return pv == preferred;
}

} // namespace

RecipeIndex::RecipeIndex(std::vector<metadata::Recipe> recipes,
                         const metadata::Configuration& config)
    : m_recipes(std::move(recipes)) {
  Candidates by_pn, by_provides, runtime;
  for (uint32_t i = 0; i < m_recipes.size(); ++i) {
    const auto& recipe = m_recipes[i];
    by_pn[recipe.pn].push_back(i);
    for (const auto& name : recipe.names.provides) {
      by_provides[name].push_back(i);
    }
    runtime[recipe.pn].push_back(i);
    for (const auto& name : recipe.names.runtime) {
      runtime[name].push_back(i);
    }
  }
  // A name some recipe has as PN is never taken by another recipe's PROVIDES.
  for (const auto& [name, indices] : by_pn) {
    by_provides.erase(name);
  }
  choose_all(by_pn, config, m_providers);
  choose_all(by_provides, config, m_providers);
  choose_all(runtime, config, m_runtime_providers);
}

void RecipeIndex::choose_all(const Candidates& candidates, const metadata::Configuration& config,
                             std::unordered_map<std::string, uint32_t>& chosen) {
  for (const auto& [name, indices] : candidates) {
    chosen[name] = choose(name, indices, config);
  }
}

uint32_t RecipeIndex::choose(const std::string& name, const std::vector<uint32_t>& candidates,
                             const metadata::Configuration& config) {
  std::vector<uint32_t> pool = candidates;
  std::string preferred = metadata::value_or_empty(*config.data, "PREFERRED_PROVIDER_" + name);
  if (!preferred.empty()) {
    std::erase_if(pool, [&](uint32_t i) { return m_recipes[i].pn != preferred; });
    if (pool.empty()) {
      m_notes.push_back(
          fmt::format("PREFERRED_PROVIDER_{} = \"{}\" provides nothing; ignored", name, preferred));
      pool = candidates;
    }
  }
  auto pv = [this](uint32_t i) -> const std::string& { return m_recipes[i].names.pv; };
  // Rank: preferred version, then layer priority, then version, then file name for stability.
  auto better = [&](uint32_t a, uint32_t b) {
    std::string wanted =
        metadata::value_or_empty(*config.data, "PREFERRED_VERSION_" + m_recipes[a].pn);
    bool a_wanted = !wanted.empty() && version_matches(wanted, pv(a));
    bool b_wanted = !wanted.empty() && version_matches(wanted, pv(b));
    if (a_wanted != b_wanted) {
      return a_wanted;
    }
    int a_priority = config.priority_of(m_recipes[a].file);
    int b_priority = config.priority_of(m_recipes[b].file);
    if (a_priority != b_priority) {
      return a_priority > b_priority;
    }
    if (int order = metadata::compare_versions(pv(a), pv(b)); order != 0) {
      return order > 0;
    }
    return std::filesystem::path(m_recipes[a].file) < std::filesystem::path(m_recipes[b].file);
  };
  uint32_t best = *std::min_element(pool.begin(), pool.end(), better);
  bool several_recipes = std::any_of(
      pool.begin(), pool.end(), [&](uint32_t i) { return m_recipes[i].pn != m_recipes[best].pn; });
  if (several_recipes && preferred.empty()) {
    m_notes.push_back(fmt::format("Multiple providers are available for {}; chose {}. Set "
                                  "PREFERRED_PROVIDER_{} to choose another.",
                                  name, m_recipes[best].pn, name));
  }
  return best;
}

common::Result<uint32_t> RecipeIndex::resolve(std::string_view name,
                                              std::string_view wanted_by) const {
  auto it = m_providers.find(std::string(name));
  if (it == m_providers.end()) {
    return common::fail(common::ErrorKind::usage,
                        wanted_by.empty()
                            ? fmt::format("Nothing PROVIDES '{}'", name)
                            : fmt::format("Nothing PROVIDES '{}' (wanted by {})", name, wanted_by));
  }
  return it->second;
}

common::Result<uint32_t> RecipeIndex::resolve_runtime(std::string_view name,
                                                      std::string_view wanted_by) const {
  auto it = m_runtime_providers.find(std::string(name));
  if (it == m_runtime_providers.end()) {
    return common::fail(common::ErrorKind::usage,
                        fmt::format("Nothing RPROVIDES '{}' (wanted by {})", name, wanted_by));
  }
  return it->second;
}

} // namespace bbrun::server::runqueue
