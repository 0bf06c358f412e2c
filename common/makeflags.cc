// SPDX-License-Identifier: MIT
// MAKEFLAGS parsing.
#include "common/makeflags.h"

#include <charconv>
#include <vector>

namespace bbrun::common {

namespace {

constexpr std::string_view k_auth_options[] = {"--jobserver-auth=", "--jobserver-fds="};
constexpr std::string_view k_fifo_prefix = "fifo:";
// Single-letter options whose argument is glued to them ("-I/home/joe"): nothing after one of
// these in a word is another option.
constexpr std::string_view k_letters_with_argument = "CfIlOoWE";

// Split on blanks that are not escaped; make writes a blank inside a value as "\ ".
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) {
        words.push_back(std::move(word));
        word.clear();
        in_word = false;
      }
      continue;
    }
    in_word = true;
    if (c == '\\' && i + 1 < text.size()) {
      c = text[++i];
    }
    word += c;
  }
  if (in_word) {
    words.push_back(std::move(word));
  }
  return words;
}

template <typename Number>
std::optional<Number> whole_number(std::string_view text) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// "-jN" ends the previous -j; a bare "-j" means no limit, which is no N at all.
void read_jobs(std::string_view digits, MakeFlags& flags) {
  auto jobs = whole_number<unsigned>(digits);
  flags.jobs = jobs && *jobs > 0 ? jobs : std::nullopt;
}

// A word of single-letter options, with or without its leading dash ("rs", "-sj3").
void read_letters(std::string_view letters, MakeFlags& flags) {
  for (size_t i = 0; i < letters.size(); ++i) {
    if (letters[i] == 'j') {
      read_jobs(letters.substr(i + 1), flags);
      return;
    }
    if (k_letters_with_argument.find(letters[i]) != std::string_view::npos) {
      return;
    }
  }
}

void read_auth(std::string_view value, MakeFlags& flags) {
  flags.auth = value;
  flags.fifo.clear();
  flags.read_fd = flags.write_fd = -1;
  if (value.starts_with(k_fifo_prefix) && value.size() > k_fifo_prefix.size()) {
    flags.jobserver = JobserverKind::fifo;
    flags.fifo = value.substr(k_fifo_prefix.size());
    return;
  }
  auto comma = value.find(',');
  auto read_fd = whole_number<int>(value.substr(0, comma));
  auto write_fd =
      comma == std::string_view::npos ? std::nullopt : whole_number<int>(value.substr(comma + 1));
  if (!read_fd || !write_fd) {
    flags.jobserver = JobserverKind::malformed;
    return;
  }
  flags.jobserver = JobserverKind::pipe;
  flags.read_fd = *read_fd;
  flags.write_fd = *write_fd;
}

} // namespace

MakeFlags parse_makeflags(std::string_view makeflags) {
  MakeFlags flags;
  auto words = split_words(makeflags);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    if (word == "--") {
      break; // variable definitions follow
    }
    if (word.starts_with("--")) {
      for (auto option : k_auth_options) {
        if (word.starts_with(option)) {
          read_auth(word.substr(option.size()), flags);
        }
      }
      if (word == "--jobs") {
        flags.jobs.reset();
      } else if (word.starts_with("--jobs=")) {
        read_jobs(word.substr(7), flags);
      }
    } else if (word.starts_with('-')) {
      read_letters(word.substr(1), flags);
    } else if (i == 0 && word.find('=') == std::string_view::npos) {
      read_letters(word, flags);
    }
  }
  return flags;
}

} // namespace bbrun::common
