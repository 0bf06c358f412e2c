// SPDX-License-Identifier: MIT
// The client's side of the jobserver token escrow (common/token_escrow.h).
#pragma once

#include "common/unique_fd.h"

#include <filesystem>
#include <string>

namespace bbrun::client {

/// Creates this client's escrow fifo in the build directory and, when destroyed, moves
/// whatever it still holds back to make's jobserver and removes it: so the tokens the server
/// took come back to make even when the server was killed. Without an escrow (it could not be
/// made) the build still runs, and `warning()` says what is at stake.
class TokenEscrowOwner {
public:
  /// `jobserver_write`: make's write end, borrowed; it must outlive this object.
  TokenEscrowOwner(const std::filesystem::path& builddir, int jobserver_write);
  ~TokenEscrowOwner();
  TokenEscrowOwner(const TokenEscrowOwner&) = delete;
  TokenEscrowOwner& operator=(const TokenEscrowOwner&) = delete;

  /// The fifo to name in the build request; empty when there is none.
  const std::filesystem::path& path() const { return m_path; }
  const std::string& warning() const { return m_warning; }

private:
  std::filesystem::path m_path;
  common::UniqueFd m_escrow;
  int m_jobserver_write;
  std::string m_warning;
};

} // namespace bbrun::client
