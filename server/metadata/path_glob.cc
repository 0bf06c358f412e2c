// SPDX-License-Identifier: MIT
// Path patterns.
#include "server/metadata/path_glob.h"

#include <algorithm>
#include <dirent.h>
#include <fnmatch.h>
#include <string_view>
#include <sys/stat.h>

namespace bbrun::server::metadata {

namespace {

bool has_wildcard(std::string_view component) {
  return component.find_first_of("*?[\\") != std::string_view::npos;
}

std::vector<std::string_view> components_of(std::string_view pattern) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= pattern.size()) {
    size_t slash = std::min(pattern.find('/', start), pattern.size());
    if (slash > start) {
      out.push_back(pattern.substr(start, slash - start));
    }
    start = slash + 1;
  }
  return out;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// glob(3) returns a path without wildcards when lstat finds it: a dangling link counts.
bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

const std::vector<PathGlob::Entry>& PathGlob::listing(const std::string& directory) {
  auto [found, added] = m_listings.try_emplace(directory);
  if (!added) {
    return found->second;
  }
  DIR* dir = ::opendir(directory.empty() ? "." : directory.c_str());
  if (dir == nullptr) {
    return found->second;
  }
  while (const struct dirent* entry = ::readdir(dir)) {
    found->second.push_back({entry->d_name, entry->d_type});
  }
  ::closedir(dir);
  return found->second;
}

std::vector<std::string> PathGlob::expand(const std::string& pattern) {
  const auto components = components_of(pattern);
  if (components.empty()) {
    return {};
  }
  // Each candidate so far, ending in '/' before its next component (or empty: relative).
  std::vector<std::string> paths{pattern.starts_with('/') ? "/" : ""};
  bool checked = false; // whether the paths are known to exist
  for (size_t i = 0; i < components.size() && !paths.empty(); ++i) {
    const bool last = i + 1 == components.size();
    const std::string component(components[i]);
    if (!has_wildcard(component)) {
      for (auto& path : paths) {
        path += component;
        path += last ? "" : "/";
      }
      checked = false;
      continue;
    }
    std::vector<std::string> matched;
    for (const auto& directory : paths) {
      for (const auto& entry : listing(directory)) {
        if (::fnmatch(component.c_str(), entry.name.c_str(), FNM_PERIOD) != 0) {
          continue;
        }
        std::string path = directory + entry.name;
        // Only directories lead further (links to them too); the file system may not say.
        bool leads_on = entry.type == DT_DIR ||
                        ((entry.type == DT_UNKNOWN || entry.type == DT_LNK) && is_directory(path));
        if (last || leads_on) {
          matched.push_back(last ? std::move(path) : path + "/");
        }
      }
    }
    paths = std::move(matched);
    checked = true;
  }
  if (!checked) {
    std::erase_if(paths, [](const std::string& path) { return !exists(path); });
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

} // namespace bbrun::server::metadata
