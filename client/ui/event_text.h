// SPDX-License-Identifier: MIT
// The words for each event: what plain mode prints, and what fancy mode scrolls above its
// footer. Wording follows BitBake's knotty where users grep for it ("NOTE: Running task 3 of 6
// (hello:do_compile)", "Tasks Summary: ...").
#pragma once

#include "client/ui/rerun_command.h"
#include "common/protocol.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::client::ui {

/// How a line is introduced and coloured.
enum class Level {
  debug,   ///< "DEBUG: ", with -D
  verbose, ///< "NOTE: ", with -v
  note,    ///< "NOTE: "
  plain,   ///< no prefix
  detail,  ///< no prefix, shown with the warning or error it belongs to, even with -q
  warning, ///< "WARNING: ", even with -q
  error,   ///< "ERROR: ", always
};

/// Whether a line reports one task starting or ending: the fancy footer shows that already.
enum class LineKind { message, task_progress };

struct Line {
  Level level;
  std::string text; ///< without the prefix
  LineKind kind = LineKind::message;
};

/// "NOTE: ", "WARNING: ", ...; empty for Level::plain and Level::detail.
std::string_view level_prefix(Level level);

class EventText {
public:
  /// `verbosity`: -1 warnings and errors only, 0 normal, 1 verbose (-v), 2 debug (-D).
  EventText(int verbosity, RerunCommand rerun);

  /// The lines `event` prints at this verbosity, in order; none for events that print nothing.
  /// Counts warnings and errors for the summary at BuildCompleted.
  std::vector<Line> lines_for(const common::protocol::Json& event);

  /// What the `count`th Ctrl-C does: the first lets running tasks finish, later ones stop them.
  std::vector<Line> interrupted(int count) const;

private:
  using Handler = void (EventText::*)(const common::protocol::Json&, std::vector<Line>&);
  static const std::map<std::string, Handler, std::less<>> k_handlers;

  void add(std::vector<Line>& lines, Level level, std::string text,
           LineKind kind = LineKind::message) const;

  void parse_started(const common::protocol::Json& event, std::vector<Line>& lines);
  void parse_progress(const common::protocol::Json& event, std::vector<Line>& lines);
  void parse_completed(const common::protocol::Json& event, std::vector<Line>& lines);
  void runqueue_state_changed(const common::protocol::Json& event, std::vector<Line>& lines);
  void task_started(const common::protocol::Json& event, std::vector<Line>& lines);
  void task_completed(const common::protocol::Json& event, std::vector<Line>& lines);
  void task_skipped(const common::protocol::Json& event, std::vector<Line>& lines);
  void task_failed(const common::protocol::Json& event, std::vector<Line>& lines);
  void log_message(const common::protocol::Json& event, std::vector<Line>& lines);
  void build_completed(const common::protocol::Json& event, std::vector<Line>& lines);
  void add_restored_summary(const common::protocol::Json& restored, std::vector<Line>& lines) const;

  int m_verbosity;
  RerunCommand m_rerun;
  size_t m_warnings = 0;
  size_t m_errors = 0;
};

} // namespace bbrun::client::ui
