// SPDX-License-Identifier: MIT
// A recipe's datastore, built the first time it is used.
#pragma once

#include "server/metadata/datastore.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace bbrun::server::metadata {

/// Points at a recipe's DataStore like a shared_ptr. One made by `deferred` builds the store on
/// first use: the parse cache decodes a recipe's variables only when something reads them, so
/// a server starting from the cache does not decode the recipes no build needs (BitBake keeps
/// only a summary of each recipe in its cache for the same reason). Copies share the store and
/// its one decoding; using it from several threads at once is safe.
class RecipeData {
public:
  using Builder = std::function<std::shared_ptr<DataStore>()>;

  RecipeData() = default;
  RecipeData(std::shared_ptr<DataStore> data) : m_data(std::move(data)) {} // NOLINT: implicit
  /// A store that `build` makes on first use; `build` must not return null.
  static RecipeData deferred(Builder build);

  const std::shared_ptr<DataStore>& get() const;
  operator const std::shared_ptr<DataStore>&() const { return get(); } // NOLINT: implicit
  DataStore& operator*() const { return *get(); }
  DataStore* operator->() const { return get().get(); }
  /// Whether the store was built already (or never needed building).
  bool built() const;

private:
  struct Deferred {
    std::once_flag once;
    Builder build;
    std::shared_ptr<DataStore> data;
    std::atomic<bool> built{false};
  };
  std::shared_ptr<DataStore> m_data;
  std::shared_ptr<Deferred> m_deferred;
};

} // namespace bbrun::server::metadata
