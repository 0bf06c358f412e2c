// SPDX-License-Identifier: MIT
// Textual scans for variable references and function calls.
#include "server/metadata/code_references.h"

#include <array>

namespace bbrun::server::metadata {

namespace {

// Characters of a name inside `${...}`, as BitBake's expansion pattern allows them.
bool is_reference_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '+' || c == '.' || c == '/' || c == '~' || c == ':';
}

bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_identifier_char(char c) {
  return is_identifier_start(c) || (c >= '0' && c <= '9');
}

bool is_function_name_char(char c) {
  return is_identifier_char(c) || c == '-' || c == '.';
}

// The end of the `${@...}` that starts at `at` (one past its closing brace), counting nested
// braces as the python may contain dict or set literals.
size_t python_expansion_end(std::string_view text, size_t at) {
  int depth = 0;
  for (size_t i = at + 2; i < text.size(); ++i) {
    if (text[i] == '{') {
      ++depth;
    } else if (text[i] == '}' && depth-- == 0) {
      return i + 1;
    }
  }
  return text.size();
}

size_t skip_spaces(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n')) {
    ++at;
  }
  return at;
}

// A python string literal ('x' or "x", no escapes) starting at `at`: its text, and `at` moved
// past it. Empty when there is none.
std::string_view string_literal(std::string_view text, size_t& at) {
  at = skip_spaces(text, at);
  if (at >= text.size() || (text[at] != '\'' && text[at] != '"')) {
    return {};
  }
  size_t end = text.find(text[at], at + 1);
  if (end == std::string_view::npos) {
    return {};
  }
  std::string_view literal = text.substr(at + 1, end - at - 1);
  at = end + 1;
  return literal;
}

// Call `visit(name, args_at)` for every `name(` in `code`, where `name` is a dotted identifier
// and `args_at` the position just after the parenthesis.
template <typename Visit>
void for_each_call(std::string_view code, Visit visit) {
  size_t i = 0;
  while (i < code.size()) {
    if (!is_identifier_start(code[i]) || (i > 0 && is_identifier_char(code[i - 1]))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < code.size() && (is_identifier_char(code[i]) || code[i] == '.')) {
      ++i;
    }
    size_t paren = skip_spaces(code, i);
    if (paren < code.size() && code[paren] == '(') {
      visit(code.substr(start, i - start), paren + 1);
    }
  }
}

bool ends_with_method(std::string_view name, std::string_view method) {
  return name.size() > method.size() && name.ends_with(method) &&
         name[name.size() - method.size() - 1] == '.';
}

} // namespace

std::vector<std::string> value_references(std::string_view text) {
  std::vector<std::string> names;
  size_t i = 0;
  while ((i = text.find("${", i)) != std::string_view::npos) {
    if (i + 2 < text.size() && text[i + 2] == '@') {
      size_t end = python_expansion_end(text, i);
      for (auto& name : python_references(text.substr(i + 3, end - i - 4))) {
        names.push_back(std::move(name));
      }
      i = end;
      continue;
    }
    size_t end = i + 2;
    while (end < text.size() && is_reference_char(text[end])) {
      ++end;
    }
    if (end < text.size() && text[end] == '}' && end > i + 2) {
      names.emplace_back(text.substr(i + 2, end - i - 2));
      i = end + 1;
    } else {
      i += 2; // not a reference, or `${${X}}`: the inner one is found next
    }
  }
  return names;
}

std::vector<std::string> shell_parameters(std::string_view code) {
  std::vector<std::string> names;
  for (size_t i = 0; (i = code.find('$', i)) != std::string_view::npos; ++i) {
    size_t start = i + 1;
    size_t end = start;
    if (end < code.size() && is_identifier_start(code[end])) {
      while (end < code.size() && is_identifier_char(code[end])) {
        ++end;
      }
      names.emplace_back(code.substr(start, end - start));
    }
  }
  return names;
}

std::vector<std::string> python_references(std::string_view code) {
  static constexpr std::array k_getters{"getVar", "appendVar", "prependVar"};
  static constexpr std::array k_flag_getters{"getVarFlag", "appendVarFlag", "prependVarFlag"};
  static constexpr std::array k_contains{"bb.utils.contains", "bb.utils.contains_any",
                                         "bb.utils.filter", "oe.utils.conditional"};
  std::vector<std::string> names = value_references(code);
  for_each_call(code, [&](std::string_view callee, size_t args) {
    bool getter = false;
    bool flag_getter = false;
    for (std::string_view method : k_getters) {
      getter = getter || ends_with_method(callee, method);
    }
    for (std::string_view method : k_flag_getters) {
      flag_getter = flag_getter || ends_with_method(callee, method);
    }
    for (std::string_view function : k_contains) {
      getter = getter || callee == function;
    }
    std::string_view name = string_literal(code, args);
    if (name.empty()) {
      return;
    }
    if (getter) {
      names.emplace_back(name);
    } else if (flag_getter) {
      args = skip_spaces(code, args);
      if (args < code.size() && code[args] == ',') {
        std::string_view flag = string_literal(code, ++args);
        if (!flag.empty()) {
          names.push_back(std::string(name) + "[" + std::string(flag) + "]");
        }
      }
    }
  });
  return names;
}

std::vector<std::string> python_calls(std::string_view code) {
  std::vector<std::string> names;
  for_each_call(code, [&](std::string_view callee, size_t args) {
    if (callee == "bb.build.exec_func" || callee == "bb.build.exec_task") {
      std::string_view name = string_literal(code, args);
      if (!name.empty()) {
        names.emplace_back(name);
      }
    } else if (callee.find('.') == std::string_view::npos) {
      names.emplace_back(callee);
    }
  });
  return names;
}

std::vector<std::string> inline_python_calls(std::string_view text) {
  std::vector<std::string> names;
  for (size_t i = 0; (i = text.find("${@", i)) != std::string_view::npos;) {
    size_t end = python_expansion_end(text, i);
    for (auto& name : python_calls(text.substr(i + 3, end - i - 4))) {
      names.push_back(std::move(name));
    }
    i = end;
  }
  return names;
}

std::vector<std::string_view> shell_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_function_name_char(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && is_function_name_char(text[i])) {
      ++i;
    }
    words.push_back(text.substr(start, i - start));
  }
  return words;
}

} // namespace bbrun::server::metadata
