// SPDX-License-Identifier: MIT
// DataStore: BitBake's variable store with overrides, flags, lazy operators and ${} expansion.
#pragma once

// Semantics follow BitBake's data_smart.py:
//   - a value is stored unexpanded; `:append`, `:prepend` and `:remove` are kept as pending
//     lists on the variable and applied at lookup, after override selection;
//   - `VAR:ov` variants are selected by OVERRIDES (later entries win); the matched variant's
//     value replaces the variable's own before the variable's appends are applied;
//   - `:remove` works word by word on the expanded value and is applied last;
//   - `??=` is stored as the internal flag "_defaultval" and used only when nothing set the
//     variable; `VAR[flag] ??=` likewise as "_defaultval_flag_<flag>".
//
// Sharing: a datastore may have a parent (the loaded configuration) that it reads through.
// The parent is immutable (`shared_ptr<const DataStore>`); a write copies just that one
// variable into the child, so a thousand recipes share one copy of bitbake.conf.
//
// Threads: all const methods may be called from several threads at once (a recursive mutex
// guards the lookup caches); mutation needs exclusive access, as for any container.

#include "common/result.h"
#include "server/metadata/python_hook.h"
#include "server/metadata/symbol.h"
#include "server/metadata/variable.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bbrun::server::metadata {

/// How `set_var` treats what is already pending on a variable.
enum class AssignStyle {
  /// As Python's `d.setVar`: pending :append/:prepend/:remove and the active override
  /// variants of the variable are dropped, so the value is exactly what was set.
  direct,
  /// As a parsed `VAR = "..."` statement: pending modifiers and variants stay and still
  /// apply at lookup.
  statement,
};

class DataStore {
public:
  /// Make an empty datastore.
  DataStore();

  /// Make a datastore that reads through `parent` and records its own changes locally.
  explicit DataStore(std::shared_ptr<const DataStore> parent);

  DataStore(const DataStore&) = delete;
  DataStore& operator=(const DataStore&) = delete;

  /// Install the evaluator for `${@...}` and anonymous functions (not owned; may be null).
  /// A datastore made from a parent starts with the parent's evaluator.
  void set_python(PythonEvaluator* python) { m_python = python; }
  PythonEvaluator* python() const { return m_python; }

  // --- lookups ---

  /// Return the value after override selection, :append/:prepend, expansion and :remove;
  /// nullopt when unset (and no ??= default). Fail on a variable that references itself
  /// (directly or through others) and on inline Python without an evaluator.
  common::Result<std::optional<std::string>> get_var(std::string_view name) const;

  /// Return the value after override selection and :append/:prepend, before expansion.
  std::optional<std::string> get_var_unexpanded(std::string_view name) const;

  /// What `get_var` starts from: the unexpanded value and the pending `:remove` texts.
  struct Unexpanded {
    std::optional<std::string> value;
    std::vector<std::string> removes;
  };
  Unexpanded get_var_with_removes(std::string_view name) const;

  /// Return only what was assigned to `name` itself: no override variants, no pending
  /// modifiers, no ??= default. This is what `+=`, `?=` and friends build on.
  std::optional<std::string> get_var_raw(std::string_view name) const;

  /// Return the expanded flag (falling back to its ??= default); nullopt when unset.
  common::Result<std::optional<std::string>> get_flag(std::string_view name,
                                                      std::string_view flag) const;

  /// Return the flag as stored (falling back to its ??= default); nullopt when unset.
  std::optional<std::string> get_flag_unexpanded(std::string_view name,
                                                 std::string_view flag) const;

  /// Return the flag as stored, ignoring a ??= default.
  std::optional<std::string> get_flag_raw(std::string_view name, std::string_view flag) const;

  /// Return the public flags of `name` (not internal ones starting with '_'), unexpanded,
  /// sorted by flag name.
  std::vector<std::pair<std::string, std::string>> flags(std::string_view name) const;

  /// Expand `${VAR}` references and `${@...}` in `text`. Unknown references stay as written.
  common::Result<std::string> expand(std::string_view text) const;

  /// Return every variable name with something stored, as BitBake's keys(): override
  /// variant names such as `A:ov` are variables of their own and included; a base name whose
  /// only data is an active variant is included too. Sorted.
  std::vector<std::string> keys() const;

  /// Whether the variable has the `export` flag set and no `unexport` flag.
  bool is_exported(std::string_view name) const;

  /// The variables a shell task exports: set, exported, and not functions. Sorted. Cheaper
  /// than going through `keys()`: each layer remembers which of its names carry `export`.
  std::vector<std::string> exported_variables() const;

  /// The names of every function (flag `func`), sorted; remembered per layer as above, and the
  /// list itself until the store changes: every shell task's script searches it.
  std::shared_ptr<const std::vector<std::string>> function_names() const;

  /// Whether `name` is a function (flag `func`), resp. a Python one (also flag `python`).
  bool is_function(std::string_view name) const;
  bool is_python_function(std::string_view name) const;

  /// Return "file:line" of the statement that last changed `name`, or "".
  std::string defined_at(std::string_view name) const;
  Origin origin(std::string_view name) const;

  // --- changes ---

  /// Set `name`. A name ending in `:append`, `:prepend` or `:remove` (optionally followed by
  /// `:overrides`) adds a pending modifier instead; a name `VAR:ov` also registers itself as
  /// an override variant of `VAR`.
  void set_var(std::string_view name, std::string value, const Origin& origin = {},
               AssignStyle style = AssignStyle::direct);

  /// Set a flag. The flag "_defaultval" is the ??= default of the variable.
  void set_flag(std::string_view name, std::string_view flag, std::string value,
                const Origin& origin = {});

  /// Remove `name` with its flags and pending modifiers; it no longer inherits from a
  /// parent either.
  void del_var(std::string_view name, const Origin& origin = {});

  /// Remove one flag.
  void del_flag(std::string_view name, std::string_view flag);

  /// Move `from` to `to` as BitBake's renameVar: content and pending modifiers go, other
  /// flags stay behind and are dropped with `from`.
  void rename_var(std::string_view from, std::string_view to);

  /// Replace the literal text `${variable}` by the variable's current raw value in every
  /// value stored in this layer (content and pending modifiers), as BitBake does for
  /// LAYERDIR after each layer.conf.
  void expand_varref(std::string_view variable);

  /// Return the names stored in this layer only, unsorted.
  std::vector<std::string> local_keys() const;

  /// This layer's entries, to save a parsed recipe (recipe_codec.h) ...
  const std::unordered_map<Symbol, VarEntry, SymbolHash>& local_entries() const { return m_vars; }
  /// ... and to put one back, replacing what this layer holds for `name`.
  void restore_entry(Symbol name, VarEntry entry);

private:
  struct OverrideSet {
    std::vector<std::string> ordered;
    std::vector<std::string> sorted; ///< for membership tests
    bool contains(std::string_view o) const;
    bool all_active(std::string_view conditions) const;
  };

  const VarEntry* find(Symbol name) const;
  /// As find(Symbol), for a name that may never have been interned (then nothing defines it).
  const VarEntry* find(std::string_view name) const;
  VarEntry& writable(Symbol name);
  void changed() { ++m_generation; }
  void register_variant(std::string_view name);
  void unregister_variant(std::string_view name);
  void drop_active_variants(Symbol base, VarEntry& entry);

  const OverrideSet& overrides() const;
  std::optional<Symbol> select_variant(const VarEntry& entry) const;
  Unexpanded resolve(Symbol name, int depth) const;
  bool modifier_active(const Modifier& m) const;

  common::Result<std::optional<std::string>> lookup(Symbol name) const;
  common::Result<std::string> expand_text(std::string_view text, Symbol varname) const;
  common::Result<bool> substitute_vars(std::string& text, Symbol varname) const;
  common::Result<bool> substitute_python(std::string& text, Symbol varname) const;
  common::Result<std::string> apply_removes(std::string value,
                                            const std::vector<std::string>& removes) const;
  std::string where_of(Symbol varname) const;

  std::shared_ptr<const DataStore> m_parent;
  std::unordered_map<Symbol, VarEntry, SymbolHash> m_vars;
  PythonEvaluator* m_python = nullptr;
  std::uint64_t m_generation = 0;

  // Lookup caches, valid for one generation.
  mutable std::recursive_mutex m_mutex;
  mutable std::optional<OverrideSet> m_overrides;
  mutable std::uint64_t m_overrides_generation = 0;
  mutable bool m_computing_overrides = false;
  mutable std::unordered_map<Symbol, std::optional<std::string>, SymbolHash> m_cache;
  mutable std::uint64_t m_cache_generation = 0;
  mutable std::vector<Symbol> m_expanding; ///< variables being expanded, to catch cycles
  struct FlaggedNames {
    std::uint64_t generation = 0;
    std::vector<Symbol> names;
  };
  mutable std::unordered_map<Symbol, FlaggedNames, SymbolHash> m_flagged; ///< by flag
  mutable std::shared_ptr<const std::vector<std::string>> m_function_names;
  mutable std::uint64_t m_function_names_generation = 0;

  /// Every name that has `flag` in this layer or a parent's, sorted, unique (whatever the
  /// flag's value: callers check it).
  const std::vector<Symbol>& names_with_flag(Symbol flag) const;
};

/// The expanded value of `name`, or "" when it is unset or cannot be expanded: for callers that
/// only read settings and have no better answer to an expansion error than "not set".
std::string value_or_empty(const DataStore& d, std::string_view name);

/// Interpret a flag value as BitBake's bb.utils.to_boolean does ("1", "yes", "true"...).
bool flag_is_true(const std::optional<std::string>& value);
bool flag_is_true(std::string_view value);
inline bool flag_is_true(const std::string& value) {
  return flag_is_true(std::string_view(value));
}

} // namespace bbrun::server::metadata
