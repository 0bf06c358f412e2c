// SPDX-License-Identifier: MIT
// Running the functions of a datastore: python ones in this interpreter, shell ones in /bin/sh.
#include "server/python/functions.h"

#include "common/child_process.h"
#include "common/unique_fd.h"
#include "server/exec/shell_script.h"
#include "server/metadata/tasks.h"
#include "server/python/data_binding.h"
#include "server/python/interpreter.h"

#include <fmt/core.h>

#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/wait.h>
#include <unistd.h>

namespace bbrun::server::python {

namespace py = pybind11;
namespace fs = std::filesystem;
using metadata::DataStore;

namespace {

bool is_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
    return false;
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return false;
    }
  }
  return true;
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Where a function was defined: the [filename]/[lineno] flags of `python f() {` definitions,
// else the statement that set it.
std::pair<std::string, unsigned> definition_of(const DataStore& d, std::string_view name) {
  auto file = d.get_flag_raw(name, "filename");
  auto line = d.get_flag_raw(name, "lineno");
  if (file && line) {
    return {*file, static_cast<unsigned>(std::strtoul(line->c_str(), nullptr, 10))};
  }
  metadata::Origin origin = d.origin(name);
  return {origin.file.empty() ? "<" + std::string(name) + ">" : origin.file.str(), origin.line};
}

[[noreturn]] void raise_func_failed(const std::string& message) {
  py::object failed = py::module_::import("bb.build").attr("FuncFailed");
  PyErr_SetString(failed.ptr(), message.c_str());
  throw py::error_already_set();
}

// The script of shell function `name`, written to ${T}/run.NAME.PID; returns its path.
fs::path write_shell_script(const DataStore& d, std::string_view name, fs::path& workdir) {
  auto dirs = d.get_flag(name, "dirs");
  auto build_dir = d.get_var("B");
  auto log_dir = d.get_var("T");
  if (!dirs || !build_dir || !log_dir) {
    raise_func_failed(fmt::format("{}: cannot expand its [dirs], B or T", name));
  }
  auto words = metadata::split_words(dirs->value_or(""));
  workdir = words.empty() ? fs::path(build_dir->value_or(".")) : fs::path(words.back());
  auto script = exec::build_shell_script(d, name, workdir);
  if (!script) {
    raise_func_failed(script.error().describe());
  }
  std::error_code ec;
  fs::path dir = log_dir->value_or(".");
  fs::create_directories(dir, ec);
  fs::create_directories(workdir, ec);
  fs::path path = dir / fmt::format("run.{}.{}", name, ::getpid());
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0775));
  if (!fd || !common::write_all(fd.get(), *script)) {
    raise_func_failed(common::errno_message("cannot write " + path.string()));
  }
  return path;
}

// Run /bin/sh on `script` and return its wait status.
int run_shell(const fs::path& script) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return common::reap_child(pid);
}

} // namespace

void call_python_body(DataStore& d, std::string_view name, std::string_view body,
                      const std::string& file, unsigned line) {
  const std::string def_name = is_identifier(name) ? std::string(name) : "__bbrun_function";
  std::string source = "def " + def_name + "(d):\n";
  source.append(body);
  if (is_blank(body)) {
    source.append("    pass\n");
  }
  Interpreter& interpreter = Interpreter::instance();
  py::object code = interpreter.compiled(source, file, line, CompileMode::exec);
  // The def binds in `scope`, so the shared globals do not fill up with task functions.
  py::dict scope;
  py::object defined = py::reinterpret_steal<py::object>(
      PyEval_EvalCode(code.ptr(), interpreter.globals().ptr(), scope.ptr()));
  if (!defined) {
    throw py::error_already_set();
  }
  scope[def_name.c_str()](wrap_datastore(d));
}

void call_python_function(DataStore& d, std::string_view name) {
  std::string body;
  std::pair<std::string, unsigned> where;
  {
    py::gil_scoped_release release;
    body = d.get_var_unexpanded(name).value_or("");
    where = definition_of(d, name);
  }
  call_python_body(d, name, body, where.first, where.second);
}

void run_shell_function(DataStore& d, std::string_view name) {
  fs::path workdir;
  fs::path script = write_shell_script(d, name, workdir);
  int status = 0;
  {
    py::gil_scoped_release release;
    status = run_shell(script);
  }
  if (status != 0) {
    raise_func_failed(fmt::format("shell function {} failed ({}); its script is {}", name,
                                  WIFSIGNALED(status)
                                      ? "killed by a signal"
                                      : "exit code " + std::to_string(WEXITSTATUS(status)),
                                  script.string()));
  }
}

common::Result<void> run_task_function(DataStore& d, std::string_view name) {
  GilHold gil;
  try {
    call_python_function(d, name);
  } catch (py::error_already_set& error) {
    return common::fail(common::ErrorKind::usage, Interpreter::describe(error));
  }
  return {};
}

} // namespace bbrun::server::python
