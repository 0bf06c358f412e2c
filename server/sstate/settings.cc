// SPDX-License-Identifier: MIT
// Shared-state settings.
#include "server/sstate/settings.h"

#include "server/metadata/tasks.h"

#include <fmt/core.h>

namespace bbrun::server::sstate {

namespace {

constexpr std::string_view k_file_scheme = "file://";
constexpr std::string_view k_path_suffix = "/PATH";

} // namespace

std::vector<std::filesystem::path> parse_mirrors(const std::string& value,
                                                 std::vector<std::string>& warnings) {
  std::vector<std::string> words;
  // BitBake's values separate the pairs with a literal "\n"; it is only a separator.
  for (auto& word : metadata::split_words(value)) {
    if (word != "\\n") {
      words.push_back(std::move(word));
    }
  }
  if (words.size() % 2 != 0) {
    warnings.push_back(
        fmt::format("SSTATE_MIRRORS: '{}' has no URL after it: ignored", words.back()));
    words.pop_back();
  }
  std::vector<std::filesystem::path> mirrors;
  for (size_t i = 1; i < words.size(); i += 2) {
    std::string url = words[i].substr(0, words[i].find(';'));
    if (!url.starts_with(k_file_scheme)) {
      warnings.push_back(fmt::format("SSTATE_MIRRORS: only file:// mirrors are supported (an "
                                     "HTTP cache is SSTATE_HTTP_CACHE): '{}' ignored",
                                     url));
      continue;
    }
    std::string path = url.substr(k_file_scheme.size());
    if (path.ends_with(k_path_suffix)) {
      path.resize(path.size() - k_path_suffix.size());
    }
    mirrors.emplace_back(path);
  }
  return mirrors;
}

std::optional<Locations> locations_from(const metadata::DataStore& config,
                                        const std::filesystem::path& tmpdir,
                                        std::vector<std::string>& warnings) {
  Locations locations;
  locations.sstate_dir = metadata::value_or_empty(config, "SSTATE_DIR");
  if (locations.sstate_dir.empty()) {
    if (tmpdir.empty()) {
      return std::nullopt;
    }
    locations.sstate_dir = tmpdir / "sstate-cache";
  }
  locations.mirrors = parse_mirrors(metadata::value_or_empty(config, "SSTATE_MIRRORS"), warnings);
  locations.http_url = metadata::value_or_empty(config, "SSTATE_HTTP_CACHE");
  return locations;
}

} // namespace bbrun::server::sstate
