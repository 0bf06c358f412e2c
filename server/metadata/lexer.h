// SPDX-License-Identifier: MIT
// Line-level recognisers for the metadata grammar, mirroring the regular expressions of
// BitBake's ConfHandler.py and BBHandler.py without their backtracking costs.
#pragma once

#include "common/result.h"
#include "server/metadata/ast.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace bbrun::server::metadata {

/// Match `[export] NAME[flag] OP "value"` (or single quotes). On failure, return a message
/// saying what was expected, without location.
common::Result<Assignment> lex_assignment(std::string_view line);

/// The start of a function: `[python] [fakeroot] [NAME] ( ) {` at the end of the line.
struct FunctionStart {
  std::string name; ///< empty for `python () {`
  bool python = false;
  bool fakeroot = false;
};
std::optional<FunctionStart> lex_function_start(std::string_view line);

/// Match `def NAME...:`; return NAME.
std::optional<std::string> lex_python_def(std::string_view line);

/// Match `KEYWORD<whitespace>REST` with a non-empty REST; return REST without surrounding
/// whitespace.
std::optional<std::string_view> lex_keyword(std::string_view line, std::string_view keyword);

/// Match `export NAME` (a bare export, no value).
std::optional<std::string> lex_export(std::string_view line);

/// Match `unset NAME` or `unset NAME[flag]`.
std::optional<UnsetStatement> lex_unset(std::string_view line);

/// Split the text after `addtask` into task names and after/before lists, as BBHandler does
/// (splitting on the words " after " and " before ", a trailing `#` comment dropped).
AddTaskStatement lex_addtask(std::string_view rest);

/// Return `line` fit for an error message: at most 80 characters, control bytes as '?'.
std::string excerpt(std::string_view line);

/// Whether `c` is whitespace in the sense of Python's str.strip().
inline bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Return `s` without leading, resp. trailing, whitespace.
std::string_view trim_left(std::string_view s);
std::string_view trim_right(std::string_view s);
inline std::string_view trim(std::string_view s) {
  return trim_left(trim_right(s));
}

} // namespace bbrun::server::metadata
