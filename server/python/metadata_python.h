// SPDX-License-Identifier: MIT
// The metadata's PythonEvaluator on the embedded interpreter: ${@...}, anonymous functions, def.
#pragma once

#include "server/metadata/python_hook.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::python {

/// Evaluates the python parts of metadata in the process's interpreter (interpreter.h), which
/// it starts on first use. Safe to call from several parse threads at once: each call takes the
/// GIL for the python part only.
class MetadataPython final : public metadata::PythonEvaluator {
public:
  common::Result<std::string> eval_inline(std::string_view code, const metadata::DataStore& d,
                                          std::string_view where) override;
  common::Result<void> run_anonymous(std::string_view name, std::string_view body,
                                     metadata::DataStore& d, std::string_view where) override;
  common::Result<void> define_function(std::string_view name, std::string_view body,
                                       std::string_view file, unsigned line) override;
};

/// One bb.note / bb.warn / ... message.
struct Message {
  std::string level;
  std::string text;
};

/// Collects the messages metadata python sends while it lives (on any thread), instead of
/// printing them; the previous destination is restored when it ends. For parsing, whose
/// messages become LogMessage events once the parse threads have finished.
class MessageCapture {
public:
  MessageCapture();
  ~MessageCapture();
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;

  /// Return the messages so far, in order, and forget them.
  std::vector<Message> take();

private:
  struct State;
  std::shared_ptr<State> m_state;
  std::function<void(std::string_view, std::string_view)> m_previous;
};

} // namespace bbrun::server::python
