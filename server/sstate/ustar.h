// SPDX-License-Identifier: MIT
// A small POSIX ustar writer and reader, enough for shared-state objects: regular files,
// directories and symbolic links; names or link targets too long for the header, and sizes
// past 8 GiB, go in a pax extended header, so GNU tar and bsdtar read every object. Owners,
// times and device fields are written as zeros: an object depends only on the files' names,
// modes and contents.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace bbrun::server::sstate {

enum class EntryType { file, directory, symlink };

struct TarEntry {
  EntryType type = EntryType::file;
  std::string name;   ///< relative, '/'-separated, no trailing slash
  uint32_t mode = 0;  ///< permission bits (07777)
  uint64_t size = 0;  ///< files only
  std::string target; ///< symlinks only
};

/// Where the bytes of an archive go (each call gets a whole number of 512-byte blocks).
using TarSink = std::function<common::Result<void>(std::string_view)>;
/// Fill exactly the given number of bytes of the archive.
using TarSource = std::function<common::Result<void>(char*, size_t)>;

/// Write `entry`'s header (and a pax header first when needed). A file's `size` bytes of
/// content must follow, then `write_tar_padding`, before the next header.
common::Result<void> write_tar_header(const TarEntry& entry, const TarSink& sink);
/// Write the zeros that pad a file of `size` bytes to the block size (after its content).
common::Result<void> write_tar_padding(uint64_t size, const TarSink& sink);
/// Write the end-of-archive marker (two zero blocks).
common::Result<void> write_tar_end(const TarSink& sink);

/// Read the next entry's header from `source` into `entry`; false at the end-of-archive
/// marker. A pax header is read and applied. Fails with ErrorKind::io on a bad checksum, an
/// unsupported entry type, or a name that is absolute or contains "..".
common::Result<bool> read_tar_header(const TarSource& source, TarEntry& entry);
/// Skip the padding after a file's `size` bytes of content.
common::Result<void> skip_tar_padding(uint64_t size, const TarSource& source);

/// The size of a tar block.
inline constexpr size_t k_tar_block = 512;

} // namespace bbrun::server::sstate
