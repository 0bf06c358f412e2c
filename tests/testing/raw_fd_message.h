// SPDX-License-Identifier: MIT
// Sending fds with none of fd_passing's limits, as a hostile or broken peer would.
#pragma once

#include <span>

namespace bbrun::testing {

/// Send one message on `socket`: the data byte `byte` and all of `fds` in one SCM_RIGHTS
/// control message, however many. Return whether sendmsg succeeded.
bool send_fds_unchecked(int socket, unsigned char byte, std::span<const int> fds);

} // namespace bbrun::testing
