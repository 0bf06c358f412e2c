// SPDX-License-Identifier: MIT
// What bbrun does with its options: one command against the server, events rendered.
#pragma once

#include "client/options.h"

namespace bbrun::client {

/// Exit statuses (SPEC.md).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failed = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_no_server = 3;

/// Run the client; returns the exit status.
int run(const Options& options);

} // namespace bbrun::client
