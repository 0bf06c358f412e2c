// SPDX-License-Identifier: MIT
// A shared-state cache that holds an object for every task, restores each unless told it is
// corrupt, and stores nothing; its answers arrive on the event loop, as real ones do.
#pragma once

#include "server/sstate/scene_cache.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace bbrun::testing {

class FakeSceneCache final : public server::sstate::SceneCache {
public:
  explicit FakeSceneCache(boost::asio::io_context& io) : m_io(io) {}

  void find(std::vector<server::sstate::ObjectQuery> objects,
            std::function<void(server::sstate::FindResult)> done) override {
    server::sstate::FindResult result;
    for (const auto& object : objects) {
      result.found.emplace(object.unihash, server::sstate::StoreKind::local);
      m_looked_for.push_back(object);
    }
    boost::asio::post(m_io, [done, result] { done(result); });
  }
  void unihashes(std::vector<server::sstate::UnihashQuery> tasks, server::sstate::Record,
                 std::function<void(server::sstate::UnihashResult)> done) override {
    server::sstate::UnihashResult result;
    for (const auto& task : tasks) {
      m_asked.push_back(task.method);
      auto equivalent = m_equivalent.find(task.method);
      result.unihashes.push_back(
          equivalent != m_equivalent.end() ? std::optional(equivalent->second) : std::nullopt);
    }
    boost::asio::post(m_io, [done, result] { done(result); });
  }
  void restore(std::vector<Restore> batch,
               std::function<void(std::vector<server::sstate::RestoreResult>)> done) override {
    std::vector<server::sstate::RestoreResult> results(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      if (m_corrupt.contains(batch[i].outputs.front().path.string())) {
        results[i].error = "checksum mismatch";
      } else {
        results[i].from = server::sstate::StoreKind::local;
      }
    }
    boost::asio::post(m_io, [done, results] { done(results); });
  }
  void store(std::string method, std::string taskhash, std::vector<server::sstate::OutputDir>,
             std::function<void(server::sstate::StoreResult)> done) override {
    m_stored.push_back(method);
    boost::asio::post(m_io, [done, taskhash] { done({taskhash, {}, {}}); });
  }
  void signal_all(int) override {}

  /// Restores into `output` (an expanded [sstate-outputs] path) fail from now on.
  void corrupt(const std::string& output) { m_corrupt.insert(output); }
  /// Every signature of `method` has the unique hash `unihash` from now on.
  void equivalent(const std::string& method, const std::string& unihash) {
    m_equivalent[method] = unihash;
  }
  /// The methods whose unique hash was asked for, in order.
  const std::vector<std::string>& asked() const { return m_asked; }
  /// The objects looked for, in order.
  const std::vector<server::sstate::ObjectQuery>& looked_for() const { return m_looked_for; }
  const std::vector<std::string>& stored() const { return m_stored; }

private:
  boost::asio::io_context& m_io;
  std::set<std::string> m_corrupt;
  std::vector<std::string> m_stored;
  std::map<std::string, std::string> m_equivalent;
  std::vector<std::string> m_asked;
  std::vector<server::sstate::ObjectQuery> m_looked_for;
};

} // namespace bbrun::testing
