// SPDX-License-Identifier: MIT
// A task's outputs as one shared-state object, and back.
//
// An object is a zstd-compressed ustar archive: first `bbrun-sstate.json` ({"format": 1,
// "outputs": [the [sstate-outputs] words as written, e.g. "${D}"]}), then the tree of output i
// under the directory "i". Entries are in byte order of their names, with owner 0 and time 0,
// so the same outputs always make the same bytes. The SHA-256 of the compressed file names the
// object; the SHA-256 of the uncompressed archive is the outputs' hash (hash equivalence).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bbrun::server::sstate {

/// One directory a task produces.
struct OutputDir {
  std::string name;           ///< the word of [sstate-outputs] as written ("${D}")
  std::filesystem::path path; ///< where it is in this build directory
};

struct PackedObject {
  std::string sha256;  ///< of the compressed file
  uint64_t size = 0;   ///< of the compressed file
  std::string outhash; ///< SHA-256 of the uncompressed archive: the outputs' identity
};

/// Pack `outputs` into a new file `object`. An output directory that does not exist is packed
/// empty. Fails with ErrorKind::io on a read or write error, or an entry that is neither a
/// file, a directory nor a symbolic link.
common::Result<PackedObject> pack_outputs(const std::vector<OutputDir>& outputs,
                                          const std::filesystem::path& object);

/// Unpack `object` over `outputs`: each output is unpacked into a new directory beside it,
/// and only once the whole object has been read and its SHA-256 is `sha256` are the new
/// directories swapped in place of the old ones (which are then removed). Fails, leaving the
/// outputs as they were, when the object is corrupt, its checksum differs, or it was made for
/// other [sstate-outputs].
common::Result<void> unpack_object(const std::filesystem::path& object, const std::string& sha256,
                                   const std::vector<OutputDir>& outputs);

} // namespace bbrun::server::sstate
