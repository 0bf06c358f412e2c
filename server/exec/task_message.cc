// SPDX-License-Identifier: MIT
// Task message records.
#include "server/exec/task_message.h"

#include <fmt/core.h>

#include <array>
#include <utility>

namespace bbrun::server::exec {

namespace {

struct Command {
  std::string_view name;
  std::string_view level;
};

// bbfatal's task exits next, and its failure is reported on its own: the message itself is an
// error, as in BitBake.
constexpr std::array<Command, 7> k_commands{{{"bbplain", "plain"},
                                             {"bbnote", "note"},
                                             {"bbverbnote", "verbose"},
                                             {"bbwarn", "warning"},
                                             {"bberror", "error"},
                                             {"bbfatal", "error"},
                                             {"bbfatal_log", "error"}}};

} // namespace

std::string encode_task_message(std::string_view level, std::string_view text) {
  std::string_view command = "bbnote";
  if (level == "fatal") {
    command = "bbfatal";
  } else if (level == "debug") {
    command = "bbdebug 1";
  } else {
    for (const auto& known : k_commands) {
      if (known.level == level) {
        command = known.name;
        break;
      }
    }
  }
  std::string record(command);
  record.append(1, ' ').append(text).append(1, '\0');
  return record;
}

void TaskMessageDecoder::feed(std::string_view data, std::vector<TaskMessage>& out) {
  if (m_over_limit) {
    return;
  }
  if (data.size() > m_limit - m_received) {
    data = data.substr(0, m_limit - m_received);
    m_over_limit = true;
  }
  m_received += data.size();
  m_pending.append(data);
  size_t start = 0;
  for (size_t end; (end = m_pending.find('\0', start)) != std::string::npos; start = end + 1) {
    decode(std::string_view(m_pending).substr(start, end - start), out);
  }
  m_pending.erase(0, start);
  if (m_over_limit) {
    m_pending.clear();
    out.push_back({"warning", fmt::format("the task sent more than {} KiB of messages: the rest "
                                          "are only in its log",
                                          m_limit / 1024)});
  }
}

void TaskMessageDecoder::finish(std::vector<TaskMessage>& out) {
  if (!m_pending.empty()) {
    decode(m_pending, out);
    m_pending.clear();
  }
}

void TaskMessageDecoder::decode(std::string_view record, std::vector<TaskMessage>& out) const {
  while (!record.empty() && record.back() == '\n') {
    record.remove_suffix(1);
  }
  if (record.empty()) {
    return;
  }
  size_t space = record.find(' ');
  std::string_view command = record.substr(0, space);
  std::string_view text = space == std::string_view::npos ? "" : record.substr(space + 1);
  if (command == "bbdebug") {
    // "bbdebug LEVEL TEXT": the level is BitBake's verbosity, not shown here.
    size_t level_end = text.find(' ');
    out.push_back(
        {"debug", std::string(level_end == std::string_view::npos ? std::string_view()
                                                                  : text.substr(level_end + 1))});
    return;
  }
  for (const auto& known : k_commands) {
    if (known.name == command) {
      out.push_back({std::string(known.level), std::string(text)});
      return;
    }
  }
  out.push_back({"warning", fmt::format("unrecognised message from the task: {}", record)});
}

} // namespace bbrun::server::exec
