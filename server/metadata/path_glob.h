// SPDX-License-Identifier: MIT
// Shell patterns over paths (BBFILES), each directory read once however many patterns look in it.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace bbrun::server::metadata {

/// Expands patterns as glob(3) does without flags: `*`, `?` and `[...]` in any component, a
/// leading `.` matched only by a `.`, a backslash quoting the next character, and a path
/// without wildcards returned if it exists. A layer's BBFILES names its recipe directory two
/// or three times (`*.bb`, `*.bbappend`): listed once here, where glob(3) lists it for each.
/// Listings are kept for the object's life: make one per round of expansions.
class PathGlob {
public:
  /// The existing paths `pattern` matches, sorted bytewise (glob's own order follows the
  /// locale).
  std::vector<std::string> expand(const std::string& pattern);

private:
  struct Entry {
    std::string name;
    unsigned char type; ///< d_type: DT_UNKNOWN where the file system does not say
  };
  /// The entries of `directory`, `.` and `..` too (glob's `.*` matches them); none when it
  /// cannot be read.
  const std::vector<Entry>& listing(const std::string& directory);

  std::unordered_map<std::string, std::vector<Entry>> m_listings;
};

} // namespace bbrun::server::metadata
