// SPDX-License-Identifier: MIT
// Interned names: variable, flag and file names stored once per process and compared by address.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace bbrun::server::metadata {

/// A name interned for the life of the process. Two symbols are equal exactly when their
/// texts are equal, so comparing and hashing cost one pointer. The default symbol is the
/// empty name.
class Symbol {
public:
  Symbol();

  /// Intern `text`. Thread-safe; may be called from any thread at any time.
  explicit Symbol(std::string_view text);

  /// The symbol of `text` if it was ever interned, without interning it: a lookup by a name
  /// nothing defined (every word of a shell body, say) need not grow the table.
  static std::optional<Symbol> find(std::string_view text);

  /// Return the interned text; valid for the life of the process.
  const std::string& str() const { return *m_text; }
  std::string_view view() const { return *m_text; }
  bool empty() const { return m_text->empty(); }

  friend bool operator==(Symbol a, Symbol b) { return a.m_text == b.m_text; }
  friend bool operator!=(Symbol a, Symbol b) { return a.m_text != b.m_text; }

  /// Order by text (not by address), so sorted output is stable across runs.
  friend bool operator<(Symbol a, Symbol b) { return *a.m_text < *b.m_text; }

  std::size_t hash() const { return std::hash<const void*>{}(m_text); }

private:
  explicit Symbol(const std::string* text) : m_text(text) {}

  const std::string* m_text;
};

/// Hash functor for unordered containers keyed by Symbol.
struct SymbolHash {
  std::size_t operator()(Symbol s) const { return s.hash(); }
};

} // namespace bbrun::server::metadata
