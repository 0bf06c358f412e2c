// SPDX-License-Identifier: MIT
// A program on a real pseudo-terminal inside tmux.
#include "tests/testing/tmux_session.h"

#include "tests/testing/process.h"

#include <sstream>
#include <thread>

namespace bbrun::testing {

namespace {

// How often the screen is read while waiting: often enough to be quick, rarely enough not to
// load a busy machine with tmux clients.
constexpr auto k_poll_interval = std::chrono::milliseconds(50);

} // namespace

TmuxSession::TmuxSession(const std::filesystem::path& dir, const std::string& command, int columns,
                         int rows)
    : m_socket(dir / "tmux.sock") {
  // The shell survives the Ctrl-C meant for the command (a trap, unlike an ignored signal, is
  // not inherited), reports how the command ended, and keeps the terminal open.
  std::string wrapped = "trap : INT; " + command + "; echo \"[exit $?]\"; exec sleep 600";
  int status = -1;
  tmux({"new-session", "-d", "-x", std::to_string(columns), "-y", std::to_string(rows), "sh", "-c",
        wrapped},
       &status);
  m_started = status == 0;
}

TmuxSession::~TmuxSession() {
  tmux({"kill-server"});
}

std::string TmuxSession::tmux(const std::vector<std::string>& args, int* status) const {
  std::vector<std::string> argv{"tmux", "-S", m_socket.string(), "-f", "/dev/null"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_process(argv, m_socket.parent_path(), {}, std::chrono::seconds(20));
  if (status != nullptr) {
    *status = result.exit_code;
  }
  return result.out;
}

std::string TmuxSession::screen() const {
  // -J: a line the terminal wrapped comes back whole (with the row's trailing blanks).
  std::istringstream rows(tmux({"capture-pane", "-p", "-J"}));
  std::string text;
  for (std::string row; std::getline(rows, row);) {
    row.erase(row.find_last_not_of(' ') + 1);
    text += row + "\n";
  }
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

void TmuxSession::send_key(const std::string& key) const {
  tmux({"send-keys", key});
}

std::string TmuxSession::wait_for(const std::function<bool(const std::string&)>& predicate,
                                  bool& held, std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    std::string text = screen();
    held = predicate(text);
    if (held || std::chrono::steady_clock::now() > deadline) {
      return text;
    }
    std::this_thread::sleep_for(k_poll_interval);
  }
}

} // namespace bbrun::testing
