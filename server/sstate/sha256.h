// SPDX-License-Identifier: MIT
// SHA-256 of a stream of bytes, as the hex text the shared-state cache names objects by.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace bbrun::server::sstate {

/// Incremental SHA-256 (OpenSSL). Not copyable; one thread at a time.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void add(std::string_view data);
  /// The digest of everything added, as 64 lowercase hex digits. Ends the stream.
  std::string hex();

private:
  evp_md_ctx_st* m_ctx;
};

/// SHA-256 of `data` in hex.
std::string sha256_hex(std::string_view data);

} // namespace bbrun::server::sstate
