// SPDX-License-Identifier: MIT
// Cache stores in directories.
#include "server/sstate/dir_store.h"

#include "common/unique_fd.h"

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
namespace fs = std::filesystem;

std::string_view store_kind_name(StoreKind kind) {
  switch (kind) {
  case StoreKind::local:
    return "local";
  case StoreKind::mirror:
    return "mirror";
  case StoreKind::http:
    return "http";
  }
  return "?";
}

namespace {

fs::path sharded(const fs::path& root, std::string_view space, std::string_view name) {
  return root / space / name.substr(0, 2) / name;
}

common::Result<void> write_file_atomically(const fs::path& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  auto temp = DirStore::temp_beside(path);
  common::UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) {
    return fail(ErrorKind::io, common::errno_message("create " + temp.string()));
  }
  auto written = common::write_all(fd.get(), text);
  if (written && ::fsync(fd.get()) != 0) {
    written = fail(ErrorKind::io, common::errno_message("fsync " + temp.string()));
  }
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = fail(ErrorKind::io, common::errno_message("rename " + path.string()));
  }
  if (!written) {
    fs::remove(temp, ec);
  }
  return written;
}

} // namespace

fs::path DirStore::temp_beside(const fs::path& final_path) {
  static std::atomic<unsigned> counter{0};
  return final_path.parent_path() /
         fmt::format(".{}.{}.{}.tmp", final_path.filename().string(), ::getpid(), counter++);
}

fs::path DirStore::object_path(std::string_view sha256) const {
  return sharded(m_root, "cas", sha256);
}

fs::path DirStore::entry_path(std::string_view key) const {
  return sharded(m_root, "ac", key);
}

common::Result<std::optional<std::string>> DirStore::get_entry(std::string_view key) {
  auto path = entry_path(key);
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::optional<std::string>{};
    }
    return fail(ErrorKind::io, common::errno_message("open " + path.string()));
  }
  auto text = common::read_all(fd.get(), 1 << 20);
  if (!text) {
    return fail(text.error());
  }
  return std::optional<std::string>(std::move(*text));
}

common::Result<bool> DirStore::fetch_object(std::string_view sha256, const fs::path& destination) {
  std::error_code ec;
  fs::copy_file(object_path(sha256), destination, fs::copy_options::overwrite_existing, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    return false;
  }
  if (ec) {
    return fail(ErrorKind::io,
                fmt::format("copy {}: {}", object_path(sha256).string(), ec.message()));
  }
  return true;
}

common::Result<void> DirStore::put_entry(std::string_view key, std::string_view text) {
  return write_file_atomically(entry_path(key), text);
}

common::Result<void> DirStore::put_object(std::string_view sha256, const fs::path& source) {
  auto path = object_path(sha256);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  // Same name, same bytes: an object already there is the one we would write.
  if (fs::exists(path, ec)) {
    return {};
  }
  auto temp = temp_beside(path);
  fs::copy_file(source, temp, ec);
  if (!ec) {
    fs::rename(temp, path, ec);
  }
  if (ec) {
    fs::remove(temp, ec);
    return fail(ErrorKind::io, fmt::format("store {}: {}", path.string(), ec.message()));
  }
  return {};
}

} // namespace bbrun::server::sstate
