// SPDX-License-Identifier: MIT
// posix_spawn's file actions and attributes, owned: for children started without a fork's
// copy of the parent's page tables.
#pragma once

#include <spawn.h>

namespace bbrun::common {

/// Every signal unblocked and back to its default in the child, plus `flags`
/// (POSIX_SPAWN_SETPGROUP, POSIX_SPAWN_SETSID, ...). File actions are the caller's to add.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attributes{};

  explicit SpawnSetup(short flags);
  ~SpawnSetup();
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

} // namespace bbrun::common
