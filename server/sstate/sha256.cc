// SPDX-License-Identifier: MIT
// SHA-256 over OpenSSL's EVP interface.
#include "server/sstate/sha256.h"

#include <fmt/core.h>

#include <cstdlib>
#include <openssl/evp.h>

namespace bbrun::server::sstate {

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
  // Only allocation can fail here, and there is no sensible way on without a digest.
  if (m_ctx == nullptr || EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(m_ctx);
}

void Sha256::add(std::string_view data) {
  EVP_DigestUpdate(m_ctx, data.data(), data.size());
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_ctx, digest, &length);
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += fmt::format("{:02x}", digest[i]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.add(data);
  return hash.hex();
}

} // namespace bbrun::server::sstate
