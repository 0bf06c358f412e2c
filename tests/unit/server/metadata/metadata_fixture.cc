// SPDX-License-Identifier: MIT
// Snippet evaluation for the metadata tests.
#include "tests/unit/server/metadata/metadata_fixture.h"

#include "server/metadata/evaluator.h"
#include "server/metadata/parse_cache.h"
#include "server/metadata/recipe.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace bbrun::server::metadata::testing {

Snippet evaluate_snippet(std::string_view text, std::string_view as_path) {
  Snippet out{std::make_shared<DataStore>(), {}};
  ParseCache cache;
  Evaluator ev(*out.data, cache);
  ev.evaluate_text(text, as_path);
  out.errors = ev.errors();
  return out;
}

Snippet evaluate_recipe_snippet(std::string_view text, PythonEvaluator& python,
                                std::string_view as_path) {
  Snippet out{std::make_shared<DataStore>(), {}};
  out.data->set_python(&python);
  ParseCache cache;
  Evaluator ev(*out.data, cache);
  ev.evaluate_text(text, as_path);
  run_anonymous_functions(*out.data, ev);
  out.errors = ev.errors();
  return out;
}

std::string value_of(const DataStore& d, std::string_view name) {
  auto value = d.get_var(name);
  if (!value) {
    return "<error: " + value.error().message + ">";
  }
  return value->value_or("<unset>");
}

std::string flag_of(const DataStore& d, std::string_view name, std::string_view flag) {
  auto value = d.get_flag(name, flag);
  if (!value) {
    return "<error: " + value.error().message + ">";
  }
  return value->value_or("<unset>");
}

std::string describe(const std::vector<common::Error>& errors) {
  std::string out;
  for (const common::Error& e : errors) {
    out += (out.empty() ? "" : "\n") + e.describe();
  }
  return out;
}

} // namespace bbrun::server::metadata::testing
