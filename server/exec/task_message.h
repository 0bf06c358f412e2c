// SPDX-License-Identifier: MIT
// Messages a running task sends to the UI: BitBake's log fifo records.
#pragma once

// A task writes each message as one record, "COMMAND TEXT" ended by a NUL byte, to its
// message channel: COMMAND is bbplain, bbnote, bbverbnote, bbwarn, bberror, bbfatal,
// bbfatal_log or "bbdebug LEVEL". That is the format OpenEmbedded's logging.bbclass writes to
// ${LOGFIFO}, so shell helpers written for BitBake work unchanged: in a task, LOGFIFO names the
// channel (k_message_channel_variable). Python tasks write the same records for bb.note,
// bb.warn, ... (python_task_executor.cc).

#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::exec {

/// The environment variable naming a task's message channel, a path the task can open and
/// write to.
inline constexpr std::string_view k_message_channel_variable = "LOGFIFO";

struct TaskMessage {
  std::string
      level; ///< a LogMessage level: "plain", "note", "verbose", "warning", "error", "debug"
  std::string text;
};

/// The record for a message of `level` (a LogMessage level, or "fatal"), NUL included.
std::string encode_task_message(std::string_view level, std::string_view text);

/// Splits a task's message stream into messages. Past `limit` bytes in all the rest is dropped,
/// once, with a warning saying so: a task that floods its channel cannot flood the UI.
class TaskMessageDecoder {
public:
  static constexpr size_t k_default_limit = size_t{1} << 20;
  explicit TaskMessageDecoder(size_t limit = k_default_limit) : m_limit(limit) {}

  /// Append the messages whose record `data` completes to `out`.
  void feed(std::string_view data, std::vector<TaskMessage>& out);
  /// The stream ended: a record cut short (the task was killed writing it) still counts.
  void finish(std::vector<TaskMessage>& out);

private:
  void decode(std::string_view record, std::vector<TaskMessage>& out) const;

  std::string m_pending;
  size_t m_received = 0;
  size_t m_limit;
  bool m_over_limit = false;
};

} // namespace bbrun::server::exec
