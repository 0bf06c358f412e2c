// SPDX-License-Identifier: MIT
// The embedded interpreter: start-up, compiled-code cache, messages, fork.
#include "server/python/interpreter.h"

#include "server/python/bb_module.h"

#include <pybind11/embed.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <unistd.h>

namespace bbrun::server::python {

namespace py = pybind11;

namespace {

// Start CPython without its signal handlers (the server owns SIGINT and SIGTERM) and make the
// globals metadata code runs in.
py::dict start() {
  py::initialize_interpreter(/*init_signals=*/false);
  py::dict globals;
  globals["__builtins__"] = py::module_::import("builtins");
  globals["__name__"] = "__bbrun__";
  globals["bb"] = import_bb_module();
  globals["os"] = py::module_::import("os");
  return globals;
}

void flush_python_streams() {
  py::module_ sys = py::module_::import("sys");
  for (const char* stream : {"stdout", "stderr"}) {
    try {
      sys.attr(stream).attr("flush")();
    } catch (py::error_already_set&) {
      // A closed or broken stream has nothing worth keeping.
    }
  }
}

std::string_view prefix_of(std::string_view level) {
  if (level == "note") {
    return "NOTE: ";
  }
  if (level == "warning") {
    return "WARNING: ";
  }
  if (level == "error" || level == "fatal") {
    return "ERROR: ";
  }
  if (level == "debug") {
    return "DEBUG: ";
  }
  return "";
}

// Through Python's own sys.stdout, so that the lines keep their order with print() output.
void print_message(std::string_view level, std::string_view text) {
  std::string line = std::string(prefix_of(level)).append(text).append("\n");
  py::module_ sys = py::module_::import("sys");
  sys.attr("stdout").attr("write")(line);
  sys.attr("stdout").attr("flush")();
}

// Where messages go: apart from the interpreter, so that choosing it does not start Python.
struct MessageRoute {
  std::mutex mutex;
  MessageSink sink = print_message;
};

MessageRoute& message_route() {
  static MessageRoute* const route = new MessageRoute(); // outlives every thread, as Python
  return *route;
}

} // namespace

namespace {

// A thread state acquired once and then released but not deleted: the GIL holds after it
// reuse it. Destroyed when its thread exits, which deletes the state.
struct ThreadStateKeeper {
  py::gil_scoped_acquire acquire;
  py::gil_scoped_release release;
};

} // namespace

GilHold::KeepThreadState::KeepThreadState() {
  Interpreter::instance();
  thread_local std::optional<ThreadStateKeeper> keeper;
  if (!keeper) {
    keeper.emplace();
  }
}

GilHold::GilHold() = default;

Interpreter& Interpreter::instance() {
  // Deliberately never destroyed: see "never finalised" in the header.
  static Interpreter* const interpreter = new Interpreter();
  return *interpreter;
}

Interpreter::Interpreter() : m_globals(start()) {
  // Keep this thread's state for later and let every thread take the GIL when it needs it.
  (void)PyEval_SaveThread();
}

py::object Interpreter::compiled(std::string_view source, const std::string& filename,
                                 unsigned first_line, CompileMode mode) {
  std::string key = filename;
  key.append(1, '\n').append(std::to_string(first_line)).append(1, '\n').append(source);
  if (auto found = m_code.find(key); found != m_code.end()) {
    return found->second;
  }
  // Blank lines in front put every line of `source` at its line number in the file.
  std::string padded(first_line > 1 ? first_line - 1 : 0, '\n');
  padded.append(source);
  py::object code =
      py::module_::import("builtins")
          .attr("compile")(padded, filename, mode == CompileMode::eval ? "eval" : "exec");
  m_code.emplace(std::move(key), code);
  return code;
}

bool Interpreter::needs_defining(const std::string& key, std::string_view name) const {
  auto found = m_defined.find(key);
  if (found == m_defined.end()) {
    return true;
  }
  PyObject* bound = PyDict_GetItemString(m_globals.ptr(), std::string(name).c_str());
  return bound != found->second.ptr();
}

void Interpreter::mark_defined(std::string key, std::string_view name) {
  PyObject* bound = PyDict_GetItemString(m_globals.ptr(), std::string(name).c_str());
  if (bound != nullptr) {
    m_defined[std::move(key)] = py::reinterpret_borrow<py::object>(bound);
  }
}

MessageSink Interpreter::set_sink(MessageSink sink) {
  auto& route = message_route();
  std::lock_guard lock(route.mutex);
  std::swap(route.sink, sink);
  return sink;
}

void Interpreter::message(std::string_view level, std::string_view text) {
  auto& route = message_route();
  MessageSink sink;
  {
    std::lock_guard lock(route.mutex);
    sink = route.sink;
  }
  sink(level, text);
}

pid_t Interpreter::fork_child(const std::function<int()>& child_main) {
  GilHold gil;
  // Whatever Python buffered must not be written twice, by the parent and by the child.
  flush_python_streams();
  PyOS_BeforeFork();
  pid_t pid = ::fork();
  if (pid == 0) {
    PyOS_AfterFork_Child();
    int code = child_main();
    flush_python_streams();
    ::_exit(code);
  }
  int saved = errno;
  PyOS_AfterFork_Parent();
  errno = saved;
  return pid;
}

std::string Interpreter::describe(py::error_already_set& error) {
  if (error.matches(py::module_::import("bb").attr("FatalError"))) {
    return py::str(error.value()).cast<std::string>();
  }
  // A syntax error found by compile() has no traceback.
  py::object trace = error.trace() ? py::reinterpret_borrow<py::object>(error.trace()) : py::none();
  py::object lines =
      py::module_::import("traceback").attr("format_exception")(error.type(), error.value(), trace);
  std::string text = py::str("").attr("join")(lines).cast<std::string>();
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

} // namespace bbrun::server::python
