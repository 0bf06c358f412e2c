// SPDX-License-Identifier: MIT
// The `bb` package metadata python imports: messages, bb.utils, bb.build, bb.data, bb.parse.
#pragma once

#include <pybind11/pybind11.h>

namespace bbrun::server::python {

/// Build the `bb` package and its submodules, register them in sys.modules, and return `bb`.
/// Called once, by the interpreter at start-up, GIL held.
pybind11::module_ import_bb_module();

} // namespace bbrun::server::python
