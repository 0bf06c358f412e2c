// SPDX-License-Identifier: MIT
// bbrun-sstate: the server's shared-state helper. One operation per process:
//
//   bbrun-sstate find|unihashes|restore|store|clean < REQUEST.json > RESULT.json
//
// The request is one JSON object with "locations" (operations.h) and the operation's fields;
// the result is one JSON object, always with "warnings" ({"where": a store, "message": a line
// for the build's output} for each store that stopped answering). Exit
// status 0 when a result was written (whatever it says), 2 for a request it cannot read.
#include "common/unique_fd.h"
#include "server/sstate/cache_store.h"
#include "server/sstate/http_store.h"
#include "server/sstate/operations.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <unistd.h>

namespace {

using nlohmann::json;
namespace sstate = bbrun::server::sstate;

std::vector<sstate::OutputDir> outputs_of(const json& request) {
  std::vector<sstate::OutputDir> outputs;
  for (const auto& output : request.at("outputs")) {
    outputs.push_back({output.at("name").get<std::string>(), output.at("path").get<std::string>()});
  }
  return outputs;
}

sstate::ObjectQuery object_query(const json& request) {
  return {request.at("method").get<std::string>(), request.at("unihash").get<std::string>()};
}

json find(sstate::Stores& stores, const json& request) {
  json found = json::object();
  std::vector<sstate::ObjectQuery> objects;
  for (const auto& object : request.at("objects")) {
    objects.push_back(object_query(object));
  }
  for (const auto& [unihash, kind] : sstate::find_objects(stores, objects)) {
    found[unihash] = sstate::store_kind_name(kind);
  }
  return {{"found", found}};
}

json unihashes(sstate::Stores& stores, const json& request) {
  std::vector<sstate::UnihashQuery> tasks;
  for (const auto& task : request.at("tasks")) {
    tasks.push_back({task.at("method").get<std::string>(), task.at("taskhash").get<std::string>()});
  }
  auto found = sstate::shared_unihashes(stores, tasks);
  if (request.at("record").get<bool>()) {
    sstate::record_unihashes(stores, tasks, found);
  }
  json out = json::array();
  for (const auto& unihash : found) {
    out.push_back(unihash ? json(*unihash) : json());
  }
  return {{"unihashes", out}};
}

json restore(sstate::Stores& stores, const json& request) {
  json results = json::array();
  for (const auto& item : request.at("batch")) {
    auto restored = sstate::restore_object(stores, object_query(item), outputs_of(item));
    if (!restored) {
      results.push_back({{"error", restored.error().message}});
    } else {
      results.push_back(
          {{"restored", *restored ? json(sstate::store_kind_name(**restored)) : json()}});
    }
  }
  return {{"results", results}};
}

json store(sstate::Stores& stores, const json& request) {
  sstate::StoreRequest wanted{request.at("method").get<std::string>(),
                              request.at("taskhash").get<std::string>(), outputs_of(request)};
  auto stored = sstate::store_outputs(stores, wanted);
  if (!stored) {
    return {{"error", stored.error().message}};
  }
  return {{"unihash", stored->unihash}, {"outhash", stored->outhash}, {"sha256", stored->sha256}};
}

json clean(sstate::Stores& stores, const json& request) {
  auto removed = sstate::clean_recipe(stores, request.at("pn").get<std::string>());
  return removed ? json{{"removed", *removed}} : json{{"error", removed.error().message}};
}

} // namespace

int main(int argc, char** argv) {
  static const std::map<std::string, std::function<json(sstate::Stores&, const json&)>>
      k_operations{{"find", find},
                   {"unihashes", unihashes},
                   {"restore", restore},
                   {"store", store},
                   {"clean", clean}};
  auto operation = argc == 2 ? k_operations.find(argv[1]) : k_operations.end();
  if (operation == k_operations.end()) {
    std::fprintf(stderr, "usage: bbrun-sstate find|unihashes|restore|store|clean < request.json\n");
    return 2;
  }
  auto text = bbrun::common::read_all(STDIN_FILENO);
  auto request = json::parse(text ? *text : "", nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("locations")) {
    std::fprintf(stderr, "bbrun-sstate: the request is not a JSON object with \"locations\"\n");
    return 2;
  }
  auto locations = sstate::locations_from_json(request["locations"]);
  if (!locations) {
    std::fprintf(stderr, "bbrun-sstate: %s\n", locations.error().message.c_str());
    return 2;
  }
  std::unique_ptr<sstate::CacheStore> http_cache;
  if (!locations->http_url.empty()) {
    http_cache = std::make_unique<sstate::HttpStore>(locations->http_url, locations->timeout);
  }
  sstate::Stores stores(*locations, std::move(http_cache));
  json result;
  try {
    result = operation->second(stores, request);
  } catch (const json::exception& error) {
    std::fprintf(stderr, "bbrun-sstate: bad request: %s\n", error.what());
    return 2;
  }
  result["warnings"] = json::array();
  for (const auto& warning : stores.warnings()) {
    result["warnings"].push_back({{"where", warning.where}, {"message", warning.message}});
  }
  std::cout << result.dump() << '\n';
  return std::cout.good() ? 0 : 1;
}
