// SPDX-License-Identifier: MIT
// Test helpers for metadata: evaluating snippets of metadata text.
#pragma once

#include "common/result.h"
#include "server/metadata/ast.h"
#include "server/metadata/datastore.h"
#include "tests/testing/temp_dir.h"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::metadata::testing {

using bbrun::testing::TempDir;

/// The outcome of evaluating a snippet.
struct Snippet {
  std::shared_ptr<DataStore> data;
  std::vector<common::Error> errors;
};

/// Evaluate `text` as the file `as_path` (its extension picks the grammar) into a fresh
/// datastore.
Snippet evaluate_snippet(std::string_view text, std::string_view as_path = "/snippet/test.bb");

/// Evaluate `text` as a recipe at `as_path` with `python` installed, then run its anonymous
/// functions, as the end of a recipe's parse does.
Snippet evaluate_recipe_snippet(std::string_view text, PythonEvaluator& python,
                                std::string_view as_path = "/snippet/test.bb");

/// Return the expanded value of `name`, "<unset>" when unset, or "<error: MESSAGE>".
std::string value_of(const DataStore& d, std::string_view name);

/// Return the expanded flag, "<unset>" or "<error: MESSAGE>".
std::string flag_of(const DataStore& d, std::string_view name, std::string_view flag);

/// Return all error descriptions joined by newlines.
std::string describe(const std::vector<common::Error>& errors);

} // namespace bbrun::server::metadata::testing
