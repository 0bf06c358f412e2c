// SPDX-License-Identifier: MIT
// Tests for the JSON text writer: what it writes must read back with nlohmann::json, the same
// as nlohmann's own serialiser with error_handler_t::replace.
#include "common/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <limits>

namespace bbrun::common {
namespace {

using Json = nlohmann::json;

std::string quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string nlohmann_quoted(std::string_view text) {
  return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

TEST(JsonWriterTest, StringsAreWrittenAsNlohmannWritesThem) {
  for (std::string_view text : {
           std::string_view(""),
           std::string_view("plain ascii"),
           std::string_view("quote \" backslash \\ slash /"),
           std::string_view("\n\t\r\b\f"),
           std::string_view("\x01\x1f\x7f", 3),
           std::string_view("nul \0 inside", 12),
           std::string_view("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), // é € 😀
           std::string_view("lone \x80 continuation"),
           std::string_view("cut \xE2\x82"),
           std::string_view("overlong \xC0\xAF and \xE0\x80\xAF"),
           std::string_view("surrogate \xED\xA0\x80"),
           std::string_view("too big \xF4\x90\x80\x80"),
           std::string_view("latin-1 \xE9t\xE9"),
           std::string_view("cut four \xF0\x9F\x98 then \xF0\x9F"),
       }) {
    EXPECT_EQ(quoted(text), nlohmann_quoted(text));
    EXPECT_TRUE(Json::accept(quoted(text))) << quoted(text);
  }
}

TEST(JsonWriterTest, PlacesCommasAndNests) {
  JsonWriter writer;
  writer.begin_object()
      .key("name")
      .value("x")
      .key("list")
      .begin_array()
      .value(1)
      .value(uint64_t{18446744073709551615U})
      .value(-2.5)
      .value(true)
      .null()
      .begin_array()
      .end_array()
      .begin_object()
      .end_object()
      .end_array()
      .key("empty")
      .value("")
      .end_object();
  auto json = Json::parse(writer.text());
  EXPECT_EQ(json, Json::parse(R"({"name":"x","list":[1,18446744073709551615,-2.5,true,null,[],{}],
                                  "empty":""})"));
}

TEST(JsonWriterTest, WritesAnyNlohmannValueAsItsDump) {
  Json value = Json::parse(R"({"b":[1,-2,18446744073709551615,true,false,null,"t\n"],
                               "a":{"nested":{"x":[]}},"c":{}})");
  value["bad utf-8"] = std::string("\xff");
  JsonWriter writer;
  writer.json(value);
  EXPECT_EQ(writer.text(), value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

TEST(JsonWriterTest, DoublesReadBackExactly) {
  for (double number : {0.1, 1.0 / 3, 1e300, -4e-320, 123456789.125}) {
    JsonWriter writer;
    writer.value(number);
    EXPECT_EQ(Json::parse(writer.text()).get<double>(), number) << writer.text();
  }
  JsonWriter writer;
  writer.begin_array().value(std::numeric_limits<double>::infinity()).end_array();
  EXPECT_EQ(writer.text(), "[null]");
}

} // namespace
} // namespace bbrun::common
