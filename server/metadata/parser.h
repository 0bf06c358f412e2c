// SPDX-License-Identifier: MIT
// The metadata parser: file text to statements, as BitBake's ConfHandler/BBHandler feeders.
#pragma once

#include "server/metadata/ast.h"

#include <string_view>

namespace bbrun::server::metadata {

/// Parse `text` read from `path` with the grammar `syntax`. Never fails as a whole: each
/// bad line adds an error ("path:line", what was expected) to `ParsedFile::errors` and
/// parsing goes on with the next line, so one pass reports every syntax error of a file.
/// Line numbers start at 1; a statement continued over several lines with `\` carries the
/// number of its first line. Function bodies are kept exactly as written, comments included.
ParsedFile parse_metadata(std::string_view text, std::string_view path, Syntax syntax);

/// Return the grammar of a file by its name: `.conf` files use Syntax::conf, all others
/// (`.bb`, `.bbappend`, `.bbclass`, `.inc`) Syntax::recipe.
Syntax syntax_for(std::string_view path);

} // namespace bbrun::server::metadata
