// SPDX-License-Identifier: MIT
// The server's one embedded CPython: start-up, compiled-code cache, messages, fork.
#pragma once

// Threads and the GIL: the interpreter starts on the first call to `instance()`, from whichever
// thread first needs Python (a server whose metadata has none never starts it), and then
// releases the GIL at once; every entry into Python (evaluation of `${@...}`, anonymous
// functions, tasks) takes it with pybind11's gil_scoped_acquire, and every call from Python
// back into a DataStore releases it again. So the lock order is always "datastore mutex,
// then GIL", never the reverse, and recipes parsed on several threads cannot deadlock: a
// thread waiting for a datastore's mutex never holds the GIL.
//
// Fork safety: `fork_child` forks with the GIL held between PyOS_BeforeFork and
// PyOS_AfterFork_Parent/_Child, so Python's own locks (GIL, import lock) are in a known state
// in the child, and the forking thread becomes the child's main thread whichever thread started
// the interpreter. Locks Python does not know about (datastore mutexes, malloc's) are safe only
// because the caller forks when no other thread runs: the cooker forks python tasks from its
// event loop, after the parse threads have all joined (parallel.h). The interpreter is never
// finalised: threads may still hold references when the process exits.

#include <pybind11/pybind11.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unordered_map>

namespace bbrun::server::python {

/// Receives bb.note, bb.warn, ... messages: `level` is "note", "plain", "debug", "warning",
/// "error" or "fatal". Called with the GIL held, from any thread that runs Python.
using MessageSink = std::function<void(std::string_view level, std::string_view text)>;

/// Holds the GIL for its lifetime, as pybind11::gil_scoped_acquire does, but keeps the calling
/// thread's Python thread state from one hold to the next (until the thread exits): creating
/// and deleting one for every `${@...}` a parse thread evaluates cost more than the evaluation.
class GilHold {
public:
  GilHold();

private:
  struct KeepThreadState {
    KeepThreadState();
  };
  KeepThreadState m_keep; ///< first: the state must exist before the GIL is taken with it
  pybind11::gil_scoped_acquire m_acquire;
};

/// How a piece of source is compiled, as the `mode` of Python's compile().
enum class CompileMode { eval, exec };

class Interpreter {
public:
  /// Return the process's interpreter, starting it on the first call (thread-safe).
  static Interpreter& instance();

  /// Return the code object for `source` compiled as `filename`, compiling it only the first
  /// time this (filename, first_line, source) is seen; `first_line` is the line of the source's
  /// first line in `filename`, so tracebacks point into the recipe. Throws
  /// pybind11::error_already_set on a syntax error. GIL held.
  pybind11::object compiled(std::string_view source, const std::string& filename,
                            unsigned first_line, CompileMode mode);

  /// The globals every piece of metadata python runs in: builtins, `bb`, `os`, and each
  /// `def` function parsed so far (as BitBake's shared function context). GIL held.
  pybind11::dict& globals() { return m_globals; }

  /// Whether the `def` of `name` keyed `key` (its file, line and text) has to be run into the
  /// globals again: not while `name` is still bound to what that `def` made (`mark_defined`).
  /// A class's functions are then run once, not once per recipe inheriting the class, and a
  /// name another file redefined since is defined again. GIL held.
  bool needs_defining(const std::string& key, std::string_view name) const;
  void mark_defined(std::string key, std::string_view name);

  /// Send `bb.note` and friends to `sink` from now on, and return the one it replaces. The
  /// default writes BitBake's "NOTE: text" lines to stdout (a task's log in a task child).
  /// Does not start the interpreter.
  static MessageSink set_sink(MessageSink sink);
  static void message(std::string_view level, std::string_view text);

  /// Fork a child that runs `child_main` and exits with its return value; return the child's
  /// pid to the parent, or -1 with errno set. See the fork-safety note at the top of this file.
  pid_t fork_child(const std::function<int()>& child_main);

  /// Format the Python exception being handled (a traceback for most, just the message
  /// after bb.fatal) as text. GIL held.
  static std::string describe(pybind11::error_already_set& error);

private:
  Interpreter();

  pybind11::dict m_globals;
  std::unordered_map<std::string, pybind11::object> m_code;    ///< guarded by the GIL
  std::unordered_map<std::string, pybind11::object> m_defined; ///< key -> function; GIL
};

} // namespace bbrun::server::python
