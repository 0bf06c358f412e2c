// SPDX-License-Identifier: MIT
// Where the shared-state cache is, from the configuration: SSTATE_DIR (default
// ${TMPDIR}/sstate-cache), SSTATE_MIRRORS (BitBake's "REGEX URL" pairs; file:// URLs, with or
// without BitBake's trailing /PATH) and SSTATE_HTTP_CACHE (the URL of a bazel-remote or WebDAV
// HTTP cache).
#pragma once

#include "server/metadata/datastore.h"
#include "server/sstate/operations.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::sstate {

/// The cache locations of `config`, or nullopt when there is no SSTATE_DIR to be had (no
/// TMPDIR either). Mirror URLs that cannot be used are left out with a line in `warnings`.
std::optional<Locations> locations_from(const metadata::DataStore& config,
                                        const std::filesystem::path& tmpdir,
                                        std::vector<std::string>& warnings);

/// The directories of BitBake's SSTATE_MIRRORS value `value`, in order. Pairs whose URL is not
/// file:// are left out with a line in `warnings`.
std::vector<std::filesystem::path> parse_mirrors(const std::string& value,
                                                 std::vector<std::string>& warnings);

} // namespace bbrun::server::sstate
