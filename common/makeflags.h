// SPDX-License-Identifier: MIT
// What a MAKEFLAGS value says about the jobserver of the enclosing GNU make.
//
// make passes its flags to every child in MAKEFLAGS (GNU make manual, "POSIX Jobserver"):
//   "rs -j3 --jobserver-auth=3,4"       make 4.2 and 4.3: single-letter flags first, the pipe's
//                                       read and write fds
//   " -j3 --jobserver-fds=3,4"          before 4.2, the same pipe under its older name
//   "-j3 --jobserver-auth=fifo:/tmp/GMfifo123"   make 4.4: a named pipe to open
//   "k -j3 --jobserver-auth=3,4 -- CC=gcc"       command-line variables follow " -- "
// When the option appears more than once the last one counts. Negative fds mean that make
// disabled the jobserver for this process. This file only reads the text: whether the fds are
// open is for the caller to check, since they may be closed or reused (make closes them for
// recipe lines it does not know to be recursive).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bbrun::common {

enum class JobserverKind {
  none,      ///< no jobserver option
  pipe,      ///< --jobserver-auth=R,W or --jobserver-fds=R,W
  fifo,      ///< --jobserver-auth=fifo:PATH
  malformed, ///< a jobserver option whose value is neither form
};

struct MakeFlags {
  JobserverKind jobserver = JobserverKind::none;
  int read_fd = -1;             ///< pipe form; may be negative (disabled)
  int write_fd = -1;            ///< pipe form; may be negative (disabled)
  std::string fifo;             ///< fifo form: the path
  std::string auth;             ///< the jobserver option's value as written, for messages
  std::optional<unsigned> jobs; ///< -jN; absent when not given or given without a number
};

/// Read `makeflags` (the value of MAKEFLAGS). Never fails: text it does not understand is
/// ignored, except a jobserver option it cannot read, which gives JobserverKind::malformed.
MakeFlags parse_makeflags(std::string_view makeflags);

} // namespace bbrun::common
