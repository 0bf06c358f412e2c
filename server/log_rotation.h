// SPDX-License-Identifier: MIT
// Keeping the server log from growing without bound on a server that runs for weeks.
#pragma once

#include <cstddef>
#include <filesystem>

namespace bbrun::server {

/// The log is rotated once it is larger than this; one older file is kept beside it.
inline constexpr size_t k_log_cap_bytes = size_t{8} << 20;

/// When stderr is the file at `log` and it has grown beyond `cap` bytes, move it to
/// `log` + ".old" (replacing the previous one) and point stdout and stderr at a new, empty
/// `log`. Anything else (stderr a terminal, the file moved away by someone) is left alone.
void rotate_log_if_large(const std::filesystem::path& log, size_t cap = k_log_cap_bytes);

} // namespace bbrun::server
