// SPDX-License-Identifier: MIT
// A log that jobs append their start and end to, and what it says about concurrency.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

namespace bbrun::testing {

struct Interval {
  double start = 0;
  double end = 0;
};

/// The intervals in `log`, by label: lines "start LABEL SECONDS" and "end LABEL SECONDS", as
/// `echo "start LABEL $(date +%s.%N)" >> LOG` writes them.
std::map<std::string, Interval> read_job_log(const std::filesystem::path& log);

/// The most intervals of `log` that were running at one instant.
size_t peak_concurrency(const std::filesystem::path& log);

} // namespace bbrun::testing
