// SPDX-License-Identifier: MIT
// The client's token escrow.
#include "client/token_escrow_owner.h"

#include "common/token_escrow.h"

#include <unistd.h>

namespace bbrun::client {

TokenEscrowOwner::TokenEscrowOwner(const std::filesystem::path& builddir, int jobserver_write)
    : m_jobserver_write(jobserver_write) {
  auto path = common::escrow_path(builddir, ::getpid());
  auto escrow = common::create_escrow(path);
  if (!escrow) {
    m_warning = escrow.error().message + ": make's tokens are lost if the server is killed";
    return;
  }
  m_escrow = std::move(*escrow);
  m_path = std::move(path);
}

TokenEscrowOwner::~TokenEscrowOwner() {
  if (m_escrow) {
    common::release_escrow(m_escrow.get(), m_jobserver_write);
    ::unlink(m_path.c_str());
  }
}

} // namespace bbrun::client
