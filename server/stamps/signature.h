// SPDX-License-Identifier: MIT
// Task signatures: what must be unchanged for a task's last successful run to still count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::stamps {

/// The signature of a task whose complete input is `task_input` (for a shell task, the exact
/// script it runs: exports, functions, working directory) and whose dependencies have
/// `dep_signatures`. Hex text, stable across runs and machines.
std::string task_signature(std::string_view task_input,
                           const std::vector<std::string_view>& dep_signatures);

} // namespace bbrun::server::stamps
