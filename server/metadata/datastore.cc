// SPDX-License-Identifier: MIT
// DataStore storage: copy-on-write layers, assignment, flags, deletion and renaming.
#include "server/metadata/datastore.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace bbrun::server::metadata {

namespace {

const Symbol& k_defaultval() {
  static const Symbol s("_defaultval");
  return s;
}

enum class ModifierKind { append, prepend, remove };

struct KeywordSplit {
  std::string_view base;
  ModifierKind kind;
  std::string_view overrides;
};

bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isupper(c); });
}

// BitBake's __setvar_regexp__: the first ":append", ":prepend" or ":remove" that is followed
// by the end of the name or by ":" and override text without capitals.
std::optional<KeywordSplit> split_keyword(std::string_view name) {
  static constexpr std::pair<std::string_view, ModifierKind> k_keywords[] = {
      {":append", ModifierKind::append},
      {":prepend", ModifierKind::prepend},
      {":remove", ModifierKind::remove},
  };
  for (std::size_t pos = name.find(':'); pos != std::string_view::npos;
       pos = name.find(':', pos + 1)) {
    for (const auto& [keyword, kind] : k_keywords) {
      if (name.substr(pos, keyword.size()) != keyword) {
        continue;
      }
      std::string_view rest = name.substr(pos + keyword.size());
      if (rest.empty()) {
        return KeywordSplit{name.substr(0, pos), kind, {}};
      }
      if (rest.front() == ':' && !has_upper(rest)) {
        return KeywordSplit{name.substr(0, pos), kind, rest.substr(1)};
      }
    }
  }
  return std::nullopt;
}

// BitBake's __override_regexp__ is matched at the start only: a lower-case letter or digit.
bool looks_like_override(std::string_view o) {
  return !o.empty() && (std::islower(static_cast<unsigned char>(o.front())) ||
                        std::isdigit(static_cast<unsigned char>(o.front())));
}

// Call `fn(base, overrides)` for each base `VAR:a:b` is a variant of: ("VAR:a", "b"), then
// ("VAR", "a:b"), as long as each override part looks like one.
template <typename Fn>
void for_each_variant_base(std::string_view name, Fn fn) {
  std::size_t cut = name.rfind(':');
  while (cut != std::string_view::npos && cut > 0) {
    std::string_view overrides = name.substr(cut + 1);
    if (!looks_like_override(overrides)) {
      return;
    }
    fn(name.substr(0, cut), overrides);
    cut = name.rfind(':', cut - 1);
  }
}

} // namespace

DataStore::DataStore() = default;

DataStore::DataStore(std::shared_ptr<const DataStore> parent)
    : m_parent(std::move(parent)), m_python(m_parent ? m_parent->m_python : nullptr) {}

const VarEntry* DataStore::find(Symbol name) const {
  for (const DataStore* d = this; d != nullptr; d = d->m_parent.get()) {
    auto it = d->m_vars.find(name);
    if (it != d->m_vars.end()) {
      return &it->second;
    }
  }
  return nullptr;
}

VarEntry& DataStore::writable(Symbol name) {
  changed();
  auto it = m_vars.find(name);
  if (it != m_vars.end()) {
    return it->second;
  }
  const VarEntry* inherited = m_parent ? m_parent->find(name) : nullptr;
  return m_vars.emplace(name, inherited ? *inherited : VarEntry{}).first->second;
}

void DataStore::register_variant(std::string_view name) {
  const Symbol variant(name);
  for_each_variant_base(name, [&](std::string_view base, std::string_view overrides) {
    Variant v{variant, std::string(overrides)};
    VarEntry& entry = writable(Symbol(base));
    if (std::find(entry.variants.begin(), entry.variants.end(), v) == entry.variants.end()) {
      entry.variants.push_back(std::move(v));
    }
  });
}

void DataStore::unregister_variant(std::string_view name) {
  const Symbol variant(name);
  for_each_variant_base(name, [&](std::string_view base, std::string_view overrides) {
    const Symbol base_symbol(base);
    const VarEntry* existing = find(base_symbol);
    if (existing == nullptr || existing->variants.empty()) {
      return;
    }
    auto& variants = writable(base_symbol).variants;
    std::erase(variants, Variant{variant, std::string(overrides)});
  });
}

void DataStore::drop_active_variants(Symbol base, VarEntry& entry) {
  if (entry.variants.empty()) {
    return;
  }
  std::vector<Variant> variants = std::move(entry.variants);
  entry.variants.clear();
  std::lock_guard lock(m_mutex);
  for (const Variant& v : variants) {
    if (v.name != base && overrides().all_active(v.overrides)) {
      del_var(v.name.view());
    }
  }
}

void DataStore::set_var(std::string_view name, std::string value, const Origin& origin,
                        AssignStyle style) {
  if (auto split = split_keyword(name)) {
    const Symbol base(split->base);
    VarEntry& entry = writable(base);
    Modifier m{std::move(value), std::string(split->overrides)};
    switch (split->kind) {
    case ModifierKind::append:
      entry.appends.push_back(std::move(m));
      break;
    case ModifierKind::prepend:
      entry.prepends.push_back(std::move(m));
      break;
    case ModifierKind::remove:
      entry.removes.push_back(std::move(m));
      break;
    }
    entry.origin = origin;
    if (split->base.find(':') != std::string_view::npos) {
      register_variant(split->base);
    }
    return;
  }
  const Symbol symbol(name);
  if (style == AssignStyle::direct) {
    VarEntry& entry = writable(symbol);
    entry.appends.clear();
    entry.prepends.clear();
    entry.removes.clear();
    drop_active_variants(symbol, entry);
  }
  if (name.find(':') != std::string_view::npos) {
    register_variant(name);
  }
  VarEntry& entry = writable(symbol);
  entry.content = std::move(value);
  entry.origin = origin;
}

void DataStore::set_flag(std::string_view name, std::string_view flag, std::string value,
                         const Origin& origin) {
  const Symbol flag_symbol(flag);
  VarEntry& entry = writable(Symbol(name));
  entry.set_flag(flag_symbol, std::move(value));
  if (flag_symbol == k_defaultval()) {
    entry.origin = origin;
    if (name.find(':') != std::string_view::npos) {
      register_variant(name);
    }
  }
}

void DataStore::del_var(std::string_view name, const Origin&) {
  const Symbol symbol(name);
  const bool inherited = m_parent && m_parent->find(symbol) != nullptr;
  changed();
  if (inherited) {
    m_vars[symbol] = VarEntry{};
  } else {
    m_vars.erase(symbol);
  }
  if (name.find(':') != std::string_view::npos) {
    unregister_variant(name);
  }
}

void DataStore::del_flag(std::string_view name, std::string_view flag) {
  const Symbol symbol(name);
  const Symbol flag_symbol(flag);
  const VarEntry* entry = find(symbol);
  if (entry == nullptr || entry->flag(flag_symbol) == nullptr) {
    return;
  }
  writable(symbol).erase_flag(flag_symbol);
}

void DataStore::rename_var(std::string_view from, std::string_view to) {
  const Symbol from_symbol(from);
  const VarEntry* source = find(from_symbol);
  if (source == nullptr) {
    return;
  }
  const VarEntry copy = *source;
  if (copy.content) {
    set_var(to, *copy.content, copy.origin, AssignStyle::statement);
  }
  if (!copy.appends.empty() || !copy.prepends.empty() || !copy.removes.empty()) {
    VarEntry& dest = writable(Symbol(to));
    dest.appends.insert(dest.appends.end(), copy.appends.begin(), copy.appends.end());
    dest.prepends.insert(dest.prepends.end(), copy.prepends.begin(), copy.prepends.end());
    dest.removes.insert(dest.removes.end(), copy.removes.begin(), copy.removes.end());
  }
  for (const Variant& v : copy.variants) {
    const std::string renamed = std::string(to) + v.name.str().substr(from.size());
    rename_var(v.name.view(), renamed);
  }
  if (!copy.content && to.find(':') != std::string_view::npos) {
    register_variant(to);
  }
  del_var(from);
}

void DataStore::expand_varref(std::string_view variable) {
  const std::string ref = "${" + std::string(variable) + "}";
  const std::string value = get_var_unexpanded(variable).value_or("");
  auto replace_in = [&](std::string& text) {
    for (std::size_t pos = text.find(ref); pos != std::string::npos;
         pos = text.find(ref, pos + value.size())) {
      text.replace(pos, ref.size(), value);
    }
  };
  changed();
  for (auto& [name, entry] : m_vars) {
    if (entry.content) {
      replace_in(*entry.content);
    }
    for (auto* list : {&entry.appends, &entry.prepends, &entry.removes}) {
      for (Modifier& m : *list) {
        replace_in(m.value);
      }
    }
  }
}

void DataStore::restore_entry(Symbol name, VarEntry entry) {
  m_vars.insert_or_assign(name, std::move(entry));
  changed();
}

std::vector<std::string> DataStore::local_keys() const {
  std::vector<std::string> names;
  names.reserve(m_vars.size());
  for (const auto& [name, entry] : m_vars) {
    names.push_back(name.str());
  }
  return names;
}

std::vector<std::string> DataStore::keys() const {
  std::lock_guard lock(m_mutex);
  std::set<Symbol> seen;
  std::set<std::string> names;
  for (const DataStore* d = this; d != nullptr; d = d->m_parent.get()) {
    for (const auto& [name, entry] : d->m_vars) {
      if (!seen.insert(name).second) {
        continue;
      }
      if (entry.has_data()) {
        names.insert(name.str());
      }
      for (const Variant& v : entry.variants) {
        if (overrides().all_active(v.overrides)) {
          names.insert(name.str());
          break;
        }
      }
    }
  }
  return {names.begin(), names.end()};
}

const VarEntry* DataStore::find(std::string_view name) const {
  auto symbol = Symbol::find(name);
  return symbol ? find(*symbol) : nullptr;
}

std::optional<std::string> DataStore::get_var_raw(std::string_view name) const {
  const VarEntry* entry = find(name);
  if (entry == nullptr || !entry->content) {
    return std::nullopt;
  }
  return entry->content;
}

std::optional<std::string> DataStore::get_flag_raw(std::string_view name,
                                                   std::string_view flag) const {
  const VarEntry* entry = find(name);
  auto flag_symbol = Symbol::find(flag);
  if (entry == nullptr || !flag_symbol) {
    return std::nullopt;
  }
  const std::string* value = entry->flag(*flag_symbol);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

std::optional<std::string> DataStore::get_flag_unexpanded(std::string_view name,
                                                          std::string_view flag) const {
  if (auto value = get_flag_raw(name, flag)) {
    return value;
  }
  return get_flag_raw(name, "_defaultval_flag_" + std::string(flag));
}

std::vector<std::pair<std::string, std::string>> DataStore::flags(std::string_view name) const {
  std::vector<std::pair<std::string, std::string>> out;
  const VarEntry* entry = find(name);
  if (entry == nullptr) {
    return out;
  }
  for (const auto& [flag, value] : entry->flags) {
    if (!flag.empty() && flag.view().front() != '_' && flag.view().front() != ':') {
      out.emplace_back(flag.str(), value);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool DataStore::is_exported(std::string_view name) const {
  return flag_is_true(get_flag_raw(name, "export")) &&
         !flag_is_true(get_flag_raw(name, "unexport"));
}

const std::vector<Symbol>& DataStore::names_with_flag(Symbol flag) const {
  std::lock_guard lock(m_mutex);
  auto [it, added] = m_flagged.try_emplace(flag);
  FlaggedNames& cached = it->second;
  if (!added && cached.generation == m_generation) {
    return cached.names;
  }
  cached.names = m_parent ? m_parent->names_with_flag(flag) : std::vector<Symbol>{};
  for (const auto& [name, entry] : m_vars) {
    if (entry.flag(flag) != nullptr) {
      cached.names.push_back(name);
    }
  }
  std::sort(cached.names.begin(), cached.names.end());
  cached.names.erase(std::unique(cached.names.begin(), cached.names.end()), cached.names.end());
  cached.generation = m_generation;
  return cached.names;
}

std::vector<std::string> DataStore::exported_variables() const {
  static const Symbol k_export("export");
  std::lock_guard lock(m_mutex);
  std::vector<std::string> names;
  for (Symbol candidate : names_with_flag(k_export)) {
    std::string name = candidate.str();
    if (is_exported(name) && !is_function(name) && get_var_unexpanded(name)) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

std::shared_ptr<const std::vector<std::string>> DataStore::function_names() const {
  static const Symbol k_func("func");
  std::lock_guard lock(m_mutex);
  if (m_function_names && m_function_names_generation == m_generation) {
    return m_function_names;
  }
  auto names = std::make_shared<std::vector<std::string>>();
  for (Symbol candidate : names_with_flag(k_func)) {
    const VarEntry* entry = find(candidate);
    const std::string* func = entry != nullptr ? entry->flag(k_func) : nullptr;
    if (func != nullptr && flag_is_true(*func)) {
      names->push_back(candidate.str());
    }
  }
  m_function_names = std::move(names);
  m_function_names_generation = m_generation;
  return m_function_names;
}

bool DataStore::is_function(std::string_view name) const {
  return flag_is_true(get_flag_raw(name, "func"));
}

bool DataStore::is_python_function(std::string_view name) const {
  return is_function(name) && flag_is_true(get_flag_raw(name, "python"));
}

Origin DataStore::origin(std::string_view name) const {
  const VarEntry* entry = find(name);
  return entry ? entry->origin : Origin{};
}

std::string DataStore::defined_at(std::string_view name) const {
  return origin(name).describe();
}

std::string value_or_empty(const DataStore& d, std::string_view name) {
  auto value = d.get_var(name);
  return (value && *value) ? **value : std::string();
}

bool flag_is_true(const std::optional<std::string>& value) {
  return value && flag_is_true(std::string_view(*value));
}

bool flag_is_true(std::string_view value) {
  std::string v;
  for (char c : value) {
    v.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return v == "1" || v == "yes" || v == "y" || v == "true" || v == "t";
}

} // namespace bbrun::server::metadata
