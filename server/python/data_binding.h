// SPDX-License-Identifier: MIT
// The `d` object: BitBake's DataSmart API over a bbrun DataStore.
#pragma once

#include "server/metadata/datastore.h"

#include <pybind11/pybind11.h>

#include <memory>

namespace bbrun::server::python {

/// Return a `d` over `d`, which is borrowed: it must outlive the Python object and every
/// `createCopy()` made from it (true for the duration of one evaluation or task). GIL held.
pybind11::object wrap_datastore(metadata::DataStore& d);

/// Return the DataStore behind a `d` object; throws pybind11::type_error for anything else.
metadata::DataStore& unwrap_datastore(pybind11::handle d);

/// Add the `DataSmart` class and its `ExpansionError` to the native module `m`.
void bind_datastore(pybind11::module_& m);

} // namespace bbrun::server::python
