// SPDX-License-Identifier: MIT
// libFuzzer entry point for bbrun::fuzz::frame_decoder (tests/fuzz/targets.h).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bbrun::fuzz::frame_decoder(data, size);
  return 0;
}
