// SPDX-License-Identifier: MIT
// SHA-256 against the digests of FIPS 180-4's examples and of lengths around a block's padding,
// whole and fed in pieces.
#include "server/sstate/sha256.h"

#include <gtest/gtest.h>

namespace bbrun::server::sstate {
namespace {

// Bytes (i * 7 + 3) mod 256, i from 0: every byte value, no run of one.
std::string pattern(size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += static_cast<char>((i * 7 + 3) % 256);
  }
  return out;
}

// Every test runs with the CPU's SHA extensions (when it has them) and without.
class Sha256Test : public ::testing::TestWithParam<Sha256::Rounds> {
protected:
  std::string hex(std::string_view data) const { return sha256_hex(data, GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Rounds, Sha256Test,
                         ::testing::Values(Sha256::Rounds::fastest, Sha256::Rounds::portable));

TEST_P(Sha256Test, StandardExamples) {
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_P(Sha256Test, LengthsAroundTheLengthField) {
  // 55 bytes leave room in their block for the padding bit and the length; 56 do not.
  const std::pair<size_t, const char*> digests[] = {
      {55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
      {56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
      {57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73"},
      {63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
      {64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
      {65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
      {119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
      {120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
  };
  for (const auto& [size, digest] : digests) {
    EXPECT_EQ(hex(pattern(size)), digest) << size << " bytes";
  }
}

TEST_P(Sha256Test, PiecesHashAsTheWhole) {
  const std::string data = pattern(1000);
  const std::string whole = "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371";
  ASSERT_EQ(hex(data), whole);
  for (size_t piece : {1, 3, 63, 64, 65, 200}) {
    Sha256 hash(GetParam());
    for (size_t at = 0; at < data.size(); at += piece) {
      hash.add(std::string_view(data).substr(at, piece));
    }
    EXPECT_EQ(hash.hex(), whole) << "pieces of " << piece;
  }
}

} // namespace
} // namespace bbrun::server::sstate
