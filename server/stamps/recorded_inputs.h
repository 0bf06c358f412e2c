// SPDX-License-Identifier: MIT
// A signature's inputs as stored with a stamp, so that a later rerun can say what changed.
#pragma once

#include "server/stamps/task_inputs.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bbrun::server::stamps {

struct RecordedInputs {
  TaskInputs inputs;
  /// "recipe:do_task" and signature of each dependency.
  std::vector<std::pair<std::string, std::string>> deps;
};

/// The stored form: {"vars": [[name, value or null, is_function], ...], "deps": [[label,
/// signature], ...]}.
std::string to_record(const TaskInputs& inputs,
                      const std::vector<std::pair<std::string, std::string>>& deps);

/// Read a stored form back; nullopt when `text` is not one.
std::optional<RecordedInputs> from_record(std::string_view text);

} // namespace bbrun::server::stamps
