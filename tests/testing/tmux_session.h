// SPDX-License-Identifier: MIT
// A program on a real pseudo-terminal, run inside a private tmux server, whose screen the test
// reads back as the user would see it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace bbrun::testing {

class TmuxSession {
public:
  /// Run the shell command line `command` in a `columns` x `rows` terminal of a tmux server
  /// whose socket lives in `dir`. When the command ends, "[exit STATUS]" is printed after it and
  /// the terminal stays, so its last screen can be read.
  TmuxSession(const std::filesystem::path& dir, const std::string& command, int columns, int rows);
  /// Kills the tmux server and what still runs in it.
  ~TmuxSession();
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;

  /// Whether the session could be started (tmux is there and answered).
  bool started() const { return m_started; }

  /// The visible screen, one line per line written (wrapped lines joined), trailing blank rows
  /// dropped.
  std::string screen() const;

  /// Type `key` (tmux's key names: "C-c", "Enter", ...).
  void send_key(const std::string& key) const;

  /// Poll the screen until `predicate` holds or `limit` passes; returns the last screen seen,
  /// and sets `held`.
  std::string wait_for(const std::function<bool(const std::string&)>& predicate, bool& held,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) const;

private:
  std::string tmux(const std::vector<std::string>& args, int* status = nullptr) const;

  std::filesystem::path m_socket;
  bool m_started = false;
};

} // namespace bbrun::testing
