// SPDX-License-Identifier: MIT
// Parsing one recipe over the shared configuration: file-name variables, bbappends, finalisation.
#pragma once

#include "common/result.h"
#include "server/metadata/configuration.h"
#include "server/metadata/datastore.h"
#include "server/metadata/file_log.h"
#include "server/metadata/python_hook.h"
#include "server/metadata/recipe_data.h"

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace bbrun::server::metadata {

class Evaluator;

/// The names a recipe provides and its version: what choosing providers needs, kept apart from
/// the datastore so that choosing does not decode recipes the parse cache left undecoded.
struct ProvidedNames {
  std::string pv;
  std::vector<std::string> provides; ///< PROVIDES
  std::vector<std::string> runtime;  ///< PACKAGES and each one's RPROVIDES:<package>
};

/// A parsed recipe. `data` reads through the configuration's datastore and holds only what
/// the recipe, its classes, includes and appends changed.
struct Recipe {
  std::string file; ///< as text: a std::filesystem::path splits itself into components when made
  std::string pn;
  RecipeData data;
  std::vector<std::filesystem::path> appends; ///< the .bbappend files applied, in order
  std::shared_ptr<const FileLog> files;       ///< what parsing it read and looked for
  ProvidedNames names;
};

/// The ProvidedNames of a recipe's finished datastore.
ProvidedNames provided_names(const DataStore& d);

/// Parse `recipe_file` as BitBake does: a datastore over `config.data`; FILE, FILE_DIRNAME
/// and PN/PV/PR from the file name (set first, so the recipe can override them); the recipe;
/// its .bbappend files in priority order; then variable names containing `${...}` are
/// expanded (`RDEPENDS:${PN}` becomes `RDEPENDS:foo`) and the anonymous Python functions
/// run through `python` (falling back to the configuration's evaluator). Fail with every
/// error found in the recipe and the files it pulls in.
///
/// Thread-safe: may run on several threads at once for distinct recipes.
common::Result<Recipe> parse_recipe(const Configuration& config,
                                    const std::filesystem::path& recipe_file,
                                    PythonEvaluator* python = nullptr);

/// Return PN, PV and PR from a recipe file name `NAME[_VERSION[_REVISION]].bb` (or
/// .bbappend), with the defaults "1.0" and "r0". Fail when there are more than two '_'.
common::Result<std::array<std::string, 3>> vars_from_file_name(const std::filesystem::path& file);

/// Run the anonymous python functions of `d` (`__BBANONFUNCS`) in order, as at the end of a
/// recipe's parse, recording each failure in `ev`; without an evaluator each is an error.
void run_anonymous_functions(DataStore& d, Evaluator& ev);

/// Rename every variable whose name contains `${...}` to its expanded name, as BitBake's
/// bb.data.expandKeys. Fail with the first name that cannot be expanded.
common::Result<void> expand_keys(DataStore& d);

} // namespace bbrun::server::metadata
