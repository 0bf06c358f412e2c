// SPDX-License-Identifier: MIT
// A FILE* backed by memory.
#include "tests/testing/captured_output.h"

#include <cstdlib>

namespace bbrun::testing {

CapturedOutput::CapturedOutput() : m_file(::open_memstream(&m_data, &m_size)) {}

CapturedOutput::~CapturedOutput() {
  std::fclose(m_file);
  std::free(m_data);
}

std::string CapturedOutput::take() {
  std::fflush(m_file);
  std::string fresh(m_data + m_read, m_size - m_read);
  m_read = m_size;
  return fresh;
}

} // namespace bbrun::testing
