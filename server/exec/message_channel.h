// SPDX-License-Identifier: MIT
// The reading end of a task's message channel (task_message.h).
#pragma once

#include "common/result.h"
#include "common/unique_fd.h"
#include "server/exec/task_message.h"
#include "server/exec/task_plan.h"

#include <string>
#include <utility>

namespace bbrun::server::exec {

/// A pipe whose write end a task inherits, read without blocking by whoever started the task
/// (the launcher for shell tasks, the cooker for python tasks); TaskMessageDecoder makes
/// messages of what it carries.
class MessageChannel {
public:
  /// The most read at once, from a channel that has more: a task flooding its channel cannot
  /// hold up the loop reading it.
  static constexpr size_t k_read_budget = 65536;

  /// A new channel and the write end to give the task.
  static common::Result<std::pair<MessageChannel, common::UniqueFd>> open();

  /// The fd to wait on for more, or -1 once the task and its children closed their ends.
  int fd() const { return m_read_end.get(); }
  /// Append what the channel holds now, up to `budget` bytes, to `out`.
  void read(std::string& out, size_t budget = k_read_budget);
  /// The task ended: append what is left, up to the decoder's limit (something the task left
  /// running may still be writing), and close.
  void finish(std::string& out);

private:
  explicit MessageChannel(common::UniqueFd read_end) : m_read_end(std::move(read_end)) {}

  common::UniqueFd m_read_end; ///< closed at end of file
};

/// Give `plan`'s task the channel's `write_end` as its last inherited fd, named by ${LOGFIFO}
/// ("/dev/fd/N") in its environment and by TaskPlan::message_fd.
void add_message_channel(TaskPlan& plan, int write_end);

} // namespace bbrun::server::exec
