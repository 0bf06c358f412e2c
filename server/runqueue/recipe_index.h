// SPDX-License-Identifier: MIT
// The parsed recipes of a build, and which recipe provides which name.
#pragma once

#include "common/result.h"
#include "server/metadata/configuration.h"
#include "server/metadata/recipe.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bbrun::server::runqueue {

/// Recipes by index, with build-time names (PN, PROVIDES) and runtime names (PN, PACKAGES,
/// RPROVIDES:<package>) resolved to one recipe each, as BitBake's providers.py does:
///   1. recipes whose PN is the name beat recipes that only PROVIDE it;
///   2. PREFERRED_PROVIDER_<name> picks among different recipes;
///   3. PREFERRED_VERSION_<pn> (a trailing % matches any rest) picks among versions of one;
///   4. otherwise the highest layer priority, then the highest version, wins.
class RecipeIndex {
public:
  RecipeIndex(std::vector<metadata::Recipe> recipes, const metadata::Configuration& config);

  size_t size() const { return m_recipes.size(); }
  const metadata::Recipe& operator[](uint32_t index) const { return m_recipes[index]; }

  /// The recipe providing `name` at build time. Fails with ErrorKind::usage naming
  /// `wanted_by` when nothing provides it.
  common::Result<uint32_t> resolve(std::string_view name, std::string_view wanted_by) const;
  /// The recipe providing the runtime package `name` (RDEPENDS entries).
  common::Result<uint32_t> resolve_runtime(std::string_view name, std::string_view wanted_by) const;

  /// Notes about choices made between several providers, for the user.
  const std::vector<std::string>& notes() const { return m_notes; }

private:
  using Candidates = std::unordered_map<std::string, std::vector<uint32_t>>;
  void choose_all(const Candidates& candidates, const metadata::Configuration& config,
                  std::unordered_map<std::string, uint32_t>& chosen);
  uint32_t choose(const std::string& name, const std::vector<uint32_t>& candidates,
                  const metadata::Configuration& config);

  std::vector<metadata::Recipe> m_recipes;
  std::unordered_map<std::string, uint32_t> m_providers;
  std::unordered_map<std::string, uint32_t> m_runtime_providers;
  std::vector<std::string> m_notes;
};

} // namespace bbrun::server::runqueue
