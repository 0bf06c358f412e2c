// SPDX-License-Identifier: MIT
// Comparing version strings the way BitBake and Debian do ("1.10" > "1.9", "1.0~rc1" < "1.0").
#pragma once

#include <string_view>

namespace bbrun::server::metadata {

/// Return <0, 0 or >0 as `a` sorts before, equal to or after `b`. Runs of digits compare as
/// numbers, other runs character by character with letters before punctuation, and `~` sorts
/// before anything, even the end of the string (so a release candidate precedes its release).
int compare_versions(std::string_view a, std::string_view b);

} // namespace bbrun::server::metadata
