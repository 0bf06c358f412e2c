// SPDX-License-Identifier: MIT
// ustar headers.
#include "server/sstate/ustar.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;

namespace {

// Field offsets and sizes of a ustar header block.
struct Field {
  size_t offset;
  size_t size;
};
constexpr Field k_name{0, 100};
constexpr Field k_mode{100, 8};
constexpr Field k_uid{108, 8};
constexpr Field k_gid{116, 8};
constexpr Field k_size{124, 12};
constexpr Field k_mtime{136, 12};
constexpr Field k_checksum{148, 8};
constexpr Field k_type{156, 1};
constexpr Field k_linkname{157, 100};
constexpr Field k_magic{257, 8};
constexpr Field k_prefix{345, 155};
constexpr uint64_t k_max_octal_size = 077777777777ULL;

using Block = std::array<char, k_tar_block>;

void put_text(Block& block, Field field, std::string_view text) {
  if (text.empty()) {
    return; // an empty view may have no data pointer at all, which memcpy must not get
  }
  std::memcpy(block.data() + field.offset, text.data(), std::min(text.size(), field.size));
}

void put_octal(Block& block, Field field, uint64_t value) {
  put_text(block, field, fmt::format("{:0{}o}", value, field.size - 1));
}

std::string_view get_text(const Block& block, Field field) {
  std::string_view raw(block.data() + field.offset, field.size);
  return raw.substr(0, std::min(raw.find('\0'), raw.size()));
}

uint64_t get_octal(const Block& block, Field field) {
  uint64_t value = 0;
  for (char c : get_text(block, field)) {
    if (c >= '0' && c <= '7') {
      value = value * 8 + static_cast<uint64_t>(c - '0');
    }
  }
  return value;
}

unsigned checksum_of(const Block& block) {
  unsigned sum = 0;
  for (size_t i = 0; i < block.size(); ++i) {
    bool in_field = i >= k_checksum.offset && i < k_checksum.offset + k_checksum.size;
    sum += in_field ? ' ' : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

// One pax record: "LEN key=value\n", where LEN counts the whole record, itself included.
std::string pax_record(std::string_view key, std::string_view value) {
  size_t body = key.size() + value.size() + 3; // ' ', '=', '\n'
  size_t length = body + 1;
  while (fmt::format("{}", length).size() + body != length) {
    ++length;
  }
  return fmt::format("{} {}={}\n", length, key, value);
}

// Split `name` into ustar's prefix and name fields; false when it does not fit.
bool split_name(std::string_view name, std::string_view& prefix, std::string_view& rest) {
  if (name.size() <= k_name.size) {
    prefix = {};
    rest = name;
    return true;
  }
  for (size_t slash = name.find('/'); slash != std::string_view::npos;
       slash = name.find('/', slash + 1)) {
    if (slash <= k_prefix.size && name.size() - slash - 1 <= k_name.size) {
      prefix = name.substr(0, slash);
      rest = name.substr(slash + 1);
      return true;
    }
  }
  return false;
}

char type_flag(EntryType type) {
  switch (type) {
  case EntryType::file:
    return '0';
  case EntryType::directory:
    return '5';
  case EntryType::symlink:
    return '2';
  }
  return '0';
}

Block header_block(const TarEntry& entry, std::string_view prefix, std::string_view name, char type,
                   uint64_t size) {
  Block block{};
  put_text(block, k_name, name);
  put_text(block, k_prefix, prefix);
  put_octal(block, k_mode, entry.mode & 07777);
  put_octal(block, k_uid, 0);
  put_octal(block, k_gid, 0);
  put_octal(block, k_size, std::min(size, k_max_octal_size));
  put_octal(block, k_mtime, 0);
  block[k_type.offset] = type;
  if (entry.type == EntryType::symlink && entry.target.size() <= k_linkname.size) {
    put_text(block, k_linkname, entry.target);
  }
  std::memcpy(block.data() + k_magic.offset,
              "ustar\0"
              "00",
              8);
  put_text(block, k_checksum, fmt::format("{:06o}", checksum_of(block)));
  block[k_checksum.offset + 7] = ' ';
  return block;
}

bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/') {
    return false;
  }
  for (size_t start = 0; start <= name.size();) {
    size_t end = std::min(name.find('/', start), name.size());
    if (name.substr(start, end - start) == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// Apply the records of a pax header to `entry`; unknown keys are ignored, as pax asks.
common::Result<void> apply_pax(std::string_view records, TarEntry& entry, bool& size_set) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    size_t length = 0;
    auto [end, ec] = std::from_chars(records.data(), records.data() + space, length);
    if (space == std::string_view::npos || ec != std::errc() || length <= space + 1 ||
        length > records.size()) {
      return fail(ErrorKind::io, "corrupt pax header");
    }
    std::string_view record = records.substr(space + 1, length - space - 2);
    records.remove_prefix(length);
    size_t equals = record.find('=');
    std::string_view key = record.substr(0, equals);
    std::string_view value = equals == std::string_view::npos ? "" : record.substr(equals + 1);
    if (key == "path") {
      entry.name = value;
    } else if (key == "linkpath") {
      entry.target = value;
    } else if (key == "size") {
      std::from_chars(value.data(), value.data() + value.size(), entry.size);
      size_set = true;
    }
  }
  return {};
}

} // namespace

common::Result<void> write_tar_header(const TarEntry& entry, const TarSink& sink) {
  std::string_view prefix;
  std::string_view name;
  std::string pax;
  if (!split_name(entry.name, prefix, name)) {
    pax += pax_record("path", entry.name);
    name = std::string_view(entry.name).substr(0, k_name.size);
  }
  if (entry.type == EntryType::symlink && entry.target.size() > k_linkname.size) {
    pax += pax_record("linkpath", entry.target);
  }
  uint64_t size = entry.type == EntryType::file ? entry.size : 0;
  if (size > k_max_octal_size) {
    pax += pax_record("size", fmt::format("{}", size));
  }
  if (!pax.empty()) {
    Block header = header_block(entry, {}, "PaxHeader", 'x', pax.size());
    if (auto written = sink({header.data(), header.size()}); !written) {
      return written;
    }
    pax.resize((pax.size() + k_tar_block - 1) / k_tar_block * k_tar_block, '\0');
    if (auto written = sink(pax); !written) {
      return written;
    }
  }
  Block header = header_block(entry, prefix, name, type_flag(entry.type), size);
  return sink({header.data(), header.size()});
}

common::Result<void> write_tar_padding(uint64_t size, const TarSink& sink) {
  static const Block k_zeros{};
  size_t pad = (k_tar_block - size % k_tar_block) % k_tar_block;
  return pad == 0 ? common::Result<void>{} : sink({k_zeros.data(), pad});
}

common::Result<void> write_tar_end(const TarSink& sink) {
  static const std::array<char, 2 * k_tar_block> k_zeros{};
  return sink({k_zeros.data(), k_zeros.size()});
}

common::Result<bool> read_tar_header(const TarSource& source, TarEntry& entry) {
  entry = {};
  bool from_pax = false;
  bool size_set = false;
  while (true) {
    Block block;
    if (auto got = source(block.data(), block.size()); !got) {
      return fail(got.error());
    }
    if (std::all_of(block.begin(), block.end(), [](char c) { return c == 0; })) {
      return false;
    }
    if (get_octal(block, k_checksum) != checksum_of(block)) {
      return fail(ErrorKind::io, "bad tar header checksum");
    }
    char type = block[k_type.offset];
    uint64_t size = get_octal(block, k_size);
    if (type == 'x') {
      std::string records(size, '\0');
      if (auto got = source(records.data(), records.size()); !got) {
        return fail(got.error());
      }
      if (auto skipped = skip_tar_padding(size, source); !skipped) {
        return fail(skipped.error());
      }
      if (auto applied = apply_pax(records, entry, size_set); !applied) {
        return fail(applied.error());
      }
      from_pax = true;
      continue;
    }
    if (!from_pax || entry.name.empty()) {
      auto prefix = get_text(block, k_prefix);
      auto name = get_text(block, k_name);
      entry.name = prefix.empty() ? std::string(name) : fmt::format("{}/{}", prefix, name);
    }
    if (entry.target.empty()) {
      entry.target = get_text(block, k_linkname);
    }
    entry.mode = static_cast<uint32_t>(get_octal(block, k_mode) & 07777);
    if (!size_set) {
      entry.size = size;
    }
    switch (type) {
    case '0':
    case '\0':
      entry.type = EntryType::file;
      break;
    case '5':
      entry.type = EntryType::directory;
      entry.size = 0;
      break;
    case '2':
      entry.type = EntryType::symlink;
      entry.size = 0;
      break;
    default:
      return fail(ErrorKind::io, fmt::format("unsupported tar entry type '{}'", type));
    }
    while (entry.name.size() > 1 && entry.name.back() == '/') {
      entry.name.pop_back();
    }
    if (!safe_name(entry.name)) {
      return fail(ErrorKind::io, fmt::format("unsafe name in object: '{}'", entry.name));
    }
    return true;
  }
}

common::Result<void> skip_tar_padding(uint64_t size, const TarSource& source) {
  Block block;
  size_t pad = (k_tar_block - size % k_tar_block) % k_tar_block;
  return pad == 0 ? common::Result<void>{} : source(block.data(), pad);
}

} // namespace bbrun::server::sstate
