// SPDX-License-Identifier: MIT
// The `bbrun -e` dump of a datastore, in the form `bitbake -e` prints it.
#pragma once

#include "server/metadata/datastore.h"

#include <string>

namespace bbrun::server::metadata {

/// Return the datastore as BitBake's `-e` prints it (lib/bb/data.py emit_env, then the
/// Python functions as cooker.showEnvironment does). Names starting with "__" are left out.
///
/// 1. Variables, sorted: a history comment (`#`, `# $VAR`, `#   set FILE:LINE` when the
///    defining statement is known), then `VAR="value"` with the expanded value, prefixed
///    `export ` when exported, `"` `$` and backquote escaped with a backslash, and each
///    newline written as ` \` + newline. A variable with the `unexport` flag prints
///    `unset VAR`; one with only flags (no value) prints nothing; one that cannot be
///    expanded prints `# expansion of VAR threw ExpansionError: ...` instead.
/// 2. Shell functions, sorted: `# line: N, file: F`, then `name() {`, the expanded body
///    without trailing newlines, `}` and an empty line.
/// 3. Python functions, sorted: an empty line, `python name () {`, the body as written, `}`.
std::string format_environment(const DataStore& d);

/// Return `value` escaped for the inside of a double-quoted shell string, as above.
std::string escape_value(std::string_view value);

} // namespace bbrun::server::metadata
