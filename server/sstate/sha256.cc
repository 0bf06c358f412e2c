// SPDX-License-Identifier: MIT
// SHA-256 as FIPS 180-4 specifies it: 64-byte blocks, 64 rounds each.
#include "server/sstate/sha256.h"

#include <algorithm>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace bbrun::server::sstate {

namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::array<uint32_t, 64> k_rounds = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr std::array<uint32_t, 8> k_initial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

uint32_t big_endian(const unsigned char* bytes) {
  return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) | (uint32_t(bytes[2]) << 8) |
         uint32_t(bytes[3]);
}

// The 64 rounds over `block` in portable code.
void compress_portable(std::array<uint32_t, 8>& state, const unsigned char* block) {
  std::array<uint32_t, 64> w;
  for (size_t i = 0; i < 16; ++i) {
    w[i] = big_endian(block + 4 * i);
  }
  for (size_t i = 16; i < 64; ++i) {
    uint32_t s0 = std::rotr(w[i - 15], 7) ^ std::rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = std::rotr(w[i - 2], 17) ^ std::rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, h] = state;
  for (size_t i = 0; i < 64; ++i) {
    uint32_t s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + s1 + choose + k_rounds[i] + w[i];
    uint32_t s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const std::array<uint32_t, 8> rounds_out{a, b, c, d, e, f, g, h};
  for (size_t i = 0; i < state.size(); ++i) {
    state[i] += rounds_out[i];
  }
}

#if defined(__x86_64__)
// The same rounds with the SHA extensions (sha256rnds2 does two rounds, sha256msg1/2 the
// message schedule): several times faster, which matters for the outputs' hash of a large
// shared-state object. The instructions keep the state as ABEF and CDGH.
__attribute__((target("sha,ssse3,sse4.1"))) void
compress_sha_extensions(std::array<uint32_t, 8>& state, const unsigned char* block) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<__m128i*>(&state[0])), 0xB1);
  __m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<__m128i*>(&state[4])), 0x1B);
  __m128i abef = _mm_alignr_epi8(dcba, hgfe, 8);
  __m128i cdgh = _mm_blend_epi16(hgfe, dcba, 0xF0);
  const __m128i abef_before = abef;
  const __m128i cdgh_before = cdgh;
  __m128i words[4]; // the last sixteen words of the schedule, four to a register
  for (size_t group = 0; group < 16; ++group) {
    __m128i& w = words[group % 4];
    if (group < 4) {
      w = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * group)),
                           byte_swap);
    } else {
      const __m128i& previous = words[(group + 3) % 4];
      __m128i sum = _mm_add_epi32(_mm_sha256msg1_epu32(w, words[(group + 1) % 4]),
                                  _mm_alignr_epi8(previous, words[(group + 2) % 4], 4));
      w = _mm_sha256msg2_epu32(sum, previous);
    }
    __m128i message =
        _mm_add_epi32(w, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&k_rounds[4 * group])));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(message, 0x0E));
  }
  abef = _mm_add_epi32(abef, abef_before);
  cdgh = _mm_add_epi32(cdgh, cdgh_before);
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), _mm_alignr_epi8(dchg, feba, 8));
}

bool has_sha_extensions() {
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  constexpr unsigned k_sha = 1u << 29; // leaf 7, EBX
  return __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("sse4.1") &&
         __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0 && (ebx & k_sha) != 0;
}
#endif

} // namespace

Sha256::Sha256([[maybe_unused]] Rounds rounds) : m_compress(compress_portable), m_state(k_initial) {
#if defined(__x86_64__)
  static const bool extensions = has_sha_extensions();
  if (rounds == Rounds::fastest && extensions) {
    m_compress = compress_sha_extensions;
  }
#endif
}

void Sha256::add(std::string_view data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t left = data.size();
  m_length += left;
  if (m_block_size > 0) {
    size_t take = std::min(left, m_block.size() - m_block_size);
    std::memcpy(m_block.data() + m_block_size, bytes, take);
    m_block_size += take;
    bytes += take;
    left -= take;
    if (m_block_size < m_block.size()) {
      return;
    }
    m_compress(m_state, m_block.data());
    m_block_size = 0;
  }
  for (; left >= m_block.size(); bytes += m_block.size(), left -= m_block.size()) {
    m_compress(m_state, bytes);
  }
  std::memcpy(m_block.data(), bytes, left);
  m_block_size = left;
}

std::string Sha256::hex() {
  // Padding: a 1 bit, zeros up to 8 bytes short of a block's end, the length in bits.
  uint64_t bits = m_length * 8;
  std::array<unsigned char, 72> padding{0x80};
  size_t zeros = (m_block_size < 56 ? 56 : 120) - m_block_size;
  for (size_t i = 0; i < 8; ++i) {
    padding[zeros + i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  }
  add(std::string_view(reinterpret_cast<const char*>(padding.data()), zeros + 8));
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint32_t word : m_state) {
    for (int shift = 28; shift >= 0; shift -= 4) {
      out += k_digits[(word >> shift) & 0xf];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data, Sha256::Rounds rounds) {
  Sha256 hash(rounds);
  hash.add(data);
  return hash.hex();
}

} // namespace bbrun::server::sstate
