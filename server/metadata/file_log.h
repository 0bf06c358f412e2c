// SPDX-License-Identifier: MIT
// The files a parse consulted and what they looked like then, to tell later whether the parse
// still holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace bbrun::server::metadata {

/// What the parse saw of one path: whether it was a regular file, and for a file it read, its
/// identity, size, times (a write changes mtime; a rename or a metadata change, ctime) and a
/// hash of its content.
struct FileState {
  bool exists = false;
  bool read = false; ///< the content was read: identity, times and content matter too
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  int64_t seen_ns = 0; ///< when this was observed (CLOCK_REALTIME)
  size_t content_hash = 0;
};

/// The paths one parse looked at: files it read and paths it only checked for existence (an
/// include that was not there, a class found further along BBPATH). Used by one thread.
class FileLog {
public:
  /// The parse checked whether `path` is a regular file; returns whether it is.
  bool probe(const std::filesystem::path& path);
  /// The parse is about to read `path`.
  void read(const std::filesystem::path& path);

  /// Whether every path still looks as it did: nothing edited, appeared or disappeared. A file
  /// whose stat is unchanged is trusted, except one modified so shortly before it was read
  /// that a later edit could leave the same times (timestamps are coarser than edits): its
  /// content is compared too.
  bool unchanged() const;

private:
  std::map<std::string, FileState> m_states;
};

} // namespace bbrun::server::metadata
