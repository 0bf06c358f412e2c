// SPDX-License-Identifier: MIT
// DataStore lookups: OVERRIDES, variant selection, pending :append/:prepend/:remove, caching.
#include "server/metadata/datastore.h"

#include <algorithm>

namespace bbrun::server::metadata {

namespace {

constexpr int k_override_passes = 5; // as BitBake: OVERRIDES must settle within 5 rounds
constexpr int k_max_variant_depth = 64;

std::vector<std::string> split_overrides(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(':', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (end > start) {
      out.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

// An insertion-ordered map from override text to variant, standing in for the Python dict
// BitBake's getVarFlag works on.
using ActiveList = std::vector<std::pair<std::string, Symbol>>;

ActiveList::iterator find_key(ActiveList& list, std::string_view key) {
  return std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.first == key; });
}

void put(ActiveList& list, std::string key, Symbol value) {
  auto it = find_key(list, key);
  if (it != list.end()) {
    it->second = value;
  } else {
    list.emplace_back(std::move(key), value);
  }
}

} // namespace

bool DataStore::OverrideSet::contains(std::string_view o) const {
  return std::binary_search(sorted.begin(), sorted.end(), o);
}

bool DataStore::OverrideSet::all_active(std::string_view conditions) const {
  std::size_t start = 0;
  while (start <= conditions.size()) {
    std::size_t end = conditions.find(':', start);
    if (end == std::string_view::npos) {
      end = conditions.size();
    }
    if (!contains(conditions.substr(start, end - start))) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

const DataStore::OverrideSet& DataStore::overrides() const {
  if (m_overrides && (m_overrides_generation == m_generation || m_computing_overrides)) {
    return *m_overrides;
  }
  // While OVERRIDES itself is looked up, variants see the overrides of the previous round,
  // starting from none, as in BitBake's need_overrides().
  m_computing_overrides = true;
  m_overrides = OverrideSet{};
  m_overrides_generation = m_generation;
  for (int pass = 0; pass < k_override_passes; ++pass) {
    m_cache.clear();
    auto value = lookup(Symbol("OVERRIDES"));
    std::vector<std::string> next = split_overrides(value && *value ? **value : std::string());
    if (next == m_overrides->ordered) {
      break;
    }
    m_overrides->ordered = next;
    m_overrides->sorted = std::move(next);
    std::sort(m_overrides->sorted.begin(), m_overrides->sorted.end());
  }
  m_cache.clear();
  m_computing_overrides = false;
  return *m_overrides;
}

std::optional<Symbol> DataStore::select_variant(const VarEntry& entry) const {
  const OverrideSet& ov = overrides();
  ActiveList active;
  for (const Variant& v : entry.variants) {
    if (ov.all_active(v.overrides)) {
      put(active, v.overrides, v.name);
    }
  }
  // Strip active overrides from the end of each key in OVERRIDES order; a key reduced to a
  // single override is a match, and later overrides replace earlier matches.
  std::optional<Symbol> match;
  bool modified = true;
  while (modified && !active.empty()) {
    modified = false;
    for (const std::string& o : ov.ordered) {
      const std::string suffix = ":" + o;
      const ActiveList snapshot = active;
      for (const auto& [key, variant] : snapshot) {
        auto it = find_key(active, key);
        if (it == active.end()) {
          continue;
        }
        if (key.size() > suffix.size() && key.ends_with(suffix)) {
          const Symbol target = it->second;
          active.erase(it);
          put(active, key.substr(0, key.size() - suffix.size()), target);
          modified = true;
        } else if (key == o) {
          match = it->second;
          active.erase(it);
        }
      }
    }
  }
  return match;
}

bool DataStore::modifier_active(const Modifier& m) const {
  return m.overrides.empty() || overrides().all_active(m.overrides);
}

DataStore::Unexpanded DataStore::resolve(Symbol name, int depth) const {
  Unexpanded out;
  const VarEntry* entry = find(name);
  if (entry == nullptr) {
    return out;
  }
  if (!entry->variants.empty() && depth < k_max_variant_depth) {
    if (auto match = select_variant(*entry)) {
      out = resolve(*match, depth + 1);
    }
  }
  if (!out.value) {
    if (entry->content) {
      out.value = entry->content;
    } else if (const std::string* def = entry->flag(Symbol("_defaultval"))) {
      out.value = *def;
    }
  }
  for (const Modifier& m : entry->appends) {
    if (modifier_active(m)) {
      out.value = out.value.value_or("") + m.value;
    }
  }
  for (const Modifier& m : entry->prepends) {
    if (modifier_active(m)) {
      out.value = m.value + out.value.value_or("");
    }
  }
  for (const Modifier& m : entry->removes) {
    if (modifier_active(m)) {
      out.removes.push_back(m.value);
    }
  }
  return out;
}

common::Result<std::optional<std::string>> DataStore::lookup(Symbol name) const {
  if (m_cache_generation != m_generation) {
    m_cache.clear();
    m_cache_generation = m_generation;
  }
  if (auto it = m_cache.find(name); it != m_cache.end()) {
    return it->second;
  }
  Unexpanded raw = resolve(name, 0);
  std::optional<std::string> value;
  if (raw.value) {
    auto expanded = expand_text(*raw.value, name);
    if (!expanded) {
      return common::fail(expanded.error());
    }
    value = std::move(*expanded);
    if (!raw.removes.empty() && !value->empty()) {
      auto removed = apply_removes(std::move(*value), raw.removes);
      if (!removed) {
        return common::fail(removed.error());
      }
      value = std::move(*removed);
    }
  }
  m_cache[name] = value;
  return value;
}

common::Result<std::optional<std::string>> DataStore::get_var(std::string_view name) const {
  std::lock_guard lock(m_mutex);
  return lookup(Symbol(name));
}

std::optional<std::string> DataStore::get_var_unexpanded(std::string_view name) const {
  std::lock_guard lock(m_mutex);
  return resolve(Symbol(name), 0).value;
}

DataStore::Unexpanded DataStore::get_var_with_removes(std::string_view name) const {
  std::lock_guard lock(m_mutex);
  return resolve(Symbol(name), 0);
}

common::Result<std::optional<std::string>> DataStore::get_flag(std::string_view name,
                                                               std::string_view flag) const {
  std::lock_guard lock(m_mutex);
  auto value = get_flag_unexpanded(name, flag);
  if (!value) {
    return std::optional<std::string>();
  }
  const Symbol flag_name(std::string(name) + "[" + std::string(flag) + "]");
  auto expanded = expand_text(*value, flag_name);
  if (!expanded) {
    return common::fail(expanded.error());
  }
  return std::optional<std::string>(std::move(*expanded));
}

} // namespace bbrun::server::metadata
