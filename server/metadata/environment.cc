// SPDX-License-Identifier: MIT
// format_environment: variables, shell functions and Python functions in bitbake -e form.
#include "server/metadata/environment.h"

#include <vector>

namespace bbrun::server::metadata {

namespace {

void emit_variable(const DataStore& d, const std::string& name, std::string& out) {
  auto value = d.get_var(name);
  if (value && !*value) {
    return;
  }
  out += "#\n# $" + name + "\n";
  if (const std::string where = d.defined_at(name); !where.empty()) {
    out += "#   set " + where + "\n";
  }
  if (!value) {
    out += "# expansion of " + name + " threw ExpansionError: " + value.error().describe() + "\n";
    return;
  }
  if (flag_is_true(d.get_flag_raw(name, "unexport"))) {
    out += "unset " + name + "\n";
    return;
  }
  if (d.is_exported(name)) {
    out += "export ";
  }
  out += name + "=\"" + escape_value(**value) + "\"\n";
}

void emit_shell_function(const DataStore& d, const std::string& name, std::string& out) {
  auto value = d.get_var(name);
  if (!value) {
    out += "# expansion of " + name + " threw ExpansionError: " + value.error().describe() + "\n";
    return;
  }
  if (!*value) {
    return;
  }
  std::string body = **value;
  while (!body.empty() && body.back() == '\n') {
    body.pop_back();
  }
  out += "# line: " + d.get_flag_raw(name, "lineno").value_or("") +
         ", file: " + d.get_flag_raw(name, "filename").value_or("") + "\n";
  out += name + "() {\n" + body + "\n}\n\n";
}

void emit_python_function(const DataStore& d, const std::string& name, std::string& out) {
  std::string body = d.get_var_unexpanded(name).value_or("");
  if (!body.empty() && body.back() != '\n') {
    body.push_back('\n');
  }
  out += "\npython " + name + " () {\n" + body + "}\n";
}

} // namespace

std::string escape_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
    case '"':
    case '$':
    case '`':
      out.push_back('\\');
      out.push_back(c);
      break;
    case '\n':
      out += " \\\n";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

std::string format_environment(const DataStore& d) {
  std::vector<std::string> variables;
  std::vector<std::string> shell_functions;
  std::vector<std::string> python_functions;
  for (const std::string& name : d.keys()) {
    if (name.starts_with("__")) {
      continue;
    }
    if (!d.is_function(name)) {
      variables.push_back(name);
    } else if (d.is_python_function(name)) {
      python_functions.push_back(name);
    } else {
      shell_functions.push_back(name);
    }
  }
  std::string out;
  for (const std::string& name : variables) {
    emit_variable(d, name, out);
  }
  for (const std::string& name : shell_functions) {
    emit_shell_function(d, name, out);
  }
  for (const std::string& name : python_functions) {
    emit_python_function(d, name, out);
  }
  return out;
}

} // namespace bbrun::server::metadata
