// SPDX-License-Identifier: MIT
// The HTTP cache store, over libcurl.
#include "server/sstate/http_store.h"

#include <fmt/core.h>

#include <cstdio>
#include <curl/curl.h>
#include <map>
#include <memory>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
namespace fs = std::filesystem;

namespace {

// An entry is small; anything bigger is not one of ours.
constexpr size_t k_max_entry = 1 << 20;
// At most this many entry requests at once: enough to hide a distant server's round trips,
// few enough that no server takes them for an attack.
constexpr size_t k_parallel_entries = 16;
// An object transfer that moves less than this many bytes a second for `timeout` is dropped.
constexpr long k_min_bytes_per_second = 1024;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using Curl = std::unique_ptr<CURL, CurlDeleter>;
using File = std::unique_ptr<std::FILE, FileCloser>;

size_t append_to_string(char* data, size_t size, size_t count, void* out) {
  auto* text = static_cast<std::string*>(out);
  if (text->size() + size * count > k_max_entry) {
    return 0; // makes curl fail the transfer
  }
  text->append(data, size * count);
  return size * count;
}

size_t write_to_file(char* data, size_t size, size_t count, void* out) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(out)) * size;
}

struct Request {
  Curl curl;
  std::string url;
};

Request request(const std::string& url, std::chrono::milliseconds timeout, bool object) {
  static const bool k_initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)k_initialised;
  Request out{Curl(curl_easy_init()), url};
  CURL* curl = out.curl.get();
  curl_easy_setopt(curl, CURLOPT_URL, out.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  if (object) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, k_min_bytes_per_second);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(timeout.count() / 1000)));
  } else {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  return out;
}

// The HTTP status of `request`, which ended with `code`, or an error naming the URL.
common::Result<long> status_of(const Request& request, CURLcode code) {
  if (code != CURLE_OK) {
    return fail(ErrorKind::transient, fmt::format("{}: {}", request.url, curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(request.curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

// Perform `request`; the HTTP status, or an error naming the URL.
common::Result<long> perform(const Request& request) {
  return status_of(request, curl_easy_perform(request.curl.get()));
}

common::Result<void> expect_stored(const Request& request) {
  auto status = perform(request);
  if (!status) {
    return fail(status.error());
  }
  // 200 or 204 (replaced), 201 (created).
  if (*status < 200 || *status >= 300) {
    return fail(ErrorKind::io, fmt::format("PUT {}: HTTP {}", request.url, *status));
  }
  return {};
}

common::Result<void> bad_status(const Request& request, long status) {
  return fail(ErrorKind::io, fmt::format("GET {}: HTTP {}", request.url, status));
}

// One GET of an entry in an EntryBatch. On the heap, so that curl's pointer to `body` holds.
struct EntryGet {
  Request request;
  size_t index; ///< of its key in the batch's request
  std::string body;
  CURLcode code = CURLE_OK;
};

// The entry `get` brought: its text, nullopt for a 404, else an error.
common::Result<std::optional<std::string>> entry_of(EntryGet& get) {
  auto status = status_of(get.request, get.code);
  if (!status) {
    return fail(status.error());
  }
  if (*status == 404) {
    return std::optional<std::string>{};
  }
  if (*status != 200) {
    return fail(bad_status(get.request, *status).error());
  }
  return std::optional<std::string>(std::move(get.body));
}

// Entry GETs in flight together on one curl multi handle.
class EntryBatch {
public:
  EntryBatch() : m_multi(curl_multi_init()) {}
  // libcurl wants each transfer off the multi handle before either is cleaned up.
  ~EntryBatch() {
    for (const auto& [curl, get] : m_active) {
      curl_multi_remove_handle(m_multi, curl);
    }
    m_active.clear();
    curl_multi_cleanup(m_multi);
  }
  EntryBatch(const EntryBatch&) = delete;
  EntryBatch& operator=(const EntryBatch&) = delete;

  size_t size() const { return m_active.size(); }

  void add(std::unique_ptr<EntryGet> get) {
    CURL* curl = get->request.curl.get();
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to_string);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &get->body);
    curl_multi_add_handle(m_multi, curl);
    m_active.emplace(curl, std::move(get));
  }

  // Move the transfers along until at least one has ended (each has its own time limit), and
  // return those that have.
  common::Result<std::vector<std::unique_ptr<EntryGet>>> wait() {
    std::vector<std::unique_ptr<EntryGet>> ended;
    while (ended.empty() && !m_active.empty()) {
      int running = 0;
      CURLMcode code = curl_multi_perform(m_multi, &running);
      if (code != CURLM_OK) {
        return fail(ErrorKind::io, fmt::format("curl: {}", curl_multi_strerror(code)));
      }
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(m_multi, &queued)) {
        if (message->msg != CURLMSG_DONE) {
          continue;
        }
        // Read before the removal, which ends the message's life.
        CURL* curl = message->easy_handle;
        CURLcode result = message->data.result;
        curl_multi_remove_handle(m_multi, curl);
        auto done = m_active.extract(curl);
        done.mapped()->code = result;
        ended.push_back(std::move(done.mapped()));
      }
      if (ended.empty()) {
        curl_multi_poll(m_multi, nullptr, 0, 1000, nullptr);
      }
    }
    return ended;
  }

private:
  CURLM* m_multi;
  std::map<CURL*, std::unique_ptr<EntryGet>> m_active;
};

} // namespace

HttpStore::HttpStore(std::string url, std::chrono::milliseconds timeout)
    : m_url(std::move(url)), m_timeout(timeout) {
  while (!m_url.empty() && m_url.back() == '/') {
    m_url.pop_back();
  }
}

common::Result<std::optional<std::string>> HttpStore::get_entry(std::string_view key) {
  auto entries = get_entries({std::string(key)});
  if (!entries) {
    return fail(entries.error());
  }
  return std::move(entries->front());
}

common::Result<std::vector<std::optional<std::string>>>
HttpStore::get_entries(const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> out(keys.size());
  EntryBatch batch;
  size_t next = 0;
  while (next < keys.size() || batch.size() > 0) {
    for (; next < keys.size() && batch.size() < k_parallel_entries; ++next) {
      batch.add(std::make_unique<EntryGet>(EntryGet{
          request(fmt::format("{}/ac/{}", m_url, keys[next]), m_timeout, false), next, {}, {}}));
    }
    auto ended = batch.wait();
    if (!ended) {
      return fail(ended.error());
    }
    for (auto& get : *ended) {
      auto entry = entry_of(*get);
      if (!entry) {
        return fail(entry.error());
      }
      out[get->index] = std::move(*entry);
    }
  }
  return out;
}

common::Result<bool> HttpStore::fetch_object(std::string_view sha256, const fs::path& destination) {
  auto get = request(fmt::format("{}/cas/{}", m_url, sha256), m_timeout, true);
  File file(std::fopen(destination.c_str(), "wbe"));
  if (!file) {
    return fail(ErrorKind::io, "cannot create " + destination.string());
  }
  curl_easy_setopt(get.curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(get.curl.get(), CURLOPT_WRITEDATA, file.get());
  auto status = perform(get);
  bool flushed = std::fflush(file.get()) == 0;
  file.reset();
  if (!status || *status != 200 || !flushed) {
    std::error_code ignored;
    fs::remove(destination, ignored);
  }
  if (!status) {
    return fail(status.error());
  }
  if (*status == 404) {
    return false;
  }
  if (*status != 200) {
    return fail(bad_status(get, *status).error());
  }
  if (!flushed) {
    return fail(ErrorKind::io, "write " + destination.string());
  }
  return true;
}

common::Result<void> HttpStore::put_entry(std::string_view key, std::string_view text) {
  auto put = request(fmt::format("{}/ac/{}", m_url, key), m_timeout, false);
  curl_easy_setopt(put.curl.get(), CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(put.curl.get(), CURLOPT_POSTFIELDS, text.data());
  curl_easy_setopt(put.curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(text.size()));
  return expect_stored(put);
}

common::Result<void> HttpStore::put_object(std::string_view sha256, const fs::path& source) {
  auto put = request(fmt::format("{}/cas/{}", m_url, sha256), m_timeout, true);
  File file(std::fopen(source.c_str(), "rbe"));
  std::error_code ec;
  auto size = fs::file_size(source, ec);
  if (!file || ec) {
    return fail(ErrorKind::io, "cannot read " + source.string());
  }
  curl_easy_setopt(put.curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(put.curl.get(), CURLOPT_READDATA, file.get());
  curl_easy_setopt(put.curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  return expect_stored(put);
}

} // namespace bbrun::server::sstate
