// SPDX-License-Identifier: MIT
// libFuzzer entry point for bbrun::fuzz::metadata_parser (tests/fuzz/targets.h).
#include "tests/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bbrun::fuzz::metadata_parser(data, size);
  return 0;
}
