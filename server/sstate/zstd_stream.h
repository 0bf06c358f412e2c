// SPDX-License-Identifier: MIT
// zstd-compressed files written and read as streams, with the SHA-256 of the compressed bytes
// (the name a shared-state object is stored under) computed on the way.
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "server/sstate/sha256.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace bbrun::server::sstate {

/// Compresses what it is given into a new file. Single-threaded zstd at a fixed level, so the
/// same input always gives the same bytes.
class ZstdWriter {
public:
  /// Create `path` (mode 0644, truncating). Fails with ErrorKind::io.
  static common::Result<std::unique_ptr<ZstdWriter>> create(const std::filesystem::path& path);
  ~ZstdWriter();

  common::Result<void> write(std::string_view data);
  /// Flush the end of the frame, fsync and close. Call once, last.
  common::Result<void> finish();
  /// SHA-256 (hex) of the file's bytes; valid after finish().
  const std::string& sha256() const { return m_digest; }
  uint64_t size() const { return m_size; }

private:
  ZstdWriter(common::UniqueFd fd, ZSTD_CCtx_s* ctx, std::filesystem::path path);
  common::Result<void> compress(std::string_view data, int mode);

  common::UniqueFd m_fd;
  ZSTD_CCtx_s* m_ctx;
  std::filesystem::path m_path;
  Sha256 m_hash;
  std::string m_digest;
  std::vector<char> m_out;
  uint64_t m_size = 0;
};

/// Decompresses a file, hashing its compressed bytes as they are read.
class ZstdReader {
public:
  /// Open `path`. Fails with ErrorKind::io.
  static common::Result<std::unique_ptr<ZstdReader>> open(const std::filesystem::path& path);
  ~ZstdReader();

  /// Fill `buffer` with exactly `size` bytes of decompressed data. Fails with ErrorKind::io on
  /// a read error, a corrupt frame, or data that ends first.
  common::Result<void> read_exact(char* buffer, size_t size);
  /// Read and hash whatever compressed bytes are left, and return the SHA-256 (hex) of the
  /// whole file.
  common::Result<std::string> finish();

private:
  ZstdReader(common::UniqueFd fd, ZSTD_DCtx_s* ctx, std::filesystem::path path);
  common::Result<bool> refill();

  common::UniqueFd m_fd;
  ZSTD_DCtx_s* m_ctx;
  std::filesystem::path m_path;
  Sha256 m_hash;
  std::vector<char> m_in;
  size_t m_in_pos = 0;
  size_t m_in_size = 0;
  bool m_eof = false;
};

} // namespace bbrun::server::sstate
