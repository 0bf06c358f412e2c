// SPDX-License-Identifier: MIT
// The inputs of a task's signature: the variables and functions its code depends on.
#pragma once

// As BitBake's bb.data.build_dependencies: a variable's dependencies are the variables its
// unexpanded value references (`${X}`; for shell functions also `$X` and the shell functions
// they name, plus every exported variable, since the script exports them; for python
// functions `d.getVar('X')` and friends and the python functions they call), plus its
// `[vardeps]`, minus its `[vardepsexclude]` and minus BB_BASEHASH_IGNORE_VARS. `[vardepvalue]`
// replaces a value for hashing, and `[vardepvalueexclude]` cuts '|'-separated texts out of it.
// When BB_SIGNATURE_EXCLUDE_FLAGS is set, every flag it does not list is an input as
// `VAR[flag]`. A task's inputs are everything reachable from its function. Values enter
// unexpanded, so a path under TOPDIR reaches a signature only through a variable that is not
// ignored.

#include "server/metadata/datastore.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace bbrun::server::stamps {

/// One input: a variable (or `VAR[flag]`) and its value as it enters the signature; nullopt
/// when the variable is referenced but not set.
struct TaskInput {
  std::string name;
  std::optional<std::string> value;
  bool function = false;
  bool operator==(const TaskInput&) const = default;
};

/// A task's inputs, sorted by name; the task's own function is one of them.
using TaskInputs = std::vector<TaskInput>;

/// What the configuration says to leave out of every signature.
struct SignatureSettings {
  std::unordered_set<std::string> ignored_variables; ///< BB_BASEHASH_IGNORE_VARS
  std::optional<std::unordered_set<std::string>> excluded_flags; ///< BB_SIGNATURE_EXCLUDE_FLAGS

  /// Read both variables from the configuration.
  static SignatureSettings from(const metadata::DataStore& config);
};

/// Finds the inputs of one recipe's tasks. The dependencies of each variable are worked out
/// once and shared by all the recipe's tasks.
class TaskInputScanner {
public:
  TaskInputScanner(const metadata::DataStore& recipe, const SignatureSettings& settings);

  TaskInputs inputs_of(std::string_view task);

private:
  struct Variable {
    std::optional<std::string> value;
    std::vector<std::string> deps;
    bool function = false;
  };
  const Variable& variable(const std::string& name);
  Variable scan(const std::string& name);
  Variable scan_flag(const std::string& name, size_t bracket);
  void add_function_deps(std::string_view name, const std::string& body,
                         std::vector<std::string>& deps);
  const std::vector<std::string>& exported();
  bool is_set(const std::string& name) const;

  const metadata::DataStore& m_data;
  const SignatureSettings& m_settings;
  std::unordered_map<std::string, Variable> m_variables;
  std::optional<std::vector<std::string>> m_exported;
};

} // namespace bbrun::server::stamps
