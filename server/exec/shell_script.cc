// SPDX-License-Identifier: MIT
// Shell task scripts.
#include "server/exec/shell_script.h"

#include "server/metadata/code_references.h"

#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <set>
#include <vector>

namespace bbrun::server::exec {

namespace {

// The shell functions of `data` named as words in `body`, given its `functions` (sorted, as
// DataStore::function_names gives them: a body has far more words than the recipe has
// functions). A word in a comment or a string counts too: including a function that is not
// called is harmless, missing one is not.
std::vector<std::string> called_functions(const metadata::DataStore& data,
                                          const std::vector<std::string>& functions,
                                          std::string_view body) {
  std::vector<std::string> found;
  for (std::string_view word : metadata::shell_words(body)) {
    if (std::binary_search(functions.begin(), functions.end(), word, std::less<>()) &&
        !data.is_python_function(word)) {
      found.emplace_back(word);
    }
  }
  return found;
}

common::Result<std::string> emit_function(const metadata::DataStore& data,
                                          const std::string& name) {
  auto body = data.get_var(name);
  if (!body) {
    return common::fail(body.error());
  }
  return fmt::format("{}() {{\n{}\n}}\n\n", name, body->value_or(""));
}

common::Result<std::string> emit_exports(const metadata::DataStore& data) {
  std::string out;
  for (const auto& name : data.exported_variables()) {
    auto value = data.get_var(name);
    if (!value) {
      return common::fail(value.error());
    }
    if (*value) {
      out += fmt::format("export {}={}\n", name, shell_quote(**value));
    }
  }
  return out;
}

} // namespace

std::string shell_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

common::Result<std::string> build_shell_script(const metadata::DataStore& data,
                                               std::string_view task,
                                               const std::filesystem::path& workdir) {
  auto exports = emit_exports(data);
  if (!exports) {
    return common::fail(exports.error());
  }
  std::string script = "#!/bin/sh\n\nset -e\n" + *exports + "\n";
  // Walk the call graph breadth-first; `seen` keeps each function once and stops recursion.
  std::set<std::string> seen{std::string(task)};
  std::vector<std::string> queue{std::string(task)};
  std::string functions;
  const auto names = data.function_names();
  for (size_t i = 0; i < queue.size(); ++i) {
    auto text = emit_function(data, queue[i]);
    if (!text) {
      return common::fail(text.error());
    }
    functions += *text;
    for (auto& callee : called_functions(data, *names, *text)) {
      if (seen.insert(callee).second) {
        queue.push_back(std::move(callee));
      }
    }
  }
  script += functions;
  script += fmt::format("cd {}\n{}\n", shell_quote(workdir.string()), task);
  return script;
}

} // namespace bbrun::server::exec
