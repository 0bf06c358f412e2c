// SPDX-License-Identifier: MIT
// Task signatures: what must be unchanged for a task's last successful run to still count.
#pragma once

#include "server/stamps/task_inputs.h"

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::stamps {

/// The hash of a task's own inputs (BitBake's "basehash"). Hex text, stable across runs,
/// build directories and machines.
std::string inputs_hash(const TaskInputs& inputs);

/// The signature of a task whose own inputs hash to `inputs_hash` and whose dependencies have
/// `dep_signatures` (in an order that does not depend on the build). Hex text.
std::string task_signature(std::string_view inputs_hash,
                           const std::vector<std::string_view>& dep_signatures);

} // namespace bbrun::server::stamps
