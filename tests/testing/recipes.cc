// SPDX-License-Identifier: MIT
// Recipes from metadata text.
#include "tests/testing/recipes.h"

#include "tests/unit/server/metadata/metadata_fixture.h"

#include <gtest/gtest.h>

namespace bbrun::testing {

server::metadata::Recipe make_recipe(const std::string& pn, const std::string& text,
                                     const std::string& pv) {
  std::string file = "/layer/" + pn + "_" + pv + ".bb";
  auto snippet = server::metadata::testing::evaluate_snippet(
      "PN = \"" + pn + "\"\nPV = \"" + pv +
          "\"\nT = \"/nonexistent/temp\"\nB = \"/nonexistent/build\"\n" + text,
      file);
  EXPECT_TRUE(snippet.errors.empty()) << server::metadata::testing::describe(snippet.errors);
  return server::metadata::Recipe{file, pn,      snippet.data,
                                  {},   nullptr, server::metadata::provided_names(*snippet.data)};
}

} // namespace bbrun::testing
