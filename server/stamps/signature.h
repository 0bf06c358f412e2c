// SPDX-License-Identifier: MIT
// Task signatures: what must be unchanged for a task's last successful run to still count.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::stamps {

/// A 128-bit hash of one signature input.
struct Digest {
  uint64_t a = 0;
  uint64_t b = 0;
  auto operator<=>(const Digest&) const = default;
};

/// The digest of one input: a variable's name and its value (nullopt: referenced but unset).
Digest input_digest(std::string_view name, const std::optional<std::string>& value);

/// The hash of a task's own inputs (BitBake's "basehash") from their digests, in any order.
/// Hex text, stable across runs, build directories and machines.
std::string inputs_hash(std::vector<Digest> digests);

/// The signature of a task whose own inputs hash to `inputs_hash` and whose dependencies have
/// `dep_signatures` (in an order that does not depend on the build). Hex text.
std::string task_signature(std::string_view inputs_hash,
                           const std::vector<std::string_view>& dep_signatures);

} // namespace bbrun::server::stamps
