// SPDX-License-Identifier: MIT
// The texts of shared-state action-cache entries, and the checks an entry read from any cache
// passes before it is used. A cache may be a stranger's server, a proxy that answers every
// request with a login page, or a directory an older bbrun wrote, so an entry counts only when
// it is a JSON object of its kind, names the task that asks ("pn:do_task") and the hash it was
// asked for, and its hashes are hex of exactly bbrun's lengths:
//
//   object       {"sha256": object, "size": bytes, "method": task, "outputs": [words]}
//   task hash    {"method": task, "taskhash": signature, "unihash": unique hash}
//   output hash  {"method": task, "outhash": outputs' hash, "unihash": unique hash}
//
// Signatures and unique hashes have 32 lowercase hex digits (stamps::task_signature), object
// names and outputs' hashes 64 (SHA-256). An object entry has always named its task; the two
// equivalence entries replaced plain unique-hash texts, under new keys (cache_keys.h).
#pragma once

#include "server/sstate/archive.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::sstate {

/// The length of a task signature or unique hash in hex digits (stamps::task_signature).
inline constexpr size_t k_task_hash_digits = 32;

/// Whether `text` is a task signature or unique hash: k_task_hash_digits lowercase hex digits.
bool is_task_hash(std::string_view text);
/// Whether `text` is a SHA-256 in hex: 64 lowercase hex digits.
bool is_sha256(std::string_view text);

/// The entry naming the object `packed` that holds `outputs` of `method`.
std::string object_entry(std::string_view method, const PackedObject& packed,
                         const std::vector<OutputDir>& outputs);
/// The object named by the object entry `text`, when it is one of `method`.
std::optional<std::string> object_of(std::string_view text, std::string_view method);

/// The entry recording that signature `taskhash` of `method` has the unique hash `unihash`.
std::string taskhash_entry(std::string_view method, std::string_view taskhash,
                           std::string_view unihash);
/// The unique hash in the task hash entry `text`, when it is that of `taskhash` of `method`.
std::optional<std::string> unihash_of_taskhash(std::string_view text, std::string_view method,
                                               std::string_view taskhash);

/// The entry recording that outputs hashing to `outhash` of `method` have the unique hash
/// `unihash`.
std::string outhash_entry(std::string_view method, std::string_view outhash,
                          std::string_view unihash);
/// The unique hash in the output hash entry `text`, when it is that of `outhash` of `method`.
std::optional<std::string> unihash_of_outhash(std::string_view text, std::string_view method,
                                              std::string_view outhash);

} // namespace bbrun::server::sstate
