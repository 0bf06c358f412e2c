// SPDX-License-Identifier: MIT
// Stored signature inputs.
#include "server/stamps/recorded_inputs.h"

#include "common/json_writer.h"

#include <nlohmann/json.hpp>

namespace bbrun::server::stamps {

using Json = nlohmann::json;

std::string to_record(const TaskInputs& inputs,
                      const std::vector<std::pair<std::string, std::string>>& deps) {
  common::JsonWriter out;
  out.begin_object().key("vars").begin_array();
  for (const auto& input : inputs) {
    out.begin_array().value(input.name);
    if (input.value) {
      out.value(*input.value);
    } else {
      out.null();
    }
    out.value(input.function).end_array();
  }
  out.end_array().key("deps").begin_array();
  for (const auto& [label, signature] : deps) {
    out.begin_array().value(label).value(signature).end_array();
  }
  out.end_array().end_object();
  return out.take();
}

std::optional<RecordedInputs> from_record(std::string_view text) {
  try {
    Json json = Json::parse(text);
    RecordedInputs recorded;
    for (const auto& var : json.at("vars")) {
      const Json& value = var.at(1);
      recorded.inputs.push_back(
          {var.at(0).get<std::string>(),
           value.is_null() ? std::nullopt : std::optional(value.get<std::string>()),
           var.at(2).get<bool>()});
    }
    for (const auto& dep : json.at("deps")) {
      recorded.deps.emplace_back(dep.at(0).get<std::string>(), dep.at(1).get<std::string>());
    }
    return recorded;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

} // namespace bbrun::server::stamps
