// SPDX-License-Identifier: MIT
// Started pids in a shared anonymous mapping.
#include "server/exec/started_pids.h"

#include "common/unique_fd.h"

#include <sys/mman.h>

namespace bbrun::server::exec {

namespace {

constexpr size_t k_bytes = StartedPids::k_slots * sizeof(std::atomic<uint64_t>);
// Across processes the slots must need no lock: a lock-free atomic is plain memory.
static_assert(std::atomic<uint64_t>::is_always_lock_free);

} // namespace

common::Result<std::shared_ptr<StartedPids>> StartedPids::create() {
  void* memory =
      ::mmap(nullptr, k_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    return common::fail(common::ErrorKind::io, common::errno_message("mmap"));
  }
  // Zeroed by the kernel: pid 0 in every slot, which is no task's.
  return std::shared_ptr<StartedPids>(new StartedPids(static_cast<std::atomic<uint64_t>*>(memory)));
}

StartedPids::~StartedPids() {
  ::munmap(m_slots, k_bytes);
}

void StartedPids::record(uint32_t id, pid_t pid) {
  m_slots[id % k_slots].store((uint64_t(id) << 32) | uint32_t(pid), std::memory_order_release);
}

std::optional<pid_t> StartedPids::find(uint32_t id) const {
  uint64_t slot = m_slots[id % k_slots].load(std::memory_order_acquire);
  auto pid = static_cast<pid_t>(slot & 0xffffffffu);
  if ((slot >> 32) != id || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

} // namespace bbrun::server::exec
