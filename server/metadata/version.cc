// SPDX-License-Identifier: MIT
// Version comparison.
#include "server/metadata/version.h"

#include <cctype>

namespace bbrun::server::metadata {

namespace {

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// The order of one non-digit character: '~' first, then the end of a run, then letters, then
// everything else.
int char_order(char c) {
  if (c == '~') {
    return -1;
  }
  if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
    return static_cast<unsigned char>(c);
  }
  return static_cast<unsigned char>(c) + 256;
}

int compare_text_runs(std::string_view& a, std::string_view& b) {
  while ((!a.empty() && !is_digit(a.front())) || (!b.empty() && !is_digit(b.front()))) {
    int left = (a.empty() || is_digit(a.front())) ? 0 : char_order(a.front());
    int right = (b.empty() || is_digit(b.front())) ? 0 : char_order(b.front());
    if (left != right) {
      return left < right ? -1 : 1;
    }
    a.remove_prefix(a.empty() || is_digit(a.front()) ? 0 : 1);
    b.remove_prefix(b.empty() || is_digit(b.front()) ? 0 : 1);
  }
  return 0;
}

int compare_digit_runs(std::string_view& a, std::string_view& b) {
  auto take = [](std::string_view& s) {
    size_t end = 0;
    while (end < s.size() && is_digit(s[end])) {
      ++end;
    }
    std::string_view run = s.substr(0, end);
    s.remove_prefix(end);
    while (run.size() > 1 && run.front() == '0') {
      run.remove_prefix(1);
    }
    return run;
  };
  std::string_view left = take(a);
  std::string_view right = take(b);
  if (left.size() != right.size()) {
    return left.size() < right.size() ? -1 : 1;
  }
  int order = left.compare(right);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

} // namespace

int compare_versions(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    if (int order = compare_text_runs(a, b); order != 0) {
      return order;
    }
    if (int order = compare_digit_runs(a, b); order != 0) {
      return order;
    }
  }
  return 0;
}

} // namespace bbrun::server::metadata
