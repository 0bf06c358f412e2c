// SPDX-License-Identifier: MIT
// The HTTP cache store, over libcurl.
#include "server/sstate/http_store.h"

#include <fmt/core.h>

#include <cstdio>
#include <curl/curl.h>
#include <memory>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
namespace fs = std::filesystem;

namespace {

// An entry is small; anything bigger is not one of ours.
constexpr size_t k_max_entry = 1 << 20;
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

// Perform `request`; the HTTP status, or an error naming the URL.
common::Result<long> perform(const Request& request) {
  CURLcode code = curl_easy_perform(request.curl.get());
  if (code != CURLE_OK) {
    return fail(ErrorKind::transient, fmt::format("{}: {}", request.url, curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(request.curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
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

} // namespace

HttpStore::HttpStore(std::string url, std::chrono::milliseconds timeout)
    : m_url(std::move(url)), m_timeout(timeout) {
  while (!m_url.empty() && m_url.back() == '/') {
    m_url.pop_back();
  }
}

common::Result<std::optional<std::string>> HttpStore::get_entry(std::string_view key) {
  auto get = request(fmt::format("{}/ac/{}", m_url, key), m_timeout, false);
  std::string body;
  curl_easy_setopt(get.curl.get(), CURLOPT_WRITEFUNCTION, append_to_string);
  curl_easy_setopt(get.curl.get(), CURLOPT_WRITEDATA, &body);
  auto status = perform(get);
  if (!status) {
    return fail(status.error());
  }
  if (*status == 404) {
    return std::optional<std::string>{};
  }
  if (*status != 200) {
    return fail(bad_status(get, *status).error());
  }
  return std::optional<std::string>(std::move(body));
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
