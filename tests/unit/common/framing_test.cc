// SPDX-License-Identifier: MIT
// Tests for the NDJSON line decoder.
#include "common/framing.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bbrun::common {
namespace {

std::vector<std::string> texts(const std::vector<Line>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    out.push_back(line.too_long ? "<too long>" : line.text);
  }
  return out;
}

TEST(LineDecoderTest, PartialReadsAreJoined) {
  // Given a line split across three reads, we should get it once, whole.
  LineDecoder decoder;
  std::vector<Line> lines;
  decoder.feed("{\"comm", lines);
  decoder.feed("and\": \"st", lines);
  EXPECT_TRUE(lines.empty());
  decoder.feed("atus\"}\n", lines);
  EXPECT_EQ(texts(lines), std::vector<std::string>{R"({"command": "status"})"});
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(LineDecoderTest, SeveralLinesInOneRead) {
  // Given three messages and the start of a fourth in one read, we should get three lines and
  // keep the fourth's start.
  LineDecoder decoder;
  std::vector<Line> lines;
  decoder.feed("a\nb\n\nc", lines);
  EXPECT_EQ(texts(lines), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(decoder.buffered(), 1u);
  decoder.feed("\n", lines);
  EXPECT_EQ(lines.back().text, "c");
}

TEST(LineDecoderTest, OverlongLineIsRefusedWithoutBufferingIt) {
  // Given a line over the cap fed in pieces, we should hold at most the cap, report the line
  // once at its end, and decode the next line normally.
  LineDecoder decoder(16);
  std::vector<Line> lines;
  decoder.feed("0123456789", lines);
  decoder.feed("0123456789", lines);
  EXPECT_LE(decoder.buffered(), 16u);
  decoder.feed(std::string(1000, 'x'), lines);
  EXPECT_EQ(decoder.buffered(), 0u);
  EXPECT_TRUE(lines.empty());
  decoder.feed("tail\nnext\n", lines);
  EXPECT_EQ(texts(lines), (std::vector<std::string>{"<too long>", "next"}));
}

TEST(LineDecoderTest, LineOfExactlyTheCapIsAccepted) {
  // Given a line of exactly the cap, we should accept it.
  LineDecoder decoder(8);
  std::vector<Line> lines;
  decoder.feed("12345678\n", lines);
  EXPECT_EQ(texts(lines), std::vector<std::string>{"12345678"});
}

TEST(LineDecoderTest, DefaultCapIsOneMebibyte) {
  // Given the default decoder, a 1 MiB + 1 byte line should be refused, a 1 MiB one accepted.
  LineDecoder decoder;
  std::vector<Line> lines;
  decoder.feed(std::string(k_max_line_bytes, 'a') + "\n", lines);
  decoder.feed(std::string(k_max_line_bytes + 1, 'b') + "\n", lines);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0].too_long);
  EXPECT_EQ(lines[0].text.size(), k_max_line_bytes);
  EXPECT_TRUE(lines[1].too_long);
}

TEST(EncodeLineTest, InvalidUtf8IsReplacedNotThrown) {
  // Given a task output with invalid UTF-8, we should still produce one valid line.
  nlohmann::json message{{"text", std::string("bad \xff byte")}};
  std::string line = encode_line(message);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded());
}

} // namespace
} // namespace bbrun::common
