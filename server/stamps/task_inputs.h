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
#include "server/stamps/signature.h"

#include <memory>
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
  std::unordered_set<std::string> ignored_variables;             ///< BB_BASEHASH_IGNORE_VARS
  std::optional<std::unordered_set<std::string>> excluded_flags; ///< BB_SIGNATURE_EXCLUDE_FLAGS

  /// Read both variables from the configuration.
  static SignatureSettings from(const metadata::DataStore& config);
};

/// Finds the inputs of one recipe's tasks. The dependencies of each variable are worked out
/// once and shared by all the recipe's tasks.
class TaskInputScanner {
public:
  TaskInputScanner(const metadata::DataStore& recipe, const SignatureSettings& settings);

  /// The hash of the task's inputs (see signature.h). Cheap: no value is copied.
  std::string inputs_hash(std::string_view task);
  /// The inputs themselves, sorted by name, to record and to explain.
  TaskInputs inputs_of(std::string_view task);

private:
  struct Variable {
    std::optional<std::string> value;
    std::vector<std::string> deps;
    bool function = false;
    const std::string* name = nullptr; ///< the key in m_variables
    Digest digest;
    std::vector<Variable*> dep_nodes; ///< `deps` looked up, on the first walk through here
    bool linked = false;
    uint32_t walk = 0; ///< the last walk that reached this variable
  };
  using Flags = std::vector<std::pair<std::string, std::string>>;
  /// Every variable reachable from `task`, each once (valid until the next call).
  const std::vector<Variable*>& reach(std::string_view task);
  Variable& variable(const std::string& name);
  Variable scan(const std::string& name);
  Variable scan_flag(const std::string& name, size_t bracket);
  void add_function_deps(bool python, const std::string& body, std::vector<std::string>& deps);
  void add_inline_calls(std::string_view text, std::vector<std::string>& deps);
  /// Whether `word` names a function of the recipe (`python`: a python one).
  bool is_function(std::string_view word, bool python);

  const metadata::DataStore& m_data;
  const SignatureSettings& m_settings;
  std::unordered_map<std::string, Variable> m_variables; ///< node-based: pointers stay valid
  uint32_t m_walk = 0;
  std::vector<Variable*> m_reached;
  std::vector<std::string> m_exported;                         ///< the recipe's exported variables
  std::shared_ptr<const std::vector<std::string>> m_functions; ///< the recipe's, sorted
};

} // namespace bbrun::server::stamps
