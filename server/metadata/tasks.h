// SPDX-License-Identifier: MIT
// addtask/deltask bookkeeping, stored as BitBake stores it, and the task list the runqueue reads.
#pragma once

// Storage, as BitBake's bb.build.addtask: the variable `__BBTASKS` lists the tasks in the
// order they were added; each task `do_X` has the flag `task` = "1" and the flag `deps`
// listing the tasks it runs after. Lists are space-separated words. Task names given to
// addtask/deltask get a `do_` prefix when they lack one; the words after `after`/`before`
// are stored as written (BitBake does not normalise them either).

#include "common/result.h"
#include "server/metadata/datastore.h"

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::metadata {

/// One task of a recipe and the tasks of the same recipe it must run after.
struct TaskDecl {
  std::string name;               ///< "do_compile"
  std::vector<std::string> after; ///< expanded entries of `do_compile[deps]`
};

/// Return `task` with a `do_` prefix.
std::string task_name(std::string_view task);

/// Add `task` (running after each word of `after`, before each word of `before`).
void add_task(DataStore& d, std::string_view task, std::string_view after, std::string_view before);

/// Remove `task` and every dependency on it.
void del_task(DataStore& d, std::string_view task);

/// Return the recipe's tasks in `__BBTASKS` order with their expanded `[deps]`. Fails when a
/// `[deps]` flag cannot be expanded.
common::Result<std::vector<TaskDecl>> recipe_tasks(const DataStore& d);

/// Split `text` on whitespace.
std::vector<std::string> split_words(std::string_view text);

/// Join `words` with single spaces.
std::string join_words(const std::vector<std::string>& words);

} // namespace bbrun::server::metadata
