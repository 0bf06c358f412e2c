// SPDX-License-Identifier: MIT
// Statement evaluation: what each statement of a metadata file does to the datastore.
#include "server/metadata/evaluator.h"

#include "server/metadata/tasks.h"

#include <algorithm>
#include <system_error>

namespace bbrun::server::metadata {

namespace {

constexpr std::size_t k_max_nesting = 100;
const char* const k_inherit_cache = "__inherit_cache";
const char* const k_anon_funcs = "__BBANONFUNCS";

// BitBake's MethodNode.tr_tbl, used to build the names of anonymous functions.
std::string anonymous_name(const Origin& origin) {
  std::string file = origin.file.str();
  for (char& c : file) {
    if (std::string_view("/.+-@%&~").find(c) != std::string_view::npos) {
      c = '_';
    }
  }
  return "__anon_" + std::to_string(origin.line) + "_" + file;
}

void append_word(DataStore& d, std::string_view var, std::string_view word) {
  std::vector<std::string> words = split_words(d.get_var_raw(var).value_or(""));
  words.emplace_back(word);
  d.set_var(var, join_words(words), {}, AssignStyle::statement);
}

} // namespace

struct StatementVisitor {
  Evaluator& ev;
  const ParsedFile& file;

  Origin at(std::uint32_t line) const { return Origin{file.path, line}; }

  void operator()(const Assignment& s) { ev.assign(s, at(s.line)); }
  void operator()(const IncludeStatement& s) { ev.include(s, at(s.line)); }
  void operator()(const ExportStatement& s) { ev.m_d.set_flag(s.name, "export", "1"); }
  void operator()(const FunctionDefinition& s) { ev.define_function(s, at(s.line)); }
  void operator()(const ExportFunctionsStatement& s) { ev.export_functions(s, file.classname); }
  void operator()(const InheritStatement& s) { ev.inherit(s.classes, at(s.line)); }

  void operator()(const UnsetStatement& s) {
    if (s.flag) {
      ev.m_d.del_flag(s.name, *s.flag);
    } else {
      ev.m_d.del_var(s.name, at(s.line));
    }
  }

  void operator()(const PythonDefinition& s) {
    ev.m_d.set_flag(s.name, "func", "1");
    ev.m_d.set_flag(s.name, "python", "1");
    ev.m_d.set_var(s.name, s.body, at(s.line), AssignStyle::statement);
    if (PythonEvaluator* python = ev.m_d.python()) {
      if (auto defined = python->define_function(s.name, s.body, file.path.view(), s.line);
          !defined) {
        ev.error(at(s.line), defined.error().message);
      }
    }
  }

  void operator()(const AddTaskStatement& s) {
    const Origin origin = at(s.line);
    const std::string after = ev.expand_or_record(s.after, origin);
    const std::string before = ev.expand_or_record(s.before, origin);
    for (const std::string& task : split_words(ev.expand_or_record(s.tasks, origin))) {
      add_task(ev.m_d, task, after, before);
    }
  }

  void operator()(const DelTaskStatement& s) {
    for (const std::string& task : split_words(ev.expand_or_record(s.tasks, at(s.line)))) {
      del_task(ev.m_d, task);
    }
  }

  void operator()(const AddHandlerStatement& s) {
    for (const std::string& name : split_words(s.names)) {
      append_word(ev.m_d, "__BBHANDLERS", name);
      ev.m_d.set_flag(name, "handler", "1");
    }
  }
};

void Evaluator::error(const Origin& origin, std::string message) {
  m_errors.push_back(
      common::Error{common::ErrorKind::parse, std::move(message), origin.describe()});
}

std::string Evaluator::expand_or_record(std::string_view text, const Origin& origin) {
  auto expanded = m_d.expand(text);
  if (expanded) {
    return std::move(*expanded);
  }
  common::Error e = std::move(expanded.error());
  if (e.where.empty()) {
    e.where = origin.describe();
  }
  m_errors.push_back(std::move(e));
  return std::string(text);
}

void Evaluator::assign(const Assignment& a, const Origin& origin) {
  const std::string& key = a.name;
  if (a.exported) {
    m_d.set_flag(key, "export", "1");
  }
  auto current = [&] { return a.flag ? m_d.get_flag_raw(key, *a.flag) : m_d.get_var_raw(key); };
  std::string value;
  switch (a.op) {
  case AssignOp::set:
  case AssignOp::weak_default:
    value = a.value;
    break;
  case AssignOp::default_set:
    if (current()) {
      return;
    }
    value = a.value;
    break;
  case AssignOp::immediate: {
    auto expanded = m_d.expand(a.value);
    if (!expanded) {
      common::Error e = std::move(expanded.error());
      e.message = "in the value of " + key + " (:=): " + e.message;
      e.where = origin.describe();
      m_errors.push_back(std::move(e));
      return;
    }
    value = std::move(*expanded);
    break;
  }
  case AssignOp::append:
    value = current().value_or("") + " " + a.value;
    break;
  case AssignOp::prepend:
    value = a.value + " " + current().value_or("");
    break;
  case AssignOp::append_dot:
    value = current().value_or("") + a.value;
    break;
  case AssignOp::prepend_dot:
    value = a.value + current().value_or("");
    break;
  }
  if (a.op == AssignOp::weak_default) {
    m_d.set_flag(key, a.flag ? "_defaultval_flag_" + *a.flag : std::string("_defaultval"),
                 std::move(value), origin);
  } else if (a.flag) {
    m_d.set_flag(key, *a.flag, std::move(value), origin);
  } else {
    m_d.set_var(key, std::move(value), origin, AssignStyle::statement);
  }
}

void Evaluator::define_function(const FunctionDefinition& f, const Origin& origin) {
  std::string name = f.name;
  bool python = f.python;
  if (name.empty() || name == "__anonymous") {
    name = anonymous_name(origin);
    python = true;
    append_word(m_d, k_anon_funcs, name);
  }
  if (m_d.get_var_raw(name)) {
    // A redefinition must not keep the kind of the previous one.
    m_d.del_flag(name, "python");
    m_d.del_flag(name, "fakeroot");
  }
  if (python) {
    m_d.set_flag(name, "python", "1");
  }
  if (f.fakeroot) {
    m_d.set_flag(name, "fakeroot", "1");
  }
  m_d.set_flag(name, "func", "1");
  m_d.set_var(name, f.body, origin, AssignStyle::statement);
  m_d.set_flag(name, "filename", origin.file.str());
  m_d.set_flag(name, "lineno", std::to_string(origin.line));
}

// As BitBake's ExportFuncsNode: `do_x` in class `foo` becomes a stub that calls `foo_do_x`,
// unless something other than an earlier stub already defines `do_x`.
void Evaluator::export_functions(const ExportFunctionsStatement& s, std::string_view classname) {
  static const std::string k_sentinel = "    # Export function set\n";
  for (const std::string& func : split_words(s.names)) {
    const std::string called = std::string(classname) + "_" + func;
    const auto existing = m_d.get_var_raw(func);
    if (existing && !existing->empty() && existing->find(k_sentinel) == std::string::npos) {
      continue;
    }
    if (existing && !existing->empty()) {
      m_d.del_flag(func, "python");
      m_d.del_flag(func, "func");
    }
    for (const char* flag : {"func", "python"}) {
      if (auto v = m_d.get_flag_raw(called, flag); v && !v->empty()) {
        m_d.set_flag(func, flag, *v);
      }
    }
    for (const char* flag : {"dirs", "cleandirs", "fakeroot"}) {
      if (auto v = m_d.get_flag_raw(func, flag); v && !v->empty()) {
        m_d.set_flag(called, flag, *v);
      }
    }
    m_d.set_flag(func, "filename", "autogenerated");
    m_d.set_flag(func, "lineno", "1");
    const bool python = flag_is_true(m_d.get_flag_raw(called, "python"));
    std::string body =
        k_sentinel + "    " + (python ? "bb.build.exec_func('" + called + "', d)" : called) + "\n";
    m_d.set_var(func, std::move(body), m_d.origin(called), AssignStyle::statement);
  }
}

std::filesystem::path Evaluator::find_on_bbpath(const std::filesystem::path& relative,
                                                const std::filesystem::path& first_dir) {
  if (!first_dir.empty() && probe(first_dir / relative)) {
    return first_dir / relative;
  }
  for (const auto& dir : bbpath_dirs(m_d)) {
    if (probe(dir / relative)) {
      return dir / relative;
    }
  }
  return {};
}

void Evaluator::include(const IncludeStatement& s, const Origin& origin) {
  const std::filesystem::path parent_dir = std::filesystem::path(origin.file.str()).parent_path();
  for (const std::string& name : split_words(expand_or_record(s.files, origin))) {
    std::filesystem::path found = name;
    if (found.is_relative()) {
      found = find_on_bbpath(name, parent_dir);
    } else if (!probe(found)) {
      found.clear();
    }
    if (found.empty()) {
      if (s.required) {
        error(origin, "could not find required file '" + name + "' (searched " +
                          (std::filesystem::path(name).is_relative()
                               ? "the including file's directory and BBPATH)"
                               : "as an absolute path)"));
      }
      continue;
    }
    evaluate_file(found, origin);
  }
}

void Evaluator::inherit(std::string_view classes, const Origin& origin) {
  for (const std::string& name : split_words(expand_or_record(classes, origin))) {
    std::filesystem::path file = name;
    if (file.is_relative() && !name.ends_with(".bbclass")) {
      file = std::filesystem::path("classes") / (name + ".bbclass");
    }
    if (file.is_relative()) {
      std::filesystem::path found = find_on_bbpath(file, {});
      if (found.empty()) {
        error(origin,
              "could not inherit class '" + name + "': no " + file.string() + " along BBPATH");
        continue;
      }
      file = found;
    } else if (!probe(file)) {
      error(origin, "could not inherit class '" + name + "': " + file.string() + " not found");
      continue;
    }
    file = file.lexically_normal();
    std::vector<std::string> done = split_words(m_d.get_var_raw(k_inherit_cache).value_or(""));
    if (std::find(done.begin(), done.end(), file.string()) != done.end()) {
      continue;
    }
    append_word(m_d, k_inherit_cache, file.string());
    evaluate_file(file, origin);
  }
}

void Evaluator::evaluate_file(const std::filesystem::path& path_in, const Origin& origin) {
  const std::filesystem::path path = std::filesystem::absolute(path_in).lexically_normal();
  const std::string key = path.string();
  if (auto it = std::find(m_stack.begin(), m_stack.end(), key); it != m_stack.end()) {
    std::string chain;
    for (; it != m_stack.end(); ++it) {
      chain += *it + " -> ";
    }
    error(origin, "include loop: " + chain + key);
    return;
  }
  if (m_stack.size() >= k_max_nesting) {
    error(origin, "includes and inherits nested more than " + std::to_string(k_max_nesting) +
                      " deep at " + key);
    return;
  }
  // Logged with the hash of the text this parse used, which may be older than the file on
  // disk (the cache is shared by the round's recipes): a later check then sees the difference.
  auto parsed = m_cache.get(path);
  m_files.read(path, parsed ? (*parsed)->content_hash : 0);
  if (!parsed) {
    common::Error e = parsed.error();
    if (!origin.file.empty()) {
      e.message = e.where + ": " + e.message;
      e.where = origin.describe();
    }
    m_errors.push_back(std::move(e));
    return;
  }
  // BitBake points FILE at an included fragment or a .bbappend while it is evaluated (so
  // `:=` there sees its own file), and back at the recipe afterwards.
  std::optional<std::string> old_file;
  if (!key.ends_with(".bbclass") && !key.ends_with(".conf")) {
    old_file = m_d.get_var_raw("FILE");
    if (old_file && *old_file != key) {
      m_d.set_var("FILE", key, {}, AssignStyle::statement);
    } else {
      old_file.reset();
    }
  }
  m_stack.push_back(key);
  evaluate(**parsed);
  m_stack.pop_back();
  if (old_file) {
    m_d.set_var("FILE", *old_file, {}, AssignStyle::statement);
  }
}

void Evaluator::evaluate_text(std::string_view text, const std::filesystem::path& as_path) {
  auto parsed = m_cache.put(as_path, text);
  m_stack.push_back(as_path.string());
  evaluate(*parsed);
  m_stack.pop_back();
}

void Evaluator::evaluate(const ParsedFile& file) {
  m_errors.insert(m_errors.end(), file.errors.begin(), file.errors.end());
  StatementVisitor visitor{*this, file};
  for (const Statement& statement : file.statements) {
    std::visit(visitor, statement);
  }
}

common::Error combine_errors(const std::vector<common::Error>& errors) {
  if (errors.size() == 1) {
    return errors.front();
  }
  common::Error out{common::ErrorKind::parse, {}, {}};
  for (const common::Error& e : errors) {
    if (e.kind != common::ErrorKind::parse) {
      out.kind = e.kind;
    }
    out.message += (out.message.empty() ? "" : "\n") + e.describe();
  }
  return out;
}

std::vector<std::filesystem::path> bbpath_dirs(const DataStore& d) {
  std::vector<std::filesystem::path> out;
  auto value = d.get_var("BBPATH");
  const std::string text = value && *value ? **value : std::string();
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(':', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (end > start) {
      out.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

} // namespace bbrun::server::metadata
