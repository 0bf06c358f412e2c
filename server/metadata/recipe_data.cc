// SPDX-License-Identifier: MIT
// Deferred recipe datastores.
#include "server/metadata/recipe_data.h"

namespace bbrun::server::metadata {

RecipeData RecipeData::deferred(Builder build) {
  RecipeData data;
  data.m_deferred = std::make_shared<Deferred>();
  data.m_deferred->build = std::move(build);
  return data;
}

const std::shared_ptr<DataStore>& RecipeData::get() const {
  if (!m_deferred) {
    return m_data;
  }
  Deferred& deferred = *m_deferred;
  std::call_once(deferred.once, [&deferred] {
    deferred.data = deferred.build();
    deferred.build = nullptr; // what it held (the encoded bytes) is not needed any more
    deferred.built = true;
  });
  return deferred.data;
}

bool RecipeData::built() const {
  return !m_deferred || m_deferred->built;
}

} // namespace bbrun::server::metadata
