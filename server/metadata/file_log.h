// SPDX-License-Identifier: MIT
// The files a parse consulted and what they looked like then, to tell later whether the parse
// still holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

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
  int64_t seen_ns = 0;     ///< when this was observed (CLOCK_REALTIME)
  size_t content_hash = 0; ///< content_hash_of the text the parse used
};

/// The hash FileLog keeps of a file's content.
size_t content_hash_of(std::string_view text);

/// What paths look like now, each stat'ed once however many logs ask: recipes share their
/// classes and includes, so checking a thousand logs costs a thousand stats, not ten thousand.
/// For one round of checks (files may change between rounds); thread-safe.
class FileStatCache {
public:
  FileState current(const std::string& path, bool read);

private:
  std::mutex m_mutex;
  std::unordered_map<std::string, FileState> m_states[2]; ///< by `read`
};

/// The paths one parse looked at: files it read and paths it only checked for existence (an
/// include that was not there, a class found further along BBPATH). Used by one thread.
class FileLog {
public:
  /// The parse checked whether `path` is a regular file; returns whether it is.
  bool probe(const std::filesystem::path& path);
  /// The parse read `path`, whose text has content_hash_of `content_hash`.
  void read(const std::filesystem::path& path, size_t content_hash);
  /// The parse read `path` as it is on disk now.
  void read(const std::filesystem::path& path);

  /// Whether every path still looks as it did: nothing edited, appeared or disappeared. A file
  /// whose stat is unchanged is trusted, except one modified so shortly before it was read
  /// that a later edit could leave the same times (timestamps are coarser than edits): its
  /// content is compared too. A file whose stat changed but whose size did not is compared by
  /// content as well: touched, or saved again as it was, it is unchanged.
  /// `stats`, when given, is shared with the other logs checked in the same round.
  bool unchanged(FileStatCache* stats = nullptr) const;

  /// Every path with what was seen of it, to save the log (recipe_codec.h) and restore it.
  const std::map<std::string, FileState>& states() const { return m_states; }
  void restore(std::string path, const FileState& state) { m_states[std::move(path)] = state; }

private:
  std::map<std::string, FileState> m_states;
};

} // namespace bbrun::server::metadata
