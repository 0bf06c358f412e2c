// SPDX-License-Identifier: MIT
// Packing and unpacking task outputs.
#include "server/sstate/archive.h"

#include "common/unique_fd.h"
#include "server/sstate/ustar.h"
#include "server/sstate/zstd_stream.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_manifest = "bbrun-sstate.json";
constexpr int k_format = 1;
constexpr size_t k_chunk = 256 * 1024;

std::string manifest_text(const std::vector<OutputDir>& outputs) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& output : outputs) {
    names.push_back(output.name);
  }
  return nlohmann::json{{"format", k_format}, {"outputs", names}}.dump() + "\n";
}

common::Result<void> io_error(const std::string& what, const fs::path& path) {
  return fail(ErrorKind::io, common::errno_message(fmt::format("{} {}", what, path.string())));
}

// Every entry under `root`, as '/'-separated paths relative to it, in byte order.
common::Result<std::vector<std::string>> sorted_tree(const fs::path& root) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    return names;
  }
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().lexically_relative(root).generic_string());
  }
  if (ec) {
    return fail(ErrorKind::io, fmt::format("read {}: {}", root.string(), ec.message()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

class Packer {
public:
  explicit Packer(ZstdWriter& out)
      : m_sink([this, &out](std::string_view data) {
          m_outhash.add(data);
          return out.write(data);
        }) {}

  common::Result<void> add_bytes(const std::string& name, std::string_view content) {
    TarEntry entry{EntryType::file, name, 0644, content.size(), {}};
    if (auto header = write_tar_header(entry, m_sink); !header) {
      return header;
    }
    if (auto written = m_sink(content); !written) {
      return written;
    }
    return write_tar_padding(content.size(), m_sink);
  }

  // The output directory `root` itself as `top`, then everything under it.
  common::Result<void> add_tree(const std::string& top, const fs::path& root) {
    struct stat info {};
    uint32_t mode = ::lstat(root.c_str(), &info) == 0 ? info.st_mode & 07777 : 0755;
    if (auto header = write_tar_header({EntryType::directory, top, mode, 0, {}}, m_sink); !header) {
      return header;
    }
    auto names = sorted_tree(root);
    if (!names) {
      return fail(names.error());
    }
    for (const auto& name : *names) {
      if (auto added = add_path(top + "/" + name, root / name); !added) {
        return added;
      }
    }
    return {};
  }

  common::Result<void> end() { return write_tar_end(m_sink); }
  std::string outhash() { return m_outhash.hex(); }

private:
  common::Result<void> add_path(const std::string& name, const fs::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
      return io_error("stat", path);
    }
    uint32_t mode = info.st_mode & 07777;
    if (S_ISDIR(info.st_mode)) {
      return write_tar_header({EntryType::directory, name, mode, 0, {}}, m_sink);
    }
    if (S_ISLNK(info.st_mode)) {
      std::error_code ec;
      auto target = fs::read_symlink(path, ec);
      if (ec) {
        return fail(ErrorKind::io, fmt::format("readlink {}: {}", path.string(), ec.message()));
      }
      return write_tar_header({EntryType::symlink, name, mode, 0, target.string()}, m_sink);
    }
    if (!S_ISREG(info.st_mode)) {
      return fail(ErrorKind::io,
                  fmt::format("{}: only files, directories and symbolic links can be packed",
                              path.string()));
    }
    return add_file(name, path, mode);
  }

  common::Result<void> add_file(const std::string& name, const fs::path& path, uint32_t mode) {
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0) {
      return io_error("open", path);
    }
    uint64_t size = static_cast<uint64_t>(info.st_size);
    if (auto header = write_tar_header({EntryType::file, name, mode, size, {}}, m_sink); !header) {
      return header;
    }
    std::string buffer(k_chunk, '\0');
    uint64_t left = size;
    while (left > 0) {
      ssize_t got = ::read(fd.get(), buffer.data(), std::min<uint64_t>(left, buffer.size()));
      if (got < 0 && errno == EINTR) {
        continue;
      }
      if (got <= 0) {
        // A file that shrank while being packed: the object would not match any real state.
        return got < 0
                   ? io_error("read", path)
                   : fail(ErrorKind::io, fmt::format("{} changed while packing", path.string()));
      }
      left -= static_cast<uint64_t>(got);
      if (auto written = m_sink({buffer.data(), static_cast<size_t>(got)}); !written) {
        return written;
      }
    }
    return write_tar_padding(size, m_sink);
  }

  Sha256 m_outhash;
  TarSink m_sink;
};

} // namespace

common::Result<PackedObject> pack_outputs(const std::vector<OutputDir>& outputs,
                                          const fs::path& object) {
  auto out = ZstdWriter::create(object);
  if (!out) {
    return fail(out.error());
  }
  Packer packer(**out);
  auto packed = packer.add_bytes(k_manifest, manifest_text(outputs));
  for (size_t i = 0; packed && i < outputs.size(); ++i) {
    packed = packer.add_tree(fmt::format("{}", i), outputs[i].path);
  }
  if (packed) {
    packed = packer.end();
  }
  if (packed) {
    packed = (*out)->finish();
  }
  if (!packed) {
    std::error_code ignored;
    fs::remove(object, ignored);
    return fail(packed.error());
  }
  return PackedObject{(*out)->sha256(), (*out)->size(), packer.outhash()};
}

namespace {

// The new directories an object is unpacked into, removed unless they were swapped in.
class Staging {
public:
  ~Staging() {
    for (const auto& dir : m_dirs) {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  }

  common::Result<void> create(const std::vector<OutputDir>& outputs) {
    for (const auto& output : outputs) {
      std::error_code ec;
      fs::create_directories(output.path.parent_path(), ec);
      std::string pattern =
          (output.path.parent_path() / ("." + output.path.filename().string() + ".sstate-XXXXXX"))
              .string();
      if (::mkdtemp(pattern.data()) == nullptr) {
        return io_error("mkdtemp", pattern);
      }
      m_dirs.emplace_back(pattern);
    }
    return {};
  }

  const fs::path& dir(size_t index) const { return m_dirs[index]; }

  // Put every staged directory in place of its output. An existing output is exchanged
  // atomically with the staged one, then removed.
  common::Result<void> swap_in(const std::vector<OutputDir>& outputs) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const auto& target = outputs[i].path;
      if (::renameat2(AT_FDCWD, m_dirs[i].c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) !=
          0) {
        if (errno != ENOENT || ::rename(m_dirs[i].c_str(), target.c_str()) != 0) {
          return io_error("rename into", target);
        }
        m_dirs[i].clear();
      }
    }
    return {};
  }

private:
  std::vector<fs::path> m_dirs;
};

struct Unpacker {
  ZstdReader& in;
  const Staging& staging;
  size_t outputs;
  std::vector<std::pair<fs::path, uint32_t>> dir_modes; ///< applied last, deepest first

  TarSource source() {
    return [this](char* buffer, size_t size) { return in.read_exact(buffer, size); };
  }

  common::Result<fs::path> place(const std::string& name) {
    size_t slash = name.find('/');
    size_t index = 0;
    auto top = name.substr(0, slash);
    auto [end, ec] = std::from_chars(top.data(), top.data() + top.size(), index);
    if (ec != std::errc() || end != top.data() + top.size() || index >= outputs) {
      return fail(ErrorKind::io, fmt::format("unexpected entry '{}' in object", name));
    }
    return slash == std::string::npos ? staging.dir(index)
                                      : staging.dir(index) / name.substr(slash + 1);
  }

  common::Result<void> extract(const TarEntry& entry) {
    auto path = place(entry.name);
    if (!path) {
      return fail(path.error());
    }
    switch (entry.type) {
    case EntryType::directory:
      if (::mkdir(path->c_str(), 0700) != 0 && errno != EEXIST) {
        return io_error("mkdir", *path);
      }
      dir_modes.emplace_back(*path, entry.mode);
      return {};
    case EntryType::symlink:
      if (::symlink(entry.target.c_str(), path->c_str()) != 0) {
        return io_error("symlink", *path);
      }
      return {};
    case EntryType::file:
      return extract_file(*path, entry);
    }
    return {};
  }

  common::Result<void> extract_file(const fs::path& path, const TarEntry& entry) {
    common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
      return io_error("create", path);
    }
    std::string buffer(k_chunk, '\0');
    for (uint64_t left = entry.size; left > 0;) {
      size_t size = std::min<uint64_t>(left, buffer.size());
      if (auto got = in.read_exact(buffer.data(), size); !got) {
        return got;
      }
      if (auto written = common::write_all(fd.get(), {buffer.data(), size}); !written) {
        return fail(ErrorKind::io, written.error().message, path.string());
      }
      left -= size;
    }
    if (::fchmod(fd.get(), entry.mode) != 0) {
      return io_error("chmod", path);
    }
    return skip_tar_padding(entry.size, source());
  }

  common::Result<void> apply_dir_modes() {
    std::sort(dir_modes.begin(), dir_modes.end(),
              [](const auto& a, const auto& b) { return a.first.native() > b.first.native(); });
    for (const auto& [path, mode] : dir_modes) {
      if (::chmod(path.c_str(), mode) != 0) {
        return io_error("chmod", path);
      }
    }
    return {};
  }
};

common::Result<void> check_manifest(ZstdReader& in, const TarEntry& entry,
                                    const std::vector<OutputDir>& outputs) {
  if (entry.name != k_manifest || entry.type != EntryType::file || entry.size > k_chunk) {
    return fail(ErrorKind::io, "not a bbrun shared-state object");
  }
  std::string text(entry.size, '\0');
  if (auto got = in.read_exact(text.data(), text.size()); !got) {
    return got;
  }
  if (text != manifest_text(outputs)) {
    return fail(ErrorKind::io, fmt::format("the object was made for other [sstate-outputs]: {}",
                                           text.substr(0, text.find('\n'))));
  }
  return skip_tar_padding(entry.size,
                          [&in](char* buffer, size_t size) { return in.read_exact(buffer, size); });
}

} // namespace

common::Result<void> unpack_object(const fs::path& object, const std::string& sha256,
                                   const std::vector<OutputDir>& outputs) {
  auto in = ZstdReader::open(object);
  if (!in) {
    return fail(in.error());
  }
  Staging staging;
  if (auto created = staging.create(outputs); !created) {
    return created;
  }
  Unpacker unpacker{**in, staging, outputs.size(), {}};
  auto source = unpacker.source();
  TarEntry entry;
  auto more = read_tar_header(source, entry);
  if (!more || !*more) {
    return fail(more ? common::Error{ErrorKind::io, "empty object", {}} : more.error());
  }
  if (auto checked = check_manifest(**in, entry, outputs); !checked) {
    return checked;
  }
  while (true) {
    more = read_tar_header(source, entry);
    if (!more) {
      return fail(more.error());
    }
    if (!*more) {
      break;
    }
    if (auto extracted = unpacker.extract(entry); !extracted) {
      return extracted;
    }
  }
  auto digest = (*in)->finish();
  if (!digest) {
    return fail(digest.error());
  }
  if (*digest != sha256) {
    return fail(ErrorKind::io,
                fmt::format("checksum mismatch: expected {}, found {}", sha256, *digest));
  }
  if (auto modes = unpacker.apply_dir_modes(); !modes) {
    return modes;
  }
  return staging.swap_in(outputs);
}

} // namespace bbrun::server::sstate
