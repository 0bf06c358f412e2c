// SPDX-License-Identifier: MIT
// Recognisers for single metadata lines: assignments, function headers, keywords.
#include "server/metadata/lexer.h"

#include <algorithm>
#include <array>

namespace bbrun::server::metadata {

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Characters of a variable name in an assignment: [a-zA-Z0-9\-_+.${}/~:].
bool is_var_char(char c) {
  return is_alnum(c) || c == '-' || c == '_' || c == '+' || c == '.' || c == '$' || c == '{' ||
         c == '}' || c == '/' || c == '~' || c == ':';
}

// Characters of a name after `export` or `unset`: the same without ':'.
bool is_plain_var_char(char c) {
  return c != ':' && is_var_char(c);
}

bool is_flag_start(char c) {
  return is_alnum(c) || c == '-' || c == '_' || c == '+' || c == '.';
}
bool is_flag_char(char c) {
  return is_flag_start(c) || c == '@' || c == '/';
}

// Word characters of a function name: [\w.\-+{}$:].
bool is_func_char(char c) {
  return is_alnum(c) || c == '_' || c == '.' || c == '-' || c == '+' || c == '{' || c == '}' ||
         c == '$' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

std::size_t skip_blanks(std::string_view s, std::size_t i) {
  while (i < s.size() && is_blank(s[i])) {
    ++i;
  }
  return i;
}

struct OpToken {
  std::string_view text;
  AssignOp op;
};

// In the order of the alternation in BitBake's __config_regexp__.
constexpr std::array<OpToken, 8> k_ops = {{
    {":=", AssignOp::immediate},
    {"?"
     "?=",
     AssignOp::weak_default},
    {"?=", AssignOp::default_set},
    {"+=", AssignOp::append},
    {"=+", AssignOp::prepend},
    {"=.", AssignOp::prepend_dot},
    {".=", AssignOp::append_dot},
    {"=", AssignOp::set},
}};

// Everything between the variable name and the value: optional [flag], blanks, operator,
// blanks. Return the index of the value, or npos.
std::size_t match_operator(std::string_view s, std::size_t i, Assignment& out) {
  out.flag.reset();
  if (i < s.size() && s[i] == '[' && i + 1 < s.size() && is_flag_start(s[i + 1])) {
    std::size_t j = i + 2;
    while (j < s.size() && is_flag_char(s[j])) {
      ++j;
    }
    if (j < s.size() && s[j] == ']') {
      out.flag = std::string(s.substr(i + 1, j - i - 1));
      i = j + 1;
    }
  }
  i = skip_blanks(s, i);
  for (const OpToken& token : k_ops) {
    if (s.substr(i, token.text.size()) == token.text) {
      out.op = token.op;
      return skip_blanks(s, i + token.text.size());
    }
  }
  return std::string_view::npos;
}

// The quoted value: same quote at both ends, and not the three-quote shapes BitBake's
// negative lookaheads reject.
std::optional<std::string> match_value(std::string_view rest) {
  if (rest.size() < 2 || (rest.front() != '"' && rest.front() != '\'') ||
      rest.back() != rest.front()) {
    return std::nullopt;
  }
  for (char quote : {'\'', '"'}) {
    if (rest.front() == quote && std::count(rest.begin(), rest.end(), quote) == 3) {
      return std::nullopt;
    }
  }
  return std::string(rest.substr(1, rest.size() - 2));
}

std::string value_error(std::string_view rest, std::string_view op_text) {
  if (rest.empty() || (rest.front() != '"' && rest.front() != '\'')) {
    return "expected a quoted value after '" + std::string(op_text) + "'";
  }
  const char quote = rest.front();
  const std::size_t close = rest.find(quote, 1);
  if (close == std::string_view::npos) {
    return std::string("the value is not closed with ") + quote;
  }
  return "unexpected text after the closing quote of the value: '" +
         excerpt(rest.substr(close + 1)) + "'";
}

std::string_view op_text(AssignOp op) {
  for (const OpToken& token : k_ops) {
    if (token.op == op) {
      return token.text;
    }
  }
  return "=";
}

common::Result<Assignment> lex_assignment_from(std::string_view line, std::size_t start,
                                               bool exported) {
  Assignment out;
  out.exported = exported;
  std::string first_error;
  for (std::size_t i = start; i <= line.size(); ++i) {
    const std::size_t value_at = match_operator(line, i, out);
    if (value_at != std::string_view::npos) {
      if (auto value = match_value(line.substr(value_at))) {
        out.name = std::string(line.substr(start, i - start));
        out.value = std::move(*value);
        if (out.name.empty()) {
          return common::fail(common::ErrorKind::parse, "empty variable name in assignment");
        }
        return out;
      }
      if (first_error.empty()) {
        first_error = value_error(line.substr(value_at), op_text(out.op));
      }
    }
    if (i == line.size() || !is_var_char(line[i])) {
      break;
    }
  }
  if (!first_error.empty()) {
    return common::fail(common::ErrorKind::parse, first_error);
  }
  std::size_t end = start;
  while (end < line.size() && is_var_char(line[end])) {
    ++end;
  }
  if (end > start) {
    return common::fail(common::ErrorKind::parse,
                        "expected '=' (or another assignment operator) after variable name '" +
                            excerpt(line.substr(start, end - start)) + "'");
  }
  return common::fail(common::ErrorKind::parse, "unparsed line: '" + excerpt(line) + "'");
}

} // namespace

std::string_view trim_left(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_blank(s[i])) {
    ++i;
  }
  return s.substr(i);
}

std::string_view trim_right(std::string_view s) {
  std::size_t n = s.size();
  while (n > 0 && is_blank(s[n - 1])) {
    --n;
  }
  return s.substr(0, n);
}

std::string excerpt(std::string_view line) {
  constexpr std::size_t k_max = 80;
  std::string out;
  for (char c : line.substr(0, k_max)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
  if (line.size() > k_max) {
    out += "...";
  }
  return out;
}

common::Result<Assignment> lex_assignment(std::string_view line) {
  if (auto rest = lex_keyword(line, "export")) {
    const std::size_t start = line.size() - trim_left(line.substr(6)).size();
    auto exported = lex_assignment_from(line, start, true);
    if (exported) {
      return exported;
    }
    auto plain = lex_assignment_from(line, 0, false);
    return plain ? plain : exported;
  }
  return lex_assignment_from(line, 0, false);
}

std::optional<FunctionStart> lex_function_start(std::string_view line) {
  if (line.empty() || line.back() != '{') {
    return std::nullopt;
  }
  FunctionStart out;
  std::size_t i = 0;
  for (bool more = true; more;) {
    more = false;
    std::string_view rest = line.substr(i);
    if (rest.starts_with("python") && rest.size() > 6 && (is_blank(rest[6]) || rest[6] == '(')) {
      out.python = true;
      i = skip_blanks(line, i + 6);
      more = true;
    } else if (rest.starts_with("fakeroot") && rest.size() > 8 && is_blank(rest[8])) {
      out.fakeroot = true;
      i = skip_blanks(line, i + 8);
      more = true;
    }
  }
  const std::size_t name_start = i;
  while (i < line.size() && is_func_char(line[i])) {
    ++i;
  }
  out.name = std::string(line.substr(name_start, i - name_start));
  i = skip_blanks(line, i);
  if (i >= line.size() || line[i] != '(') {
    return std::nullopt;
  }
  i = skip_blanks(line, i + 1);
  if (i >= line.size() || line[i] != ')') {
    return std::nullopt;
  }
  i = skip_blanks(line, i + 1);
  if (i != line.size() - 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> lex_python_def(std::string_view line) {
  if (!line.starts_with("def") || line.size() < 5 || !is_blank(line[3])) {
    return std::nullopt;
  }
  std::size_t i = skip_blanks(line, 3);
  const std::size_t start = i;
  while (i < line.size() && (is_alnum(line[i]) || line[i] == '_')) {
    ++i;
  }
  if (i == start || line.find(':', i) == std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(line.substr(start, i - start));
}

std::optional<std::string_view> lex_keyword(std::string_view line, std::string_view keyword) {
  if (!line.starts_with(keyword) || line.size() <= keyword.size() ||
      !is_blank(line[keyword.size()])) {
    return std::nullopt;
  }
  std::string_view rest = trim(line.substr(keyword.size()));
  if (rest.empty()) {
    return std::nullopt;
  }
  return rest;
}

std::optional<std::string> lex_export(std::string_view line) {
  auto rest = lex_keyword(line, "export");
  if (!rest || !std::all_of(rest->begin(), rest->end(), is_plain_var_char)) {
    return std::nullopt;
  }
  return std::string(*rest);
}

std::optional<UnsetStatement> lex_unset(std::string_view line) {
  auto rest = lex_keyword(line, "unset");
  if (!rest) {
    return std::nullopt;
  }
  UnsetStatement out;
  std::string_view name = *rest;
  if (name.back() == ']') {
    const std::size_t open = name.find('[');
    if (open == std::string_view::npos || open + 2 >= name.size()) {
      return std::nullopt;
    }
    std::string_view flag = name.substr(open + 1, name.size() - open - 2);
    if (!is_flag_start(flag.front()) || !std::all_of(flag.begin(), flag.end(), [](char c) {
          return is_flag_char(c) && c != '/';
        })) {
      return std::nullopt;
    }
    out.flag = std::string(flag);
    name = name.substr(0, open);
  }
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_plain_var_char)) {
    return std::nullopt;
  }
  out.name = std::string(name);
  return out;
}

AddTaskStatement lex_addtask(std::string_view rest) {
  AddTaskStatement out;
  rest = rest.substr(0, rest.find('#'));
  const std::string text = " " + std::string(trim(rest)) + " ";
  // Each " after " or " before " keyword switches the list the following words go to.
  std::string* target = &out.tasks;
  std::size_t i = 0;
  while (i < text.size()) {
    i = skip_blanks(text, i);
    std::size_t end = i;
    while (end < text.size() && !is_blank(text[end])) {
      ++end;
    }
    if (end == i) {
      break;
    }
    std::string_view word = std::string_view(text).substr(i, end - i);
    if (word == "after") {
      target = &out.after;
    } else if (word == "before") {
      target = &out.before;
    } else {
      *target += (target->empty() ? "" : " ") + std::string(word);
    }
    i = end;
  }
  return out;
}

} // namespace bbrun::server::metadata
