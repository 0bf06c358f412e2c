// SPDX-License-Identifier: MIT
// `--explain`: why each task that would run does, in words.
#pragma once

#include "server/runqueue/rerun_decision.h"

#include <string>
#include <vector>

namespace bbrun::server::runqueue {

/// For every task of `graph` that runs, in run order, one line per reason, as
/// "pn:do_task: variable CFLAGS changed from '-O2' to '-O3'"; a changed function is followed
/// by a short diff of its lines, indented. Ends with a count of the tasks that would run.
/// Compares with the inputs recorded in `stamps` (may be null).
std::string explain_reruns(const TaskGraph& graph, const RecipeIndex& recipes,
                           const std::vector<TaskDecision>& decisions, stamps::StampDb* stamps);

} // namespace bbrun::server::runqueue
