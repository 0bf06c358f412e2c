// SPDX-License-Identifier: MIT
// `bbrun -c cleansstate TARGET...`: remove the targets' objects from the local shared-state
// cache (SSTATE_DIR only: mirrors and the HTTP cache are shared, and never cleaned from here).
#pragma once

#include "server/build_plan.h"
#include "server/event_sink.h"
#include "server/parsed_metadata.h"
#include "server/sstate/helper_cache.h"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

namespace bbrun::server {

/// Whether `request` is -c cleansstate rather than a build.
bool is_cleansstate(const BuildRequest& request);

/// Clean the shared state of `request`'s targets, one helper at a time, with a note per recipe
/// (or an error) on `events`; `done(success)` runs at the end. `helpers` receives the helper
/// cache doing the work: the caller owns it, and destroying it cancels the rest.
void clean_sstate(boost::asio::io_context& io, MetadataCache& metadata, const BuildRequest& request,
                  EventSink& events, std::unique_ptr<sstate::HelperCache>& helpers,
                  std::function<void(bool)> done);

} // namespace bbrun::server
