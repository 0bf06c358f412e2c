// SPDX-License-Identifier: MIT
// What a value or a function's code refers to: the datastore variables it reads and the words
// that may call other functions. Used for task signatures and for a shell task's script.
#pragma once

// These are textual scans, as BitBake's code parser is at heart: a reference in a comment or a
// string counts too. Finding a name that is not really used only adds an input to a signature;
// missing one would hide a change, so the scans err on the side of finding more.

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::metadata {

/// Names referenced as `${NAME}` in `text`, in order of appearance, with repeats. The python of
/// `${@...}` is scanned as `python_references` does.
std::vector<std::string> value_references(std::string_view text);

/// The names of the `$NAME` shell parameter expansions in `code` (not `${NAME}`).
std::vector<std::string> shell_parameters(std::string_view code);

/// What python `code` reads from the datastore by literal name: the first argument of
/// `d.getVar`, `d.appendVar`, `d.prependVar`, `bb.utils.contains`, `contains_any` and
/// `filter`, and `NAME[flag]` for `d.getVarFlag('NAME', 'flag')`; plus `${NAME}` references.
std::vector<std::string> python_references(std::string_view code);

/// The names python `code` calls, as in `name(` or `bb.build.exec_func('name', d)`.
std::vector<std::string> python_calls(std::string_view code);

/// The names the python of each `${@...}` in `text` calls, as `python_calls` finds them.
std::vector<std::string> inline_python_calls(std::string_view text);

/// Every word of `text` made of the characters of a function name ([A-Za-z0-9_.-]): the
/// candidates for functions a shell function calls.
std::vector<std::string_view> shell_words(std::string_view text);

} // namespace bbrun::server::metadata
