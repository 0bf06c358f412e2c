// SPDX-License-Identifier: MIT
// The /bin/sh script a shell task runs: its exports, the functions it calls, the task itself.
#pragma once

#include "common/result.h"
#include "server/metadata/datastore.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace bbrun::server::exec {

/// Build the script for shell function `task` of `data`, as BitBake's run.do_X: `set -e`, every
/// exported variable, every shell function the task calls (transitively), the task function,
/// `cd` into `workdir`, then the call. Function bodies and values are expanded. Fails when an
/// expansion fails.
common::Result<std::string> build_shell_script(const metadata::DataStore& data,
                                               std::string_view task,
                                               const std::filesystem::path& workdir);

/// Quote `value` for the shell as one word.
std::string shell_quote(std::string_view value);

} // namespace bbrun::server::exec
