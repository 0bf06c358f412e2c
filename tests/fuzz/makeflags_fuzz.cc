// SPDX-License-Identifier: MIT
// libFuzzer entry point for bbrun::fuzz::makeflags (tests/fuzz/targets.h).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bbrun::fuzz::makeflags(data, size);
  return 0;
}
