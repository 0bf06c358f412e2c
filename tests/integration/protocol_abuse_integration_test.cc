// SPDX-License-Identifier: MIT
// End to end: malformed, oversized and hostile command streams against a real server, and a
// client that stops reading. Each bad line gets one error reply; the session and the server
// stay usable; nobody can make the server buffer without bound.
#include "common/framing.h"
#include "tests/integration/build_dir_fixture.h"
#include "tests/testing/proc_inspect.h"
#include "tests/testing/raw_client.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <random>

namespace bbrun::testing {
namespace {

using ::testing::HasSubstr;
using Json = common::protocol::Json;

// Lines that are not commands, or commands with arguments of the wrong shape or type, for
// every command but shutdown. None names a recipe that exists, so none starts a build.
std::vector<std::string> malformed_lines() {
  std::vector<std::string> lines{
      "",
      "not json",
      "{",
      "{\"command\": \"status\"",
      "[]",
      "\"status\"",
      "42",
      "null",
      "{}",
      "{\"command\": 5}",
      "{\"command\": null}",
      "{\"command\": [\"status\"]}",
      "{\"command\": \"status\", \"args\": {}}",
      "{\"command\": \"status\", \"args\": \"x\"}",
      "{\"command\": \"frobnicate\"}",
      "{\"command\": \"\"}",
      "{\"command\": \"status\\u0000\"}",
      "{\"command\": \"st\xff\xfe"
      "atus\"}",
      std::string("{\"command\"\0: \"status\"}", 22),
      std::string(200000, '[') + std::string(200000, ']'),
      "{\"command\": \"hello\"}",
      "{\"command\": \"hello\", \"args\": [1]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": \"one\"}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": 1e300}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": -1e300}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": 1, \"pid\": 1e300}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": 1, \"pid\": []}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": 1, \"pid\": 99999999999999}]}",
      "{\"command\": \"hello\", \"args\": [{\"protocol\": 18446744073709551615}]}",
      "{\"command\": \"cancel\"}",
      "{\"command\": \"cancel\", \"args\": [{\"x\": 1}]}",
      "{\"command\": \"getvar\"}",
      "{\"command\": \"getvar\", \"args\": [5]}",
      "{\"command\": \"getvar\", \"args\": [null]}",
      "{\"command\": \"getvar\", \"args\": [\"A\", 5]}",
      "{\"command\": \"getvar\", \"args\": [\"A\", null, {}]}",
      "{\"command\": \"getvar\", \"args\": [\"A\", \"nosuchrecipe\"]}",
      "{\"command\": \"environment\", \"args\": [[]]}",
      "{\"command\": \"environment\", \"args\": [\"nosuchrecipe\"]}",
  };
  // build, graph and explain share one argument: an object with typed fields.
  const std::vector<std::string> bad_requests{
      "[]",
      "[1]",
      "[{}]",
      "[{\"targets\": 5}]",
      "[{\"targets\": []}]",
      "[{\"targets\": [5]}]",
      "[{\"targets\": [\"x\"]}, {\"targets\": [\"y\"]}]",
      "[{\"targets\": [\"nosuch\"], \"jobs\": \"many\"}]",
      "[{\"targets\": [\"nosuch\"], \"jobs\": -1}]",
      "[{\"targets\": [\"nosuch\"], \"jobs\": 1e300}]",
      "[{\"targets\": [\"nosuch\"], \"jobs\": 2.5}]",
      "[{\"targets\": [\"nosuch\"], \"force\": \"yes\"}]",
      "[{\"targets\": [\"nosuch\"], \"task\": 7}]",
      "[{\"targets\": [\"nosuch\"], \"make_jobserver\": {\"jobs\": -3}}]",
      "[{\"targets\": [\"nosuch\"], \"make_jobserver\": {\"jobs\": 1e300}}]",
      "[{\"targets\": [\"nosuch\"], \"make_jobserver\": {\"fifo\": 5}}]",
  };
  for (const char* command : {"build", "graph", "explain"}) {
    for (const auto& args : bad_requests) {
      lines.push_back(fmt::format("{{\"command\": \"{}\", \"args\": {}}}", command, args));
    }
  }
  return lines;
}

// `base` with a few bytes replaced by JSON punctuation or random bytes (never a newline, which
// would split it into two commands).
std::string mutated(const std::string& base, std::mt19937& random) {
  static const std::string k_alphabet = "{}[]\":,\\ 0123456789-.eEtrufalsn\x01\x7f\xc3\xff";
  std::string line = base;
  int edits = 1 + static_cast<int>(random() % 4);
  for (int i = 0; i < edits; ++i) {
    size_t at = random() % line.size();
    switch (random() % 3) {
    case 0:
      line[at] = k_alphabet[random() % k_alphabet.size()];
      break;
    case 1:
      line.erase(at, 1 + random() % 4);
      break;
    default:
      line.insert(at, 1, k_alphabet[random() % k_alphabet.size()]);
    }
    if (line.empty()) {
      line = "x";
    }
  }
  return line;
}

class ProtocolAbuseIntegrationTest : public BuildDirFixture {};

TEST_F(ProtocolAbuseIntegrationTest, EveryMalformedLineGetsOneErrorReply) {
  // Given every malformed line above on one session, we should get one error reply per line,
  // in order, and a good command afterwards should still be answered.
  int pid = start_quiet_server();
  RawClient client(builddir() / "bbrun.sock");
  auto lines = malformed_lines();
  for (const auto& line : lines) {
    client.send(line + "\n");
    Json reply = client.reply();
    EXPECT_EQ(reply.value("ok", true), false) << line.substr(0, 200) << " -> " << reply.dump();
  }
  client.send("{\"command\": \"status\"}\n");
  EXPECT_EQ(client.reply()["pid"], pid);
  std::cout << "[ bad inputs ] " << lines.size() << " malformed command lines\n";
}

TEST_F(ProtocolAbuseIntegrationTest, MutatedCommandsEachGetExactlyOneReply) {
  // Given 3000 random mutations of valid read-only commands, sent in bursts without waiting,
  // we should get exactly one reply per line and the server should stay up.
  constexpr int k_lines = 3000;
  write_local_conf("A = \"a value\"\n");
  int pid = start_quiet_server();
  RawClient client(builddir() / "bbrun.sock");
  const std::vector<std::string> bases{
      R"({"command": "status", "args": []})",
      R"({"command": "getvar", "args": ["A", null, null]})",
      R"({"command": "hello", "args": [{"protocol": 1, "pid": 1}]})",
      R"({"command": "explain", "args": [{"targets": ["nosuch"], "jobs": 2}]})",
  };
  std::mt19937 random(12);
  int ok = 0;
  for (int sent = 0; sent < k_lines; sent += 50) {
    for (int i = 0; i < 50; ++i) {
      client.send(mutated(bases[random() % bases.size()], random) + "\n");
    }
    for (int i = 0; i < 50; ++i) {
      Json reply = client.reply();
      ASSERT_TRUE(reply.is_object()) << "reply " << sent + i;
      ok += reply.value("ok", false) ? 1 : 0;
    }
  }
  client.send("{\"command\": \"status\"}\n");
  EXPECT_EQ(client.reply()["pid"], pid);
  std::cout << "[ bad inputs ] " << k_lines << " mutated command lines, " << ok
            << " of them still valid\n";
}

TEST_F(ProtocolAbuseIntegrationTest, OverlongLineIsRefusedWithoutBufferingIt) {
  // Given a 64 MiB command line, the server should answer with an error without holding the
  // line (its resident memory grows by far less than the line), and answer the next command.
  int pid = start_quiet_server();
  RawClient client(builddir() / "bbrun.sock");
  client.send("{\"command\": \"status\"}\n");
  ASSERT_EQ(client.reply()["ok"], true);
  size_t before = resident_kib(pid);
  const std::string chunk(1 << 20, 'x');
  client.send("{\"command\": \"getvar\", \"args\": [\"");
  for (int i = 0; i < 64; ++i) {
    client.send(chunk);
  }
  client.send("\"]}\n");
  Json refused = client.reply();
  EXPECT_EQ(refused["ok"], false);
  EXPECT_THAT(refused.value("error", ""), HasSubstr("longer than 1 MiB"));
  size_t after = resident_kib(pid);
  EXPECT_LT(after, before + 8 * 1024)
      << "resident " << before << " KiB before, " << after << " KiB after";
  client.send("{\"command\": \"status\"}\n");
  EXPECT_EQ(client.reply()["pid"], pid);
}

TEST_F(ProtocolAbuseIntegrationTest, ClientThatStopsReadingIsDroppedAndOthersAreServed) {
  // Given a client that asks for ~90 MiB of output and reads none of it, the server should
  // drop that client with a log line once its queue passes the bound, and meanwhile answer
  // another client promptly.
  write_local_conf("BIG = \"" + std::string(900 * 1024, 'b') + "\"\n");
  int pid = start_quiet_server();
  RawClient greedy(builddir() / "bbrun.sock");
  RawClient other(builddir() / "bbrun.sock");
  for (int i = 0; i < 100; ++i) {
    greedy.send("{\"command\": \"getvar\", \"args\": [\"BIG\"]}\n");
  }
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    other.send("{\"command\": \"status\"}\n");
    EXPECT_EQ(other.reply(std::chrono::seconds(5))["pid"], pid);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
  EXPECT_TRUE(wait_until(
      [&] { return server_log().find("event pipe: reader is not reading") != std::string::npos; },
      std::chrono::seconds(30)))
      << server_log();
  EXPECT_TRUE(greedy.replies_closed());
  other.send("{\"command\": \"status\"}\n");
  EXPECT_EQ(other.reply()["pid"], pid);
}

} // namespace
} // namespace bbrun::testing
