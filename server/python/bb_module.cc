// SPDX-License-Identifier: MIT
// The `bb` package: Python text over the native `_bbrun` module.
#include "server/python/bb_module.h"

#include "server/metadata/tasks.h"
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
    Interpreter::message(level, text);
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
  m.def("addtask", [](py::handle d, const std::string& task, const std::string& after,
                      const std::string& before) {
    metadata::add_task(unwrap_datastore(d), task, after, before);
  });
  m.def("deltask", [](py::handle d, const std::string& task) {
    metadata::del_task(unwrap_datastore(d), task);
  });
}

} // namespace
} // namespace bbrun::server::python

PYBIND11_EMBEDDED_MODULE(_bbrun, m) {
  bbrun::server::python::define_native(m);
}

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

// Modules that take long to import (shutil, subprocess, hashlib) are imported where they are
// used: every server start runs this, most recipes never need them.
constexpr const char* k_utils = R"PY(
import os

def mkdirhier(directory):
    os.makedirs(directory, exist_ok=True)

def remove(path, recurse=False, ionice=False):
    import glob, shutil
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
    return truevalue if present and _wanted(checkvalues) <= present else falsevalue

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

def explode_dep_versions2(text, sort=True):
    """{name: [constraint, ...]} of a DEPENDS-style value: "a (>= 1.0) b" gives
    {"a": [">= 1.0"], "b": []}."""
    deps = {}
    name = None
    constraint = None
    for word in (text or "").replace("(", " ( ").replace(")", " ) ").split():
        if word == "(":
            constraint = []
        elif word == ")":
            if name is not None and constraint:
                deps[name].append(" ".join(constraint))
            constraint = None
        elif constraint is not None:
            constraint.append(word)
        else:
            name = word
            deps.setdefault(name, [])
    return dict(sorted(deps.items())) if sort else deps

def _file_digest(algorithm, filename):
    import hashlib
    digest = hashlib.new(algorithm)
    with open(filename, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()

def md5_file(filename):
    return _file_digest("md5", filename)

def sha1_file(filename):
    return _file_digest("sha1", filename)

def sha256_file(filename):
    return _file_digest("sha256", filename)

def copyfile(src, dest, newmtime=None, sstat=None):
    import shutil
    shutil.copy2(src, dest)
    if newmtime is not None:
        os.utime(dest, (newmtime, newmtime))
    return os.lstat(dest).st_mtime

def lockfile(name, shared=False, retry=True, block=False):
    import fcntl
    mkdirhier(os.path.dirname(name) or ".")
    f = open(name, "a+")
    operation = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        fcntl.flock(f.fileno(), operation if block or retry else operation | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f

def unlockfile(lock):
    import fcntl
    if lock is not None:
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()

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

def _words(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)

def addtask(task, before, after, d):
    _bbrun.addtask(d, task, _words(after), _words(before))

def deltask(task, d):
    _bbrun.deltask(d, task)
)PY";

constexpr const char* k_process = R"PY(
class CmdError(RuntimeError):
    """The command could not be started."""

class ExecutionError(CmdError):
    """The command ran and failed: its exit status and output are attached."""
    def __init__(self, command, exitcode, stdout=None, stderr=None):
        self.command, self.exitcode, self.stdout, self.stderr = command, exitcode, stdout, stderr
        super().__init__("Execution of '%s' failed with exit code %d" % (command, exitcode))

def run(cmd, input=None, log=None, extrafiles=None, **options):
    """Run `cmd` (a string runs through the shell) and return (stdout, stderr) as text;
    raise ExecutionError when it fails."""
    import subprocess
    options.setdefault("shell", isinstance(cmd, str))
    try:
        done = subprocess.run(cmd, input=input, capture_output=True, text=True, **options)
    except OSError as e:
        raise CmdError("Unable to run '%s': %s" % (cmd, e))
    if done.returncode != 0:
        raise ExecutionError(cmd, done.returncode, done.stdout, done.stderr)
    return done.stdout, done.stderr
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
  const std::array<Submodule, 6> submodules{{{"utils", "bb.utils", k_utils},
                                             {"build", "bb.build", k_build},
                                             {"process", "bb.process", k_process},
                                             {"data", "bb.data", k_data},
                                             {"parse", "bb.parse", k_parse},
                                             {"data_smart", "bb.data_smart", k_data_smart}}};
  for (const auto& sub : submodules) {
    bb.attr(sub.attribute) = make_module(sub.name, sub.text);
  }
  return bb;
}

} // namespace bbrun::server::python
