// SPDX-License-Identifier: MIT
// The files a parse consulted and what they looked like then, to tell later whether the parse
// still holds.
#pragma once

#include "server/metadata/symbol.h"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

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

/// Content hashes of files read while their times had settled (modified longer ago than a
/// timestamp's resolution): while such a file's stat stays the same, its content has too, so
/// it need not be read again. Kept across rounds of checks, by the cooker; thread-safe.
class SettledContents {
public:
  /// The content hash of `path` if it was read while it looked exactly as `now`.
  std::optional<size_t> find(Symbol path, const FileState& now) const;
  /// `path`, looking as `now`, has content hashing to `hash`; kept only if `now` is settled.
  void remember(Symbol path, const FileState& now, size_t hash);

private:
  mutable std::mutex m_mutex;
  std::unordered_map<Symbol, FileState, SymbolHash> m_files;
};

/// What paths look like now, each stat'ed once however many logs ask: recipes share their
/// classes and includes, so checking a thousand logs costs a thousand stats, not ten thousand.
/// A file whose content must be compared is read once too, or not at all when `settled`
/// knows it. For one round of checks (files may change between rounds); thread-safe.
class FileStatCache {
public:
  explicit FileStatCache(SettledContents* settled = nullptr) : m_settled(settled) {}

  FileState current(Symbol path, bool read);
  /// The hash of `path`'s content, which looked as `now` (from current) this round.
  size_t content_hash(Symbol path, const FileState& now);

private:
  SettledContents* m_settled;
  std::mutex m_mutex;
  std::unordered_map<Symbol, FileState, SymbolHash> m_states[2]; ///< by `read`
  std::unordered_map<Symbol, size_t, SymbolHash> m_hashes;
};

/// One path a parse looked at, and what it saw of it. Paths are interned: the logs of a
/// thousand recipes name the same classes and includes.
struct LoggedPath {
  Symbol path;
  FileState state;
};

/// Whether `logged.path` still looks as it did (FileLog::unchanged tells how it is judged).
bool still_as_seen(const LoggedPath& logged, FileStatCache& stats);
/// The same, given what the path looks like `now` (file_state_at).
bool still_as_seen(const LoggedPath& logged, const FileState& now, FileStatCache& stats);

/// What the file `name` in the directory open as `dir` (or AT_FDCWD) looks like now; with its
/// identity, size and times when it is to be `read`.
FileState file_state_at(int dir, const char* name, bool read);

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
  /// Whether `other` looked at the same paths in the same order and found the same: the same
  /// ones missing, the same content in the ones read. Two parses whose logs agree so were
  /// given the same text, however far apart they ran.
  bool same_content(const FileLog& other) const;

  /// Every path with what was seen of it, in the order first seen, to save the log
  /// (recipe_codec.h) and restore it.
  const std::vector<LoggedPath>& paths() const { return m_paths; }
  void restore(Symbol path, const FileState& state) { m_paths.push_back({path, state}); }
  void reserve(size_t paths) { m_paths.reserve(paths); }

private:
  /// The entry of `path`, added unseen (exists false) if the log had none. A log holds tens of
  /// paths, rarely hundreds: comparing interned pointers in a scan costs less than a map's nodes.
  FileState& entry(Symbol path);

  std::vector<LoggedPath> m_paths;
};

} // namespace bbrun::server::metadata
