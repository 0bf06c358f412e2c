// SPDX-License-Identifier: MIT
// ParseCache: read each metadata file once and keep its statements.
#include "server/metadata/parse_cache.h"

#include "server/metadata/file_log.h"
#include "server/metadata/parser.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::server::metadata {

namespace {

common::Error io_error(const std::filesystem::path& path, const char* what) {
  return common::Error{common::ErrorKind::io, std::string(what) + ": " + std::strerror(errno),
                       path.string()};
}

} // namespace

common::Result<std::string> read_file(const std::filesystem::path& path) {
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return common::fail(io_error(path, "cannot open"));
  }
  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    text.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      common::Error error = io_error(path, "cannot read");
      ::close(fd);
      return common::fail(std::move(error));
    }
    if (n == 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

common::Result<std::shared_ptr<const ParsedFile>>
ParseCache::get(const std::filesystem::path& path) {
  const std::string key = path.string();
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_files.find(key); it != m_files.end()) {
      return it->second;
    }
  }
  // Parse outside the lock; two threads may parse the same file once each, and the first
  // result stored wins.
  auto text = read_file(path);
  if (!text) {
    return common::fail(text.error());
  }
  return put(path, *text);
}

std::shared_ptr<const ParsedFile> ParseCache::put(const std::filesystem::path& path,
                                                  std::string_view text) {
  const std::string key = path.string();
  ParsedFile file = parse_metadata(text, key, syntax_for(key));
  file.content_hash = content_hash_of(text);
  auto parsed = std::make_shared<const ParsedFile>(std::move(file));
  std::lock_guard lock(m_mutex);
  m_files.insert_or_assign(key, parsed);
  return parsed;
}

} // namespace bbrun::server::metadata
