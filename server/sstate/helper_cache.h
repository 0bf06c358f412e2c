// SPDX-License-Identifier: MIT
// The SceneCache of a build: each operation runs in a `bbrun-sstate` process, spawned with
// posix_spawn (cheap even from a large server, no copy of its memory) and awaited on a pidfd,
// so the event loop never waits for the network or for unpacking. Requests and results travel
// in memory files (memfd), so nothing is written to disk for them and no pipe can fill up.
#pragma once

#include "common/unique_fd.h"
#include "server/sstate/operations.h"
#include "server/sstate/scene_cache.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sys/types.h>

namespace bbrun::server::sstate {

class HelperCache final : public SceneCache {
public:
  /// `helper`: the bbrun-sstate executable. A store that fails in one helper is left out of
  /// the requests of every later one, and its warning is passed on once.
  HelperCache(boost::asio::io_context& io, std::filesystem::path helper, Locations locations);
  /// Kills the helpers still running and waits for them; their callbacks never run.
  ~HelperCache() override;

  void find(std::vector<ObjectQuery> objects, std::function<void(FindResult)> done) override;
  void unihashes(std::vector<UnihashQuery> tasks, Record record,
                 std::function<void(UnihashResult)> done) override;
  void restore(std::vector<Restore> batch,
               std::function<void(std::vector<RestoreResult>)> done) override;
  void store(std::string method, std::string taskhash, std::vector<OutputDir> outputs,
             std::function<void(StoreResult)> done) override;
  void signal_all(int sig) override;

  /// Run `operation` with `request` (locations are added); `done` gets the result object, or
  /// an error when the helper could not run or said nothing usable.
  void run(const std::string& operation, nlohmann::json request,
           std::function<void(common::Result<nlohmann::json>)> done);

  /// bbrun-sstate beside the running server's executable.
  static std::filesystem::path default_helper();

private:
  struct Child {
    pid_t pid;
    common::UniqueFd result;
    std::unique_ptr<boost::asio::posix::stream_descriptor> exit_watch;
  };
  void child_exited(uint64_t id, const std::function<void(common::Result<nlohmann::json>)>& done);
  /// The warnings of `result` not yet passed on; drops the stores they name from later runs.
  std::vector<std::string> new_warnings(const nlohmann::json& result);

  boost::asio::io_context& m_io;
  std::filesystem::path m_helper;
  Locations m_locations;
  std::set<std::string> m_failed_stores;
  std::map<uint64_t, Child> m_children;
  uint64_t m_next_id = 0;
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace bbrun::server::sstate
