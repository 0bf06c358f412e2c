// SPDX-License-Identifier: MIT
// Fuzz target bodies and the invariants they check.
#include "tests/fuzz/targets.h"

#include "common/framing.h"
#include "common/makeflags.h"
#include "common/protocol.h"
#include "server/metadata/parser.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::fuzz {

namespace {

// Abort with `what` when `condition` fails: a broken invariant is a finding, like a crash.
void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An error message quotes at most an excerpt of a line, never a whole (possibly huge) one.
constexpr std::size_t k_max_error_message = 1024;

} // namespace

void metadata_parser(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return;
  }
  const bool conf = (data[0] & 1) != 0;
  const std::string_view text = as_text(data + 1, size - 1);
  const std::string path = conf ? "fuzz.conf" : "fuzz.bb";
  auto parsed = server::metadata::parse_metadata(
      text, path, conf ? server::metadata::Syntax::conf : server::metadata::Syntax::recipe);
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const auto& error : parsed.errors) {
    require(error.where.starts_with(path + ":"), "an error names the file");
    const unsigned long line = std::strtoul(error.where.c_str() + path.size() + 1, nullptr, 10);
    require(line >= 1 && line <= lines, "an error names a line of the file");
    require(error.message.size() <= k_max_error_message, "an error quotes a short excerpt");
  }
  for (const auto& statement : parsed.statements) {
    const std::uint32_t line = std::visit([](const auto& s) { return s.line; }, statement);
    require(line >= 1 && line <= lines, "a statement has a line of the file");
  }
}

void frame_decoder(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = as_text(data, size);
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  for (std::size_t cap : {std::size_t{16}, common::k_max_line_bytes}) {
    common::LineDecoder decoder(cap);
    std::vector<common::Line> lines;
    // Piece sizes from the bytes themselves, so the fuzzer explores how reads split lines.
    for (std::size_t pos = 0; pos < size;) {
      const std::size_t piece = std::min<std::size_t>(1 + data[pos] % 64, size - pos);
      decoder.feed(text.substr(pos, piece), lines);
      require(decoder.buffered() <= cap, "the decoder holds at most the cap");
      pos += piece;
    }
    require(lines.size() == newlines, "one line per newline");
    std::size_t start = 0;
    for (const auto& line : lines) {
      const std::size_t end = text.find('\n', start);
      const std::string_view expected = text.substr(start, end - start);
      if (line.too_long) {
        require(expected.size() > cap && line.text.empty(), "only overlong lines are refused");
      } else {
        require(line.text == expected, "a line arrives exactly as sent");
      }
      start = end + 1;
      if (cap == common::k_max_line_bytes && !line.too_long) {
        auto command = common::protocol::parse_command(line.text);
        if (command) {
          const std::string encoded =
              common::encode_line(common::protocol::make_command(command->name, command->args));
          require(encoded.find('\n') == encoded.size() - 1, "an encoded message is one line");
        }
      }
    }
  }
}

void makeflags(const std::uint8_t* data, std::size_t size) {
  const common::MakeFlags flags = common::parse_makeflags(as_text(data, size));
  switch (flags.jobserver) {
  case common::JobserverKind::none:
    require(flags.auth.empty() && flags.fifo.empty(), "no jobserver, no auth");
    break;
  case common::JobserverKind::pipe:
    require(flags.fifo.empty(), "the pipe form has no fifo");
    break;
  case common::JobserverKind::fifo:
    require(!flags.fifo.empty(), "the fifo form has a path");
    break;
  case common::JobserverKind::malformed:
    break;
  }
  require(flags.auth.size() <= size, "auth is a piece of the input");
}

} // namespace bbrun::fuzz
