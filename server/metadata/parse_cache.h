// SPDX-License-Identifier: MIT
// A shared cache of parsed files, so a class or .inc used by many recipes is parsed once.
#pragma once

#include "common/result.h"
#include "server/metadata/ast.h"

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace bbrun::server::metadata {

/// Parsed files by path. Thread-safe: recipes parsed on several threads share one cache.
/// Files are assumed not to change while the cache lives (one cache per configuration
/// load, as BitBake's cached_statements per parse).
class ParseCache {
public:
  /// Return the statements of the file at `path`, reading and parsing it on first use.
  /// Fail (ErrorKind::io, with the errno text) when the file cannot be read. Syntax errors
  /// do not fail: they are in the returned file's `errors`.
  common::Result<std::shared_ptr<const ParsedFile>> get(const std::filesystem::path& path);

  /// Parse `text` as if read from `path` and cache it under that name, replacing any entry.
  std::shared_ptr<const ParsedFile> put(const std::filesystem::path& path, std::string_view text);

private:
  std::mutex m_mutex;
  std::unordered_map<std::string, std::shared_ptr<const ParsedFile>> m_files;
};

/// Read the whole file at `path`. Fail with ErrorKind::io and the errno text.
common::Result<std::string> read_file(const std::filesystem::path& path);

} // namespace bbrun::server::metadata
