// SPDX-License-Identifier: MIT
// The statements of a parsed metadata file, as BitBake's parse/ast.py nodes, before evaluation.
#pragma once

#include "common/result.h"
#include "server/metadata/symbol.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace bbrun::server::metadata {

/// The assignment operators, with BitBake's meaning.
enum class AssignOp {
  set,          ///< `=`   deferred: stored unexpanded
  immediate,    ///< `:=`  expanded now
  default_set,  ///< `?=`  set if nothing set it yet
  weak_default, ///< `??=` default used at lookup if nothing else set it
  append,       ///< `+=`  append with a space
  prepend,      ///< `=+`  prepend with a space
  append_dot,   ///< `.=`  append without a space
  prepend_dot,  ///< `=.`  prepend without a space
};

/// `[export] NAME[flag] OP "value"`.
struct Assignment {
  std::uint32_t line = 0;
  bool exported = false;
  std::string name;
  std::optional<std::string> flag;
  AssignOp op = AssignOp::set;
  std::string value;
};

/// `include FILES` (missing files are skipped) or `require FILES` (missing is an error).
struct IncludeStatement {
  std::uint32_t line = 0;
  std::string files;
  bool required = false;
};

/// `export NAME`.
struct ExportStatement {
  std::uint32_t line = 0;
  std::string name;
};

/// `unset NAME` or `unset NAME[flag]`.
struct UnsetStatement {
  std::uint32_t line = 0;
  std::string name;
  std::optional<std::string> flag;
};

/// `[python] [fakeroot] NAME() {` ... `}`; an empty name is an anonymous Python function.
struct FunctionDefinition {
  std::uint32_t line = 0;
  std::string name;
  std::string body; ///< the lines between the braces, each followed by '\n'
  bool python = false;
  bool fakeroot = false;
};

/// `def NAME(...):` followed by its indented lines; the body includes the `def` line.
struct PythonDefinition {
  std::uint32_t line = 0;
  std::string name;
  std::string body;
};

/// `EXPORT_FUNCTIONS NAMES`.
struct ExportFunctionsStatement {
  std::uint32_t line = 0;
  std::string names;
};

/// `addtask TASKS [after A B] [before C]`.
struct AddTaskStatement {
  std::uint32_t line = 0;
  std::string tasks;
  std::string after;
  std::string before;
};

/// `deltask TASKS`.
struct DelTaskStatement {
  std::uint32_t line = 0;
  std::string tasks;
};

/// `inherit CLASSES`.
struct InheritStatement {
  std::uint32_t line = 0;
  std::string classes;
};

/// `addhandler NAMES` (event handlers; stored in __BBHANDLERS for the Python side).
struct AddHandlerStatement {
  std::uint32_t line = 0;
  std::string names;
};

using Statement =
    std::variant<Assignment, IncludeStatement, ExportStatement, UnsetStatement, FunctionDefinition,
                 PythonDefinition, ExportFunctionsStatement, AddTaskStatement, DelTaskStatement,
                 InheritStatement, AddHandlerStatement>;

/// Which grammar a file uses: `.conf` files allow assignments, include/require, export and
/// unset only; recipes, classes and `.inc` files allow everything.
enum class Syntax { conf, recipe };

/// One file, parsed. Immutable once made, so it is shared between all recipes that include
/// or inherit it.
struct ParsedFile {
  Symbol path;
  std::string classname; ///< the class name for a `.bbclass`, else empty
  std::vector<Statement> statements;
  std::vector<common::Error> errors; ///< syntax errors; the statements around them still count
  size_t content_hash = 0;           ///< content_hash_of (file_log.h) the text parsed
};

} // namespace bbrun::server::metadata
