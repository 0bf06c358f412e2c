// SPDX-License-Identifier: MIT
// The `d` object: BitBake's DataSmart API over a bbrun DataStore.
#include "server/python/data_binding.h"

#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bbrun::server::python {

namespace py = pybind11;
using metadata::DataStore;

namespace {

/// A `d` object: the datastore, and the copy it owns when made by createCopy().
struct DataRef {
  DataStore* d = nullptr;
  std::shared_ptr<DataStore> owned;
};

/// A failed expansion, raised in Python as bb.data_smart.ExpansionError.
struct ExpansionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
T value_or_raise(common::Result<T> result) {
  if (!result) {
    throw ExpansionError(result.error().describe());
  }
  return std::move(*result);
}

// Values set from Python may be any object, as in BitBake; they are stored as their str().
std::string text_of(const py::handle& value) {
  return py::str(value).cast<std::string>();
}

// Every method that enters the datastore releases the GIL first: see interpreter.h on lock order.
using ReleaseGil = py::call_guard<py::gil_scoped_release>;

std::optional<std::string> get_var(DataRef& self, const std::string& name, bool expand) {
  if (!expand) {
    return self.d->get_var_unexpanded(name);
  }
  return value_or_raise(self.d->get_var(name));
}

std::optional<std::string> get_flag(DataRef& self, const std::string& name, const std::string& flag,
                                    bool expand) {
  if (!expand) {
    return self.d->get_flag_unexpanded(name, flag);
  }
  return value_or_raise(self.d->get_flag(name, flag));
}

void set_var(DataRef& self, const std::string& name, std::optional<std::string> value) {
  if (!value) {
    self.d->del_var(name);
    return;
  }
  self.d->set_var(name, std::move(*value));
}

// appendVar and friends work on the unexpanded value, as BitBake's.
void add_to_var(DataRef& self, const std::string& name, const std::string& value, bool append) {
  std::string old = self.d->get_var_unexpanded(name).value_or("");
  self.d->set_var(name, append ? old + value : value + old);
}

void add_to_flag(DataRef& self, const std::string& name, const std::string& flag,
                 const std::string& value, bool append) {
  std::string old = self.d->get_flag_unexpanded(name, flag).value_or("");
  self.d->set_flag(name, flag, append ? old + value : value + old);
}

// `expand`, as in BitBake: false, true (every flag), or the names of the flags to expand.
py::object get_flags(DataRef& self, const std::string& name, const py::object& expand,
                     const py::object& /*internalflags*/) {
  std::vector<std::pair<std::string, std::string>> flags;
  {
    py::gil_scoped_release release;
    flags = self.d->flags(name);
  }
  if (flags.empty()) {
    return py::none();
  }
  bool expand_all = py::isinstance<py::bool_>(expand) && expand.cast<bool>();
  py::dict out;
  for (auto& [flag, value] : flags) {
    bool listed = !py::isinstance<py::bool_>(expand) && !expand.is_none() &&
                  expand.attr("__contains__")(flag).cast<bool>();
    if (expand_all || listed) {
      value = value_or_raise(self.d->expand(value));
    }
    out[py::str(flag)] = value;
  }
  return out;
}

DataRef create_copy(DataRef& self) {
  // The copy reads through the original, which it must not outlive (see wrap_datastore); a
  // copy of a copy keeps its parent alive itself.
  std::shared_ptr<const DataStore> parent =
      self.owned ? std::shared_ptr<const DataStore>(self.owned)
                 : std::shared_ptr<const DataStore>(std::shared_ptr<void>(), self.d);
  auto copy = std::make_shared<DataStore>(std::move(parent));
  return DataRef{copy.get(), copy};
}

} // namespace

py::object wrap_datastore(DataStore& d) {
  return py::cast(DataRef{&d, nullptr});
}

DataStore& unwrap_datastore(py::handle d) {
  return *d.cast<DataRef&>().d;
}

void bind_datastore(py::module_& m) {
  py::register_exception<ExpansionError>(m, "ExpansionError");
  py::class_<DataRef>(m, "DataSmart")
      .def("getVar", &get_var, py::arg("var"), py::arg("expand") = true, ReleaseGil())
      .def("setVar",
           [](DataRef& self, const std::string& name, const py::object& value, const py::kwargs&) {
             auto text =
                 value.is_none() ? std::nullopt : std::optional<std::string>(text_of(value));
             py::gil_scoped_release release;
             set_var(self, name, std::move(text));
           })
      .def(
          "appendVar",
          [](DataRef& self, const std::string& name, const std::string& value) {
            add_to_var(self, name, value, true);
          },
          ReleaseGil())
      .def(
          "prependVar",
          [](DataRef& self, const std::string& name, const std::string& value) {
            add_to_var(self, name, value, false);
          },
          ReleaseGil())
      .def(
          "delVar", [](DataRef& self, const std::string& name) { self.d->del_var(name); },
          ReleaseGil())
      .def(
          "renameVar",
          [](DataRef& self, const std::string& from, const std::string& to) {
            self.d->rename_var(from, to);
          },
          ReleaseGil())
      .def("getVarFlag", &get_flag, py::arg("var"), py::arg("flag"), py::arg("expand") = true,
           ReleaseGil())
      .def("setVarFlag",
           [](DataRef& self, const std::string& name, const std::string& flag,
              const py::object& value, const py::kwargs&) {
             std::string text = text_of(value);
             py::gil_scoped_release release;
             self.d->set_flag(name, flag, std::move(text));
           })
      .def("setVarFlags",
           [](DataRef& self, const std::string& name, const py::dict& flags) {
             std::vector<std::pair<std::string, std::string>> texts;
             for (const auto& [flag, value] : flags) {
               texts.emplace_back(text_of(flag), text_of(value));
             }
             py::gil_scoped_release release;
             for (auto& [flag, value] : texts) {
               self.d->set_flag(name, flag, std::move(value));
             }
           })
      .def("getVarFlags", &get_flags, py::arg("var"), py::arg("expand") = false,
           py::arg("internalflags") = false)
      .def(
          "delVarFlag",
          [](DataRef& self, const std::string& name, const std::string& flag) {
            self.d->del_flag(name, flag);
          },
          ReleaseGil())
      .def(
          "appendVarFlag",
          [](DataRef& self, const std::string& name, const std::string& flag,
             const std::string& value) { add_to_flag(self, name, flag, value, true); },
          ReleaseGil())
      .def(
          "prependVarFlag",
          [](DataRef& self, const std::string& name, const std::string& flag,
             const std::string& value) { add_to_flag(self, name, flag, value, false); },
          ReleaseGil())
      .def(
          "expand",
          [](DataRef& self, const std::string& text, const py::object&) {
            return value_or_raise(self.d->expand(text));
          },
          py::arg("s"), py::arg("varname") = py::none(), ReleaseGil())
      .def(
          "keys", [](DataRef& self) { return self.d->keys(); }, ReleaseGil())
      .def("__iter__", [](DataRef& self) { return py::iter(py::cast(self.d->keys())); })
      .def(
          "__contains__",
          [](DataRef& self, const std::string& name) {
            return self.d->get_var_unexpanded(name).has_value();
          },
          ReleaseGil())
      .def("createCopy", &create_copy);
}

} // namespace bbrun::server::python
