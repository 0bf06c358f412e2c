// SPDX-License-Identifier: MIT
// DataStore expansion: ${VAR} references, ${@...} inline Python, and word-wise :remove.
#include "server/metadata/datastore.h"

#include <algorithm>
#include <unordered_set>

namespace bbrun::server::metadata {

namespace {

constexpr std::size_t k_max_expansion_depth = 400;
constexpr int k_max_passes = 1000;
constexpr std::size_t k_max_value_size = 64u << 20;
constexpr std::size_t k_max_quoted_code = 60;

// BitBake's __expand_var_regexp__: ${ followed by these characters and }.
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '+' || c == '.' || c == '/' || c == '~' || c == ':';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Find the end of an inline expression starting at `open` ("${@"), as BitBake's
// `\${@(?:{.*?}|.)+?}` would: brace groups on one line are skipped whole, a newline ends
// the attempt. Return the index of the closing '}', or npos.
std::size_t find_python_end(std::string_view s, std::size_t open) {
  std::size_t i = open + 3;
  bool consumed = false;
  while (i < s.size() && s[i] != '\n') {
    if (s[i] == '}' && consumed) {
      return i;
    }
    if (s[i] == '{') {
      std::size_t close = s.find('}', i + 1);
      std::size_t newline = s.find('\n', i + 1);
      if (close != std::string_view::npos && close < newline) {
        i = close + 1;
        consumed = true;
        continue;
      }
    }
    ++i;
    consumed = true;
  }
  // The regex backtracks into brace groups; the first '}' on the line is what it settles on.
  std::size_t close = s.find('}', open + 4);
  std::size_t newline = s.find('\n', open);
  return close < newline ? close : std::string_view::npos;
}

std::string shorten(std::string_view code) {
  if (code.size() <= k_max_quoted_code) {
    return std::string(code);
  }
  return std::string(code.substr(0, k_max_quoted_code)) + "...";
}

class ExpandingGuard {
public:
  explicit ExpandingGuard(std::vector<Symbol>& stack, Symbol name) : m_stack(stack) {
    m_stack.push_back(name);
  }
  ~ExpandingGuard() { m_stack.pop_back(); }
  ExpandingGuard(const ExpandingGuard&) = delete;
  ExpandingGuard& operator=(const ExpandingGuard&) = delete;

private:
  std::vector<Symbol>& m_stack;
};

} // namespace

std::string DataStore::where_of(Symbol varname) const {
  if (varname.empty()) {
    return {};
  }
  std::string_view base = varname.view().substr(0, varname.view().find('['));
  return origin(base).describe();
}

common::Result<std::string> DataStore::expand(std::string_view text) const {
  std::lock_guard lock(m_mutex);
  return expand_text(text, Symbol());
}

common::Result<std::string> DataStore::expand_text(std::string_view text, Symbol varname) const {
  if (text.find("${") == std::string_view::npos) {
    return std::string(text);
  }
  if (!varname.empty()) {
    auto it = std::find(m_expanding.begin(), m_expanding.end(), varname);
    if (it != m_expanding.end()) {
      std::string chain;
      for (; it != m_expanding.end(); ++it) {
        chain += it->str() + " -> ";
      }
      return common::fail(common::ErrorKind::parse,
                          "variable " + varname.str() + " references itself (" + chain +
                              varname.str() + ")",
                          where_of(varname));
    }
  }
  if (m_expanding.size() >= k_max_expansion_depth) {
    return common::fail(common::ErrorKind::parse,
                        "expansion of " + varname.str() + " is nested too deeply",
                        where_of(varname));
  }
  ExpandingGuard guard(m_expanding, varname);
  std::string s(text);
  for (int pass = 0; pass < k_max_passes; ++pass) {
    auto vars = substitute_vars(s, varname);
    if (!vars) {
      return common::fail(vars.error());
    }
    auto python = substitute_python(s, varname);
    if (!python) {
      return common::fail(python.error());
    }
    if ((!*vars && !*python) || s.find("${") == std::string::npos) {
      return s;
    }
  }
  return common::fail(common::ErrorKind::parse,
                      "expansion of " +
                          (varname.empty() ? std::string("expression") : varname.str()) +
                          " does not settle (it keeps producing new references)",
                      where_of(varname));
}

common::Result<bool> DataStore::substitute_vars(std::string& text, Symbol varname) const {
  std::string out;
  bool changed = false;
  std::size_t pos = 0;
  for (std::size_t open = text.find("${"); open != std::string::npos; open = text.find("${", pos)) {
    out.append(text, pos, open - pos);
    std::size_t end = open + 2;
    while (end < text.size() && is_name_char(text[end])) {
      ++end;
    }
    if (end == open + 2 || end >= text.size() || text[end] != '}') {
      out.append("${");
      pos = open + 2;
      continue;
    }
    const Symbol key(std::string_view(text).substr(open + 2, end - open - 2));
    if (key == varname) {
      return common::fail(common::ErrorKind::parse,
                          "variable " + varname.str() + " references itself", where_of(varname));
    }
    auto value = lookup(key);
    if (!value) {
      return common::fail(value.error());
    }
    if (*value) {
      if (out.size() + (*value)->size() > k_max_value_size) {
        return common::fail(common::ErrorKind::parse,
                            "the value of " +
                                (varname.empty() ? std::string("an expression") : varname.str()) +
                                " grows beyond 64 MiB when expanded",
                            where_of(varname));
      }
      out.append(**value);
      changed = true;
    } else {
      out.append(text, open, end + 1 - open);
    }
    pos = end + 1;
  }
  if (!changed) {
    return false;
  }
  out.append(text, pos, std::string::npos);
  text = std::move(out);
  return true;
}

common::Result<bool> DataStore::substitute_python(std::string& text, Symbol varname) const {
  if (text.find("${@") == std::string::npos) {
    return false;
  }
  std::string out;
  bool changed = false;
  std::size_t pos = 0;
  for (std::size_t open = text.find("${@"); open != std::string::npos;
       open = text.find("${@", pos)) {
    const std::size_t close = find_python_end(text, open);
    if (close == std::string::npos) {
      out.append(text, pos, open + 3 - pos);
      pos = open + 3;
      continue;
    }
    out.append(text, pos, open - pos);
    const std::string_view code = std::string_view(text).substr(open + 3, close - open - 3);
    const std::string subject = varname.empty() ? std::string("expression") : varname.str();
    if (m_python == nullptr) {
      return common::fail(common::ErrorKind::parse,
                          "inline python is not supported yet: ${@" + shorten(code) + "} in " +
                              subject,
                          where_of(varname));
    }
    const std::string where = where_of(varname);
    auto value =
        m_python->eval_inline(code, *this, where.empty() ? subject : subject + " at " + where);
    if (!value) {
      return common::fail(value.error());
    }
    out.append(*value);
    changed = true;
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  text = std::move(out);
  return changed;
}

common::Result<std::string>
DataStore::apply_removes(std::string value, const std::vector<std::string>& removes) const {
  std::unordered_set<std::string> words;
  for (const std::string& r : removes) {
    auto expanded = expand_text(r, Symbol());
    if (!expanded) {
      return common::fail(expanded.error());
    }
    std::size_t i = 0;
    while (i < expanded->size()) {
      while (i < expanded->size() && is_space((*expanded)[i])) {
        ++i;
      }
      std::size_t start = i;
      while (i < expanded->size() && !is_space((*expanded)[i])) {
        ++i;
      }
      if (i > start) {
        words.insert(expanded->substr(start, i - start));
      }
    }
  }
  // Keep every whitespace character as it was: BitBake splits on single whitespace
  // characters and joins the survivors back without a separator.
  std::string out;
  out.reserve(value.size());
  std::size_t i = 0;
  while (i < value.size()) {
    if (is_space(value[i])) {
      out.push_back(value[i++]);
      continue;
    }
    std::size_t start = i;
    while (i < value.size() && !is_space(value[i])) {
      ++i;
    }
    std::string word = value.substr(start, i - start);
    if (words.count(word) == 0) {
      out.append(word);
    }
  }
  return out;
}

} // namespace bbrun::server::metadata
