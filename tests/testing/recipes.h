// SPDX-License-Identifier: MIT
// Recipes made from metadata text, without files, for graph and runqueue tests.
#pragma once

#include "server/metadata/recipe.h"

#include <string>

namespace bbrun::testing {

/// Recipe `pn` (file /layer/PN_PV.bb) from `text`, with T and B set so tasks can be planned.
server::metadata::Recipe make_recipe(const std::string& pn, const std::string& text,
                                     const std::string& pv = "1.0");

} // namespace bbrun::testing
