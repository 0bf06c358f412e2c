// SPDX-License-Identifier: MIT
// SHA-256 of a stream of bytes, as the hex text the shared-state cache names objects by.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bbrun::server::sstate {

/// Incremental SHA-256 (FIPS 180-4). Written here rather than taken from OpenSSL: libcrypto
/// costs every process that loads it over a millisecond of start-up, and the server, which
/// needs only the keys of cache entries, starts on every first build. One thread at a time.
class Sha256 {
public:
  /// How the rounds run: `fastest` uses the CPU's SHA extensions when it has them; `portable`
  /// never does (the same digests, for tests to compare).
  enum class Rounds { fastest, portable };

  explicit Sha256(Rounds rounds = Rounds::fastest);

  void add(std::string_view data);
  /// The digest of everything added, as 64 lowercase hex digits. Ends the stream.
  std::string hex();

private:
  using Compress = void (*)(std::array<uint32_t, 8>&, const unsigned char*);

  Compress m_compress;
  std::array<uint32_t, 8> m_state;
  std::array<unsigned char, 64> m_block{};
  size_t m_block_size = 0; ///< bytes waiting in m_block
  uint64_t m_length = 0;   ///< bytes added in all
};

/// SHA-256 of `data` in hex.
std::string sha256_hex(std::string_view data, Sha256::Rounds rounds = Sha256::Rounds::fastest);

} // namespace bbrun::server::sstate
