// SPDX-License-Identifier: MIT
// The last lines of a task log, for failure reports.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bbrun::server::exec {

/// The last `count` lines of `path` (reading at most its last 64 KiB); empty if unreadable.
std::vector<std::string> read_log_tail(const std::filesystem::path& path, size_t count);

} // namespace bbrun::server::exec
