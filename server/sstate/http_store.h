// SPDX-License-Identifier: MIT
// A cache store on an HTTP server speaking bazel-remote's plain HTTP cache protocol, which a
// WebDAV server (nginx with dav_methods PUT) also speaks:
//   GET/HEAD <url>/ac/<key>      an entry (404: none)
//   GET/HEAD <url>/cas/<sha256>  an object (404: none)
//   PUT <url>/ac/<key>, PUT <url>/cas/<sha256>
// (bazel-remote needs --disable_http_ac_validation: bbrun's entries are not Bazel's
// ActionResult messages.) Every request has short timeouts: a server that is down or stalls
// costs seconds, never a hang; callers treat any error as a miss.
#pragma once

#include "server/sstate/cache_store.h"

#include <chrono>

namespace bbrun::server::sstate {

class HttpStore final : public CacheStore {
public:
  /// `url`: http://host:port[/prefix], without a trailing slash. `timeout`: the limit for
  /// connecting and for each small request; transfers of objects may take longer while data
  /// keeps flowing.
  HttpStore(std::string url, std::chrono::milliseconds timeout);

  StoreKind kind() const override { return StoreKind::http; }
  std::string where() const override { return m_url; }
  bool writable() const override { return true; }

  common::Result<std::optional<std::string>> get_entry(std::string_view key) override;
  /// Asks for up to k_parallel_entries (16) entries at once, each with the small requests'
  /// time limit.
  common::Result<std::vector<std::optional<std::string>>>
  get_entries(const std::vector<std::string>& keys) override;
  common::Result<bool> fetch_object(std::string_view sha256,
                                    const std::filesystem::path& destination) override;
  common::Result<void> put_entry(std::string_view key, std::string_view text) override;
  common::Result<void> put_object(std::string_view sha256,
                                  const std::filesystem::path& source) override;

private:
  std::string m_url;
  std::chrono::milliseconds m_timeout;
};

} // namespace bbrun::server::sstate
