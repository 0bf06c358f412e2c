// SPDX-License-Identifier: MIT
// A temporary directory per test, removed afterwards unless the test failed and
// BBRUN_KEEP_FAILED is set.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace bbrun::testing {

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  /// Write `content` to `relative` (creating parent directories) and return the full path.
  std::filesystem::path write(const std::filesystem::path& relative,
                              std::string_view content) const;

private:
  std::filesystem::path m_path;
};

/// The whole content of `path`, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

} // namespace bbrun::testing
