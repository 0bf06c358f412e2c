// SPDX-License-Identifier: MIT
// How one variable is stored: its content, flags, pending :append/:prepend/:remove and override
// variants.
#pragma once

#include "server/metadata/symbol.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bbrun::server::metadata {

/// Where a statement came from. A default Origin means "not from a file".
struct Origin {
  Symbol file;
  std::uint32_t line = 0;

  /// Return "file:line" ("file" alone when the line is 0), or "" when the origin is unknown.
  std::string describe() const;
};

/// A pending `:append`, `:prepend` or `:remove`, applied at lookup time. `overrides` is
/// empty for an unconditional one, else the `:`-separated overrides that must all be active
/// (`VAR:append:ov` stores "ov").
struct Modifier {
  std::string value;
  std::string overrides;
};

/// An override-conditional variant of a variable: `VAR:a:b` is registered on `VAR:a` with
/// overrides "b" and on `VAR` with overrides "a:b", as BitBake's overridedata does.
struct Variant {
  Symbol name;
  std::string overrides;
  friend bool operator==(const Variant&, const Variant&) = default;
};

/// Everything stored for one variable name in one datastore layer. An entry that is present
/// but empty hides the same name in a parent layer (that is how `unset` works over the
/// shared configuration).
struct VarEntry {
  std::optional<std::string> content;
  std::vector<std::pair<Symbol, std::string>> flags; ///< includes internal "_defaultval"
  std::vector<Modifier> appends;
  std::vector<Modifier> prepends;
  std::vector<Modifier> removes;
  std::vector<Variant> variants;
  Origin origin; ///< the statement that last changed the value

  /// Return the flag's value, or nullptr.
  const std::string* flag(Symbol name) const;

  /// Set or replace a flag.
  void set_flag(Symbol name, std::string value);

  /// Remove a flag; return whether it was there.
  bool erase_flag(Symbol name);

  /// Whether anything but override variants is stored (BitBake lists such names as keys).
  bool has_data() const;
};

} // namespace bbrun::server::metadata
