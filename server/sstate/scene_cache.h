// SPDX-License-Identifier: MIT
// The runqueue's view of the shared-state cache: find, restore and store objects without
// waiting. An interface, so that the runqueue can be tested with a fake.
#pragma once

#include "server/sstate/archive.h"
#include "server/sstate/cache_keys.h"
#include "server/sstate/cache_store.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bbrun::server::sstate {

struct FindResult {
  std::map<std::string, StoreKind> found; ///< unihash -> the first store that has its object
  std::vector<std::string> warnings;
};

struct RestoreResult {
  std::optional<StoreKind> from; ///< nullopt: not restored (no object, or `error`)
  std::string error;             ///< why a restore failed; empty for a plain miss
  /// A plain miss once a store has been dropped from the build (down, or not a cache): most
  /// likely the object was there, and the store's own warning has said why it is not now.
  bool store_dropped = false;
  std::vector<std::string> warnings;
};

struct UnihashResult {
  std::vector<std::optional<std::string>> unihashes; ///< per task asked, in order; nullopt: none
  std::vector<std::string> warnings;
};

/// Whether what a lookup learns is written down for later builds (not in a dry run).
enum class Record { no, yes };

struct StoreResult {
  std::string unihash; ///< empty when nothing was stored (see `error`)
  std::string error;
  std::vector<std::string> warnings;
};

/// Every call returns at once; its callback runs later on the event loop, exactly once, unless
/// the cache is destroyed first. Event-loop thread only.
class SceneCache {
public:
  virtual ~SceneCache() = default;

  /// Which of `objects` some store has an object for; FindResult::found is by unique hash.
  virtual void find(std::vector<ObjectQuery> objects, std::function<void(FindResult)> done) = 0;
  /// Hash equivalence through the shared caches: the unique hash each of `tasks` has there.
  /// With Record::yes what is found is also recorded in SSTATE_DIR's database, so that later
  /// builds sign the tasks after them alike without asking.
  virtual void unihashes(std::vector<UnihashQuery> tasks, Record record,
                         std::function<void(UnihashResult)> done) = 0;
  /// One object to restore: the task's and where its outputs go.
  struct Restore {
    ObjectQuery object;
    std::vector<OutputDir> outputs;
  };
  /// Restore `batch` one after the other (in one helper: starting a process costs more than a
  /// small restore); `done` gets one result per item, in order.
  virtual void restore(std::vector<Restore> batch,
                       std::function<void(std::vector<RestoreResult>)> done) = 0;
  /// Pack and store the outputs of `method` ("pn:do_task") that just ran with signature
  /// `taskhash`; the result says the unique hash they were stored under.
  virtual void store(std::string method, std::string taskhash, std::vector<OutputDir> outputs,
                     std::function<void(StoreResult)> done) = 0;
  /// Send `sig` to every helper still at work (a build that stops).
  virtual void signal_all(int sig) = 0;
};

} // namespace bbrun::server::sstate
