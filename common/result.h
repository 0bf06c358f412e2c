// SPDX-License-Identifier: MIT
// Error and Result<T>: how bbrun reports expected failures without exceptions.
#pragma once

#include <tl/expected.hpp>

#include <string>
#include <utility>

namespace bbrun::common {

/// What went wrong, in terms a caller can act on.
enum class ErrorKind {
  io,        ///< a system call failed; the message carries the errno text
  parse,     ///< metadata could not be parsed; `where` is "file:line"
  protocol,  ///< a peer sent something the protocol does not allow
  usage,     ///< the request itself is wrong (unknown target, bad argument)
  transient, ///< worth retrying (a server that is still starting, a busy database)
  internal,  ///< a broken invariant
};

/// An expected failure: a kind, a message for humans, and where it happened ("file:line", a
/// path, or empty).
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
  std::string where;

  /// Return "where: message", or the message alone when there is no location.
  std::string describe() const { return where.empty() ? message : where + ": " + message; }
};

template <typename T>
using Result = tl::expected<T, Error>;

/// Build the error side of a Result: `return fail(ErrorKind::io, "open failed")`.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string message, std::string where = {}) {
  return tl::unexpected<Error>(Error{kind, std::move(message), std::move(where)});
}

inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

} // namespace bbrun::common
