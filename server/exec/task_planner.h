// SPDX-License-Identifier: MIT
// From a recipe's datastore to a TaskPlan: the task flags BitBake honours, resolved.
#pragma once

#include "common/result.h"
#include "server/exec/task_plan.h"
#include "server/metadata/datastore.h"

#include <memory>
#include <string>
#include <string_view>

namespace bbrun::server::exec {

/// Resolve task `task` of the recipe whose datastore is `data`: `[dirs]` (default `${B}`),
/// `[cleandirs]`, `[lockfiles]`, `[umask]` (octal, default 022), `${T}` for logs and the script
/// (which exports what the recipe exports); the environment is left to the caller. A python
/// task gets no script but `data` itself, to run its function with. Fails with
/// ErrorKind::usage for a bad umask or a missing `T`.
common::Result<TaskPlan> plan_task(const std::shared_ptr<metadata::DataStore>& recipe_data,
                                   std::string_view recipe, std::string_view task);

} // namespace bbrun::server::exec
