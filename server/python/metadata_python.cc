// SPDX-License-Identifier: MIT
// The metadata's PythonEvaluator on the embedded interpreter.
#include "server/python/metadata_python.h"

#include "server/metadata/datastore.h"
#include "server/python/data_binding.h"
#include "server/python/functions.h"
#include "server/python/interpreter.h"

#include <mutex>

namespace bbrun::server::python {

namespace py = pybind11;

namespace {

common::Error python_error(std::string message, py::error_already_set& error,
                           std::string_view where) {
  return common::Error{common::ErrorKind::parse,
                       std::move(message) + ":\n" + Interpreter::describe(error),
                       std::string(where)};
}

} // namespace

common::Result<std::string> MetadataPython::eval_inline(std::string_view code,
                                                        const metadata::DataStore& d,
                                                        std::string_view where) {
  Interpreter& interpreter = Interpreter::instance();
  GilHold gil;
  try {
    // Compiled as the variable's name alone, so that the same expression in the same variable
    // is compiled once for all recipes; the error below still says where it was defined.
    const std::string variable(where.substr(0, where.find(" at ")));
    py::object compiled = interpreter.compiled(code, variable, 1, CompileMode::eval);
    py::dict locals;
    // BitBake lets inline python change `d` too; a parse thread has its recipe's datastore to
    // itself, so the cast does not break the datastore's threading contract.
    locals["d"] = wrap_datastore(const_cast<metadata::DataStore&>(d));
    py::object value = py::reinterpret_steal<py::object>(
        PyEval_EvalCode(compiled.ptr(), interpreter.globals().ptr(), locals.ptr()));
    if (!value) {
      throw py::error_already_set();
    }
    return py::str(value).cast<std::string>();
  } catch (py::error_already_set& error) {
    return common::fail(python_error("${@" + std::string(code) + "} failed", error, where));
  }
}

common::Result<void> MetadataPython::run_anonymous(std::string_view name, std::string_view body,
                                                   metadata::DataStore& d, std::string_view where) {
  const metadata::Origin origin = d.origin(name);
  Interpreter::instance();
  GilHold gil;
  try {
    call_python_body(d, name, body, origin.file.str(), origin.line);
  } catch (py::error_already_set& error) {
    return common::fail(python_error("anonymous python function failed", error, where));
  }
  return {};
}

common::Result<void> MetadataPython::define_function(std::string_view name, std::string_view body,
                                                     std::string_view file, unsigned line) {
  Interpreter& interpreter = Interpreter::instance();
  GilHold gil;
  std::string key = std::string(file) + '\n' + std::to_string(line) + '\n' + std::string(body);
  if (!interpreter.needs_defining(key, name)) {
    return {};
  }
  try {
    py::object code = interpreter.compiled(body, std::string(file), line, CompileMode::exec);
    py::object defined = py::reinterpret_steal<py::object>(
        PyEval_EvalCode(code.ptr(), interpreter.globals().ptr(), interpreter.globals().ptr()));
    if (!defined) {
      throw py::error_already_set();
    }
    interpreter.mark_defined(std::move(key), name);
  } catch (py::error_already_set& error) {
    return common::fail(python_error("cannot define " + std::string(name), error,
                                     std::string(file) + ":" + std::to_string(line)));
  }
  return {};
}

struct MessageCapture::State {
  std::mutex mutex;
  std::vector<Message> messages;
};

MessageCapture::MessageCapture() : m_state(std::make_shared<State>()) {
  m_previous =
      Interpreter::set_sink([state = m_state](std::string_view level, std::string_view text) {
        std::lock_guard lock(state->mutex);
        state->messages.push_back(Message{std::string(level), std::string(text)});
      });
}

MessageCapture::~MessageCapture() {
  Interpreter::set_sink(std::move(m_previous));
}

std::vector<Message> MessageCapture::take() {
  std::lock_guard lock(m_state->mutex);
  return std::exchange(m_state->messages, {});
}

} // namespace bbrun::server::python
