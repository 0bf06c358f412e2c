// SPDX-License-Identifier: MIT
// The fuzz targets' bodies, one per parser of outside input.
//
// Each takes arbitrary bytes, runs the parser on them and checks what must hold whatever the
// input (abort() otherwise, which libFuzzer and the corpus replay test both report). They are
// linked into a libFuzzer binary each (metadata_parser_fuzz.cc, ...) when built with
// -Dfuzz=true, and into the normal test suite, which replays the saved corpus
// (corpus_replay_test.cc), so every input that once crashed stays a regression test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bbrun::fuzz {

/// The metadata parser on `data` as a file; the first byte chooses recipe or conf syntax.
void metadata_parser(const std::uint8_t* data, std::size_t size);

/// The NDJSON line decoder on `data` fed in pieces whose sizes come from the data, with a
/// small cap and the real one, and each complete line parsed as a command.
void frame_decoder(const std::uint8_t* data, std::size_t size);

/// The MAKEFLAGS parser on `data` as the variable's value.
void makeflags(const std::uint8_t* data, std::size_t size);

} // namespace bbrun::fuzz
