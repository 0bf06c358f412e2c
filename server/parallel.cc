// SPDX-License-Identifier: MIT
// Rounds of work another thread may join.
#include "server/parallel.h"

namespace bbrun::server {

void JoinableRounds::drain(Round& round) {
  for (size_t i = round.next++; i < round.count; i = round.next++) {
    (*round.work)(i);
    if (++round.done == round.count) {
      std::lock_guard lock(m_mutex);
      m_changed.notify_all();
    }
  }
}

void JoinableRounds::run(size_t count, const std::function<void(size_t)>& work) {
  auto round = std::make_shared<Round>(count, &work);
  {
    std::lock_guard lock(m_mutex);
    m_round = round;
  }
  m_changed.notify_all();
  drain(*round);
  std::unique_lock lock(m_mutex);
  // `work` lives only until this returns: no joiner may claim an item after.
  m_changed.wait(lock, [&] { return round->done == count; });
  m_round.reset();
}

void JoinableRounds::finish() {
  {
    std::lock_guard lock(m_mutex);
    m_finished = true;
  }
  m_changed.notify_all();
}

void JoinableRounds::join() {
  std::shared_ptr<Round> last;
  while (true) {
    std::shared_ptr<Round> round;
    {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [&] { return m_finished || (m_round && m_round != last); });
      if (m_finished) {
        return;
      }
      round = m_round;
    }
    drain(*round);
    last = std::move(round);
  }
}

} // namespace bbrun::server
