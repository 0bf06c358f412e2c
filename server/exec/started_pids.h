// SPDX-License-Identifier: MIT
// The pids of the tasks the launcher started, in memory it shares with the cooker.
#pragma once

#include "common/result.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <sys/types.h>

namespace bbrun::server::exec {

/// Written by the launcher as it forks each task, read by the cooker only when the launcher
/// died before reporting a task's pid (it reports pids late, launcher.h): the cooker can then
/// still kill the task's process group instead of leaving it running. Made before the launcher
/// is forked, so both see the same pages. A slot per task id modulo k_slots: more tasks than
/// that never run at once.
class StartedPids {
public:
  static constexpr size_t k_slots = 8192;

  static common::Result<std::shared_ptr<StartedPids>> create();
  ~StartedPids();
  StartedPids(const StartedPids&) = delete;
  StartedPids& operator=(const StartedPids&) = delete;

  void record(uint32_t id, pid_t pid);
  /// The pid recorded for task `id`, if it is that task's.
  std::optional<pid_t> find(uint32_t id) const;

private:
  explicit StartedPids(std::atomic<uint64_t>* slots) : m_slots(slots) {}

  std::atomic<uint64_t>* m_slots; ///< (id << 32) | pid, shared
};

} // namespace bbrun::server::exec
