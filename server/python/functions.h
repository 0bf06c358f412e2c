// SPDX-License-Identifier: MIT
// Running the functions of a datastore: python ones in this interpreter, shell ones in /bin/sh.
#pragma once

#include "common/result.h"
#include "server/metadata/datastore.h"

#include <string_view>

namespace bbrun::server::python {

/// Compile `body` (the text between the braces of `python name() {`) once as `def name(d):`,
/// defined at `line` of `file` so tracebacks name the recipe, and call it with `d`. GIL held;
/// throws pybind11::error_already_set with the function's exception.
void call_python_body(metadata::DataStore& d, std::string_view name, std::string_view body,
                      const std::string& file, unsigned line);

/// Run python function `name` of `d` (its body after overrides and appends) with `d`, as
/// bb.build.exec_func does. GIL held; throws as call_python_body.
void call_python_function(metadata::DataStore& d, std::string_view name);

/// Run shell function `name` of `d` as a shell task would (its script in ${T}/run.NAME.PID,
/// in its last [dirs] or ${B}), with this process's stdout and stderr, and wait for it. GIL
/// held (released while waiting); throws bb.build.FuncFailed when it fails.
void run_shell_function(metadata::DataStore& d, std::string_view name);

/// Run python function `name` of `d` for a python task: take the GIL, call it, and turn an
/// exception into an error whose message is the traceback (or bb.fatal's message).
common::Result<void> run_task_function(metadata::DataStore& d, std::string_view name);

} // namespace bbrun::server::python
