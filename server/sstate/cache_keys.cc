// SPDX-License-Identifier: MIT
// Shared-state cache keys.
#include "server/sstate/cache_keys.h"

#include "server/sstate/sha256.h"

#include <fmt/core.h>

namespace bbrun::server::sstate {

std::string object_key(std::string_view unihash) {
  return sha256_hex(fmt::format("bbrun-sstate-object-1\n{}", unihash));
}

// Version 1 of these entries held a bare unique hash, which a bbrun of that version takes as it
// comes: version 2 (JSON, cache_entries.h) lives under other keys, so that it never reads one.
std::string unihash_key(std::string_view method, std::string_view taskhash) {
  return sha256_hex(fmt::format("bbrun-unihash-2\n{}\n{}", method, taskhash));
}

std::string outhash_key(std::string_view method, std::string_view outhash) {
  return sha256_hex(fmt::format("bbrun-outhash-2\n{}\n{}", method, outhash));
}

} // namespace bbrun::server::sstate
