// SPDX-License-Identifier: MIT
// VarEntry helpers: flag access and emptiness.
#include "server/metadata/variable.h"

#include <algorithm>

namespace bbrun::server::metadata {

std::string Origin::describe() const {
  if (file.empty()) {
    return {};
  }
  return line == 0 ? file.str() : file.str() + ":" + std::to_string(line);
}

const std::string* VarEntry::flag(Symbol name) const {
  for (const auto& [key, value] : flags) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

void VarEntry::set_flag(Symbol name, std::string value) {
  for (auto& [key, old] : flags) {
    if (key == name) {
      old = std::move(value);
      return;
    }
  }
  flags.emplace_back(name, std::move(value));
}

bool VarEntry::erase_flag(Symbol name) {
  auto it = std::find_if(flags.begin(), flags.end(),
                         [name](const auto& flag) { return flag.first == name; });
  if (it == flags.end()) {
    return false;
  }
  flags.erase(it);
  return true;
}

bool VarEntry::has_data() const {
  return content || !flags.empty() || !appends.empty() || !prepends.empty() || !removes.empty();
}

} // namespace bbrun::server::metadata
