// SPDX-License-Identifier: MIT
// Stored signature inputs.
#include "server/stamps/recorded_inputs.h"

#include <nlohmann/json.hpp>

namespace bbrun::server::stamps {

using Json = nlohmann::json;

std::string to_record(const RecordedInputs& recorded) {
  Json vars = Json::array();
  for (const auto& input : recorded.inputs) {
    vars.push_back({input.name, input.value ? Json(*input.value) : Json(nullptr), input.function});
  }
  Json deps = Json::array();
  for (const auto& [label, signature] : recorded.deps) {
    deps.push_back({label, signature});
  }
  return Json{{"vars", std::move(vars)}, {"deps", std::move(deps)}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
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
