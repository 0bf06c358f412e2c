// SPDX-License-Identifier: MIT
// Job logs.
#include "tests/testing/job_log.h"

#include "tests/testing/temp_dir.h"

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

namespace bbrun::testing {

std::map<std::string, Interval> read_job_log(const std::filesystem::path& log) {
  std::map<std::string, Interval> result;
  std::istringstream lines(read_file(log));
  std::string kind, label;
  double time = 0;
  while (lines >> kind >> label >> time) {
    (kind == "start" ? result[label].start : result[label].end) = time;
  }
  return result;
}

size_t peak_concurrency(const std::filesystem::path& log) {
  std::vector<std::pair<double, int>> edges;
  for (const auto& [label, interval] : read_job_log(log)) {
    edges.emplace_back(interval.start, 1);
    edges.emplace_back(interval.end, -1);
  }
  // At equal times an end sorts before a start (-1 < 1): a slot handed on is not an overlap.
  std::sort(edges.begin(), edges.end());
  int running = 0, peak = 0;
  for (const auto& [time, delta] : edges) {
    running += delta;
    peak = std::max(peak, running);
  }
  return static_cast<size_t>(peak);
}

} // namespace bbrun::testing
