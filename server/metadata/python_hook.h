// SPDX-License-Identifier: MIT
// The seam between the metadata code and an embedded Python: inline ${@...} and anonymous
// functions.
#pragma once

#include "common/result.h"

#include <string_view>

namespace bbrun::server::metadata {

class DataStore;

/// Runs the Python parts of metadata. The metadata code never interprets Python itself: it
/// stores `${@...}` expressions and `python` function bodies as text and hands them to the
/// evaluator installed in the datastore. Without one, every place that needs Python fails
/// with a clear error rather than silently leaving the text in place.
///
/// The evaluator is not owned by the datastore; it must outlive every datastore it is
/// installed in. It is called on the thread that queries the datastore, with the datastore
/// locked (the lock is recursive, so calling back into `d` from that thread is fine).
class PythonEvaluator {
public:
  virtual ~PythonEvaluator() = default;

  /// Evaluate the inline expression `code` (the text between `${@` and its closing `}`)
  /// with `d` as the datastore, and return its value as text. `where` names the variable
  /// and its definition ("VAR at file:line") for error messages.
  virtual common::Result<std::string> eval_inline(std::string_view code, const DataStore& d,
                                                  std::string_view where) = 0;

  /// Run the anonymous function `name` whose `body` is the text between its braces, exactly
  /// as written. Anonymous functions run at the end of each recipe's parse and may change
  /// `d`. `where` is "file:line" of the `python () {` line.
  virtual common::Result<void> run_anonymous(std::string_view name, std::string_view body,
                                             DataStore& d, std::string_view where) = 0;

  /// Define the `def` function `name` whose `body` starts with its `def` line, at `line` of
  /// `file`, so that inline expressions and python functions can call it. Runs as the `def`
  /// statement is evaluated, as BitBake does; fails on a syntax error.
  virtual common::Result<void> define_function(std::string_view name, std::string_view body,
                                               std::string_view file, unsigned line) = 0;
};

} // namespace bbrun::server::metadata
