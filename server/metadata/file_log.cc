// SPDX-License-Identifier: MIT
// File logs.
#include "server/metadata/file_log.h"

#include <algorithm>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iterator>
#include <sys/stat.h>

namespace bbrun::server::metadata {

namespace {

// A file modified less than this long before it was observed may change again without its
// times changing. File times advance with the kernel's clock tick (at most 10 ms) where they
// keep nanoseconds; where they keep whole seconds (ext3, FAT, HFS+, a small-inode ext4, or a
// tool that set them), by a second or two.
constexpr int64_t k_racy_window_ns = 100'000'000;
constexpr int64_t k_racy_window_whole_seconds_ns = 2'000'000'000;

int64_t nanoseconds(const struct timespec& t) {
  return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

int64_t nanoseconds(const struct statx_timestamp& t) {
  return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

size_t hash_file_content(Symbol path) {
  std::ifstream in(path.str(), std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content_hash_of(content);
}

} // namespace

FileState file_state_at(int dir, const char* name, bool read) {
  // statx, asked for only what is compared: a quarter cheaper than fstatat here, which
  // converts every field of the kernel's answer; a check stats every file a parse used.
  struct statx st {};
  constexpr unsigned k_wanted = STATX_TYPE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_CTIME;
  FileState state;
  if (::statx(dir, name, AT_STATX_SYNC_AS_STAT, read ? k_wanted : STATX_TYPE, &st) != 0 ||
      !S_ISREG(st.stx_mode)) {
    return state;
  }
  state.exists = true;
  state.read = read;
  if (read) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    state.inode = st.stx_ino;
    state.size = static_cast<int64_t>(st.stx_size);
    state.mtime_ns = nanoseconds(st.stx_mtime);
    state.ctime_ns = nanoseconds(st.stx_ctime);
    state.seen_ns = nanoseconds(now);
  }
  return state;
}

namespace {

FileState current_state(Symbol path, bool read) {
  return file_state_at(AT_FDCWD, path.str().c_str(), read);
}

bool same_file(const FileState& then, const FileState& now) {
  return then.exists == now.exists && then.inode == now.inode && then.size == now.size &&
         then.mtime_ns == now.mtime_ns && then.ctime_ns == now.ctime_ns;
}

// Whether a later edit of the file would show in its times. Times in whole seconds are taken
// for a file system's that keeps no more (a nanosecond clock lands on a whole second once in a
// billion times, and then the longer window only costs a read).
bool settled(const FileState& state) {
  bool whole_seconds = state.mtime_ns % 1'000'000'000 == 0;
  return state.mtime_ns + (whole_seconds ? k_racy_window_whole_seconds_ns : k_racy_window_ns) <
         state.seen_ns;
}

} // namespace

size_t content_hash_of(std::string_view text) {
  return std::hash<std::string_view>{}(text);
}

FileState& FileLog::entry(Symbol path) {
  for (auto& logged : m_paths) {
    if (logged.path == path) {
      return logged.state;
    }
  }
  return m_paths.emplace_back(LoggedPath{path, {}}).state;
}

bool FileLog::probe(const std::filesystem::path& path) {
  Symbol name(path.native());
  size_t known = m_paths.size();
  FileState& state = entry(name);
  if (m_paths.size() != known) {
    state = current_state(name, false);
  }
  return state.exists;
}

void FileLog::read(const std::filesystem::path& path, size_t content_hash) {
  Symbol name(path.native());
  FileState& state = entry(name);
  if (!state.read) {
    state = current_state(name, true);
    state.content_hash = content_hash;
  }
}

void FileLog::read(const std::filesystem::path& path) {
  read(path, hash_file_content(Symbol(path.native())));
}

FileState FileStatCache::current(Symbol path, bool read) {
  {
    std::lock_guard lock(m_mutex);
    if (auto found = m_states[read].find(path); found != m_states[read].end()) {
      return found->second;
    }
  }
  FileState state = current_state(path, read);
  std::lock_guard lock(m_mutex);
  m_states[read].emplace(path, state);
  return state;
}

std::optional<size_t> SettledContents::find(Symbol path, const FileState& now) const {
  std::lock_guard lock(m_mutex);
  auto found = m_files.find(path);
  if (found == m_files.end() || !same_file(found->second, now)) {
    return std::nullopt;
  }
  return found->second.content_hash;
}

void SettledContents::remember(Symbol path, const FileState& now, size_t hash) {
  std::lock_guard lock(m_mutex);
  if (settled(now)) {
    FileState& known = m_files[path];
    known = now;
    known.content_hash = hash;
  } else {
    m_files.erase(path);
  }
}

size_t FileStatCache::content_hash(Symbol path, const FileState& now) {
  {
    std::lock_guard lock(m_mutex);
    if (auto found = m_hashes.find(path); found != m_hashes.end()) {
      return found->second;
    }
  }
  std::optional<size_t> hash = m_settled != nullptr ? m_settled->find(path, now) : std::nullopt;
  if (!hash) {
    hash = hash_file_content(path);
    if (m_settled != nullptr) {
      m_settled->remember(path, now, *hash);
    }
  }
  std::lock_guard lock(m_mutex);
  m_hashes.emplace(path, *hash);
  return *hash;
}

bool still_as_seen(const LoggedPath& logged, FileStatCache& stats) {
  return still_as_seen(logged, stats.current(logged.path, logged.state.read), stats);
}

bool still_as_seen(const LoggedPath& logged, const FileState& now, FileStatCache& stats) {
  const FileState& then = logged.state;
  bool same = same_file(then, now);
  if (!same && !(then.read && now.exists && now.size == then.size)) {
    return false;
  }
  bool racy = then.read && !settled(then);
  return (same && !racy) || stats.content_hash(logged.path, now) == then.content_hash;
}

bool FileLog::unchanged(FileStatCache* stats) const {
  FileStatCache own;
  if (stats == nullptr) {
    stats = &own;
  }
  return std::all_of(m_paths.begin(), m_paths.end(),
                     [&](const LoggedPath& logged) { return still_as_seen(logged, *stats); });
}

bool FileLog::same_content(const FileLog& other) const {
  return std::equal(m_paths.begin(), m_paths.end(), other.m_paths.begin(), other.m_paths.end(),
                    [](const LoggedPath& mine, const LoggedPath& theirs) {
                      const FileState& a = mine.state;
                      const FileState& b = theirs.state;
                      return mine.path == theirs.path && a.exists == b.exists && a.read == b.read &&
                             (!a.read || a.content_hash == b.content_hash);
                    });
}

} // namespace bbrun::server::metadata
