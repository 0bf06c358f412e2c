// SPDX-License-Identifier: MIT
// A shared-state cache that holds an object for every task, restores each unless told it is
// corrupt, and stores nothing; its answers arrive on the event loop, as real ones do.
#pragma once

#include "server/sstate/scene_cache.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

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
  const std::vector<std::string>& stored() const { return m_stored; }

private:
  boost::asio::io_context& m_io;
  std::set<std::string> m_corrupt;
  std::vector<std::string> m_stored;
};

} // namespace bbrun::testing
