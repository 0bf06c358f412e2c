// SPDX-License-Identifier: MIT
// The `bb` package: Python text over the native `_bbrun` module.
#include "server/python/bb_module.h"

#include "server/metadata/version.h"
#include "server/python/data_binding.h"
#include "server/python/functions.h"
#include "server/python/interpreter.h"

#include <pybind11/embed.h>

#include <array>
#include <string>

namespace py = pybind11;

namespace bbrun::server::python {
namespace {

// What the Python side cannot do alone: the datastore, messages, version order, and running
// the functions of a datastore.
void define_native(py::module_& m) {
  bind_datastore(m);
  m.def("log", [](const std::string& level, const std::string& text) {
    Interpreter::instance().message(level, text);
  });
  m.def("vercmp_string", [](const std::string& a, const std::string& b) {
    int order = metadata::compare_versions(a, b);
    return order < 0 ? -1 : (order > 0 ? 1 : 0);
  });
  m.def("exec_python", [](py::handle d, const std::string& name) {
    call_python_function(unwrap_datastore(d), name);
  });
  m.def("exec_shell", [](py::handle d, const std::string& name) {
    run_shell_function(unwrap_datastore(d), name);
  });
}

} // namespace
} // namespace bbrun::server::python

PYBIND11_EMBEDDED_MODULE(_bbrun, m) { bbrun::server::python::define_native(m); }

namespace bbrun::server::python {
namespace {

// The `bb` package itself. bb.fatal raises FatalError, whose message alone (no traceback) is
// what a failed task or parse reports.
constexpr const char* k_bb = R"PY(
import _bbrun

class FatalError(Exception):
    """bb.fatal was called: the message says it all."""

def _join(args):
    return "".join(str(a) for a in args)

def note(*args):
    _bbrun.log("note", _join(args))

def plain(*args):
    _bbrun.log("plain", _join(args))

def warn(*args):
    _bbrun.log("warning", _join(args))

def error(*args, **kwargs):
    _bbrun.log("error", _join(args))

def debug(level, *args):
    # BitBake's debug levels are not configurable here: level-1 messages are shown.
    if isinstance(level, int) and level <= 1:
        _bbrun.log("debug", _join(args))

def fatal(*args, **kwargs):
    raise FatalError(_join(args))
)PY";

constexpr const char* k_utils = R"PY(
import os, shutil

def mkdirhier(directory):
    os.makedirs(directory, exist_ok=True)

def remove(path, recurse=False, ionice=False):
    import glob
    for name in glob.glob(path):
        if recurse and os.path.isdir(name) and not os.path.islink(name):
            shutil.rmtree(name)
        else:
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass

def to_boolean(string, default=None):
    if not string:
        return default
    if isinstance(string, int):
        return string != 0
    word = string.lower()
    if word in ("y", "yes", "1", "true"):
        return True
    if word in ("n", "no", "0", "false"):
        return False
    raise ValueError("Invalid value for to_boolean: %s" % string)

def _words(value):
    return set(value.split()) if value else set()

def _wanted(checkvalues):
    return set(checkvalues.split()) if isinstance(checkvalues, str) else set(checkvalues)

def contains(variable, checkvalues, truevalue, falsevalue, d):
    present = _words(d.getVar(variable))
    return truevalue if _wanted(checkvalues) <= present else falsevalue

def contains_any(variable, checkvalues, truevalue, falsevalue, d):
    present = _words(d.getVar(variable))
    return truevalue if _wanted(checkvalues) & present else falsevalue

def filter(variable, checkvalues, d):
    present = _words(d.getVar(variable))
    return " ".join(sorted(_wanted(checkvalues) & present))

def conditional(variable, checkvalue, truevalue, falsevalue, d):
    return truevalue if d.getVar(variable) == checkvalue else falsevalue

def vercmp_string(a, b):
    return _bbrun.vercmp_string(a, b)

def which(path, item, direction=0, history=False, executable=False):
    candidates = [p for p in (path or "").split(":") if p]
    if direction < 0:
        candidates.reverse()
    seen = []
    for directory in candidates:
        found = os.path.join(directory, item)
        seen.append(found)
        if os.path.exists(found) and (not executable or os.access(found, os.X_OK)):
            return (found, seen) if history else found
    return ("", seen) if history else ""

def explode_deps(text):
    deps = []
    skipping = False
    for word in (text or "").split():
        if word.startswith("("):
            skipping = True
        if not skipping:
            deps.append(word)
        if skipping and word.endswith(")"):
            skipping = False
    return deps

def unique_everseen(iterable):
    seen = set()
    for item in iterable:
        if item not in seen:
            seen.add(item)
            yield item
)PY";

constexpr const char* k_build = R"PY(
class FuncFailed(Exception):
    """A shell function exited with a failure status."""

def exec_func(func, d, dirs=None):
    if d.getVarFlag(func, "python", False):
        _bbrun.exec_python(d, func)
    else:
        _bbrun.exec_shell(d, func)
)PY";

constexpr const char* k_data = R"PY(
def inherits_class(klass, d):
    wanted = "classes/%s.bbclass" % klass
    return any(path.endswith(wanted) for path in (d.getVar("__inherit_cache", False) or "").split())

def expand(s, d, varname=None):
    return d.expand(s)

def getVar(var, d, exp=False):
    return d.getVar(var, exp)

def createCopy(d):
    return d.createCopy()
)PY";

constexpr const char* k_parse = R"PY(
import os

class ParseError(Exception):
    """Metadata python found something it cannot parse."""

def vars_from_file(filename, d):
    """PN, PV and PR from a recipe file name NAME[_VERSION[_REVISION]].bb, None for each part
    the name does not give."""
    if not filename or not filename.endswith((".bb", ".bbappend")):
        return (None, None, None)
    stem = os.path.splitext(os.path.basename(filename))[0]
    parts = stem.split("_")
    if len(parts) > 3:
        raise ParseError("cannot take PN/PV/PR from %s: too many '_'" % filename)
    return parts + [None] * (3 - len(parts))
)PY";

constexpr const char* k_data_smart = R"PY(
ExpansionError = _bbrun.ExpansionError
DataSmart = _bbrun.DataSmart
)PY";

py::module_ make_module(const char* name, const char* text) {
  py::module_ module = py::module_::import("types").attr("ModuleType")(name);
  module.attr("_bbrun") = py::module_::import("_bbrun");
  py::module_::import("sys").attr("modules")[name] = module;
  py::exec(text, module.attr("__dict__"));
  return module;
}

} // namespace

py::module_ import_bb_module() {
  py::module_ bb = make_module("bb", k_bb);
  bb.attr("__path__") = py::list(); // a package, so that `import bb.utils` works
  struct Submodule {
    const char* attribute;
    const char* name;
    const char* text;
  };
  const std::array<Submodule, 5> submodules{{{"utils", "bb.utils", k_utils},
                                             {"build", "bb.build", k_build},
                                             {"data", "bb.data", k_data},
                                             {"parse", "bb.parse", k_parse},
                                             {"data_smart", "bb.data_smart", k_data_smart}}};
  for (const auto& sub : submodules) {
    bb.attr(sub.attribute) = make_module(sub.name, sub.text);
  }
  return bb;
}

} // namespace bbrun::server::python
