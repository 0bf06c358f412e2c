// SPDX-License-Identifier: MIT
// The action-cache keys of shared state. Each is the SHA-256 of a tagged text, so that keys of
// different kinds never meet, and every key has the 64 hex digits bazel-remote requires.
#pragma once

#include <string>
#include <string_view>

namespace bbrun::server::sstate {

/// The object of a task: `method` ("pn:do_task") and its unique hash; its entry is under
/// object_key(unihash).
struct ObjectQuery {
  std::string method;
  std::string unihash;
};

/// A signature of a task: `method` ("pn:do_task") and the task hash; its equivalence entry is
/// under unihash_key(method, taskhash).
struct UnihashQuery {
  std::string method;
  std::string taskhash;
};

/// The entry that names the object of a task whose unique hash is `unihash`.
std::string object_key(std::string_view unihash);
/// The entry that maps a task hash of `method` ("pn:do_task") to its unique hash.
std::string unihash_key(std::string_view method, std::string_view taskhash);
/// The entry that maps an output hash of `method` to the unique hash of the first task hash
/// that produced those outputs.
std::string outhash_key(std::string_view method, std::string_view outhash);

} // namespace bbrun::server::sstate
