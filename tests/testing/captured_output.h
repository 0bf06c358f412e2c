// SPDX-License-Identifier: MIT
// A FILE* backed by memory, for handing to code that prints and reading back what it printed.
#pragma once

#include <cstdio>
#include <string>

namespace bbrun::testing {

class CapturedOutput {
public:
  CapturedOutput();
  ~CapturedOutput();
  CapturedOutput(const CapturedOutput&) = delete;
  CapturedOutput& operator=(const CapturedOutput&) = delete;

  std::FILE* file() { return m_file; }
  /// Everything written since the last call.
  std::string take();

private:
  char* m_data = nullptr;
  size_t m_size = 0;
  size_t m_read = 0;
  std::FILE* m_file;
};

} // namespace bbrun::testing
