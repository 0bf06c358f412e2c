// SPDX-License-Identifier: MIT
// Line-driven parser state machine: functions, def blocks, continuations, comments, statements.
#include "server/metadata/parser.h"

#include "server/metadata/lexer.h"

#include <filesystem>

namespace bbrun::server::metadata {

namespace {

class Parser {
public:
  Parser(std::string_view path, Syntax syntax) : m_syntax(syntax) {
    m_out.path = Symbol(path);
    std::filesystem::path p(path);
    if (p.extension() == ".bbclass") {
      m_out.classname = p.stem().string();
    }
  }

  void feed(std::uint32_t line_no, std::string_view line);
  ParsedFile finish();

private:
  void close_def();
  void statement(std::uint32_t line_no, std::string_view s);
  bool recipe_statement(std::uint32_t line_no, std::string_view s);
  void conf_statement(std::uint32_t line_no, std::string_view s);
  void error(std::uint32_t line_no, std::string message) {
    m_out.errors.push_back(common::Error{common::ErrorKind::parse, std::move(message),
                                         m_out.path.str() + ":" + std::to_string(line_no)});
  }

  Syntax m_syntax;
  ParsedFile m_out;
  std::optional<FunctionDefinition> m_function; ///< inside `name() {` ... `}`
  bool m_skip_function = false;                 ///< a function in a .conf, reported once
  std::optional<PythonDefinition> m_def;        ///< inside a `def` block
  std::string m_residue;                        ///< a statement continued with '\'
  std::optional<std::uint32_t> m_residue_line;
  bool m_residue_comment = false;
};

void Parser::feed(std::uint32_t line_no, std::string_view raw) {
  const std::string_view s = trim_right(raw);
  if (m_function) {
    if (s == "}") {
      if (!m_skip_function) {
        m_out.statements.emplace_back(std::move(*m_function));
      }
      m_function.reset();
      m_skip_function = false;
    } else {
      m_function->body.append(s).push_back('\n');
    }
    return;
  }
  if (m_def) {
    if (s.empty() || is_blank(s.front()) || s.front() == '#') {
      m_def->body.append("\n").append(s);
      return;
    }
    close_def();
  }
  const bool comment = !s.empty() && s.front() == '#';
  if (m_residue_line) {
    if (comment && !m_residue_comment) {
      error(line_no, "comment in the middle of a multiline expression (continued from line " +
                         std::to_string(*m_residue_line) + ")");
      return;
    }
    if (m_residue_comment && !comment) {
      error(*m_residue_line, "a multiline comment continues into a line that is not a "
                             "comment; say whether it is all a comment or should be parsed");
      m_residue.clear();
      m_residue_line.reset();
    }
  }
  if (!s.empty() && s.back() == '\\') {
    if (!m_residue_line) {
      m_residue_line = line_no;
      m_residue_comment = comment;
    }
    m_residue.append(s.substr(0, s.size() - 1));
    return;
  }
  std::uint32_t first_line = line_no;
  std::string joined;
  std::string_view logical = s;
  if (m_residue_line) {
    first_line = *m_residue_line;
    joined = std::move(m_residue);
    joined.append(s);
    logical = joined;
    m_residue.clear();
    m_residue_line.reset();
  }
  statement(first_line, logical);
}

void Parser::close_def() {
  m_out.statements.emplace_back(std::move(*m_def));
  m_def.reset();
}

void Parser::statement(std::uint32_t line_no, std::string_view text) {
  // BitBake wants statements to start in column 0; indented ones are accepted here.
  const std::string_view s = trim_left(text);
  if (s.empty() || s.front() == '#') {
    return;
  }
  if (auto start = lex_function_start(s)) {
    m_function = FunctionDefinition{line_no, start->name, {}, start->python, start->fakeroot};
    if (m_syntax == Syntax::conf) {
      error(line_no, "functions are not allowed in configuration files");
      m_skip_function = true;
    }
    return;
  }
  if (m_syntax == Syntax::recipe && recipe_statement(line_no, s)) {
    return;
  }
  conf_statement(line_no, s);
}

bool Parser::recipe_statement(std::uint32_t line_no, std::string_view s) {
  if (auto name = lex_python_def(s)) {
    m_def = PythonDefinition{line_no, *name, std::string(s)};
    return true;
  }
  if (auto rest = lex_keyword(s, "EXPORT_FUNCTIONS")) {
    m_out.statements.emplace_back(ExportFunctionsStatement{line_no, std::string(*rest)});
  } else if (auto rest = lex_keyword(s, "addtask")) {
    AddTaskStatement task = lex_addtask(*rest);
    task.line = line_no;
    if (task.tasks.empty()) {
      error(line_no, "addtask without a task name");
    } else {
      m_out.statements.emplace_back(std::move(task));
    }
  } else if (auto rest = lex_keyword(s, "deltask")) {
    m_out.statements.emplace_back(DelTaskStatement{line_no, std::string(*rest)});
  } else if (auto rest = lex_keyword(s, "addhandler")) {
    m_out.statements.emplace_back(AddHandlerStatement{line_no, std::string(*rest)});
  } else if (auto rest = lex_keyword(s, "inherit")) {
    m_out.statements.emplace_back(InheritStatement{line_no, std::string(*rest)});
  } else {
    return false;
  }
  return true;
}

void Parser::conf_statement(std::uint32_t line_no, std::string_view s) {
  auto assignment = lex_assignment(s);
  if (assignment) {
    assignment->line = line_no;
    m_out.statements.emplace_back(std::move(*assignment));
    return;
  }
  if (auto rest = lex_keyword(s, "include")) {
    m_out.statements.emplace_back(IncludeStatement{line_no, std::string(*rest), false});
  } else if (auto rest = lex_keyword(s, "require")) {
    m_out.statements.emplace_back(IncludeStatement{line_no, std::string(*rest), true});
  } else if (auto name = lex_export(s)) {
    m_out.statements.emplace_back(ExportStatement{line_no, *name});
  } else if (auto unset = lex_unset(s)) {
    unset->line = line_no;
    m_out.statements.emplace_back(std::move(*unset));
  } else if (m_syntax == Syntax::conf &&
             (lex_keyword(s, "inherit") || lex_keyword(s, "addtask") || lex_keyword(s, "deltask") ||
              lex_keyword(s, "EXPORT_FUNCTIONS") || lex_python_def(s))) {
    error(line_no, "'" + excerpt(s.substr(0, s.find_first_of(" \t"))) +
                       "' is not allowed in a configuration file" +
                       (s.starts_with("inherit") ? " (use INHERIT += \"...\")" : ""));
  } else {
    error(line_no, assignment.error().message);
  }
}

ParsedFile Parser::finish() {
  if (m_function) {
    const std::string name = m_function->name.empty() ? std::string("python ()") : m_function->name;
    if (!m_skip_function) {
      error(m_function->line, "function '" + name + "' is not closed with '}'");
    }
    m_function.reset();
  }
  if (m_def) {
    close_def();
  }
  if (m_residue_line) {
    if (!m_residue_comment) {
      error(*m_residue_line, "the file ends inside a line continued with '\\'");
    }
    m_residue_line.reset();
  }
  return std::move(m_out);
}

} // namespace

Syntax syntax_for(std::string_view path) {
  return path.ends_with(".conf") ? Syntax::conf : Syntax::recipe;
}

ParsedFile parse_metadata(std::string_view text, std::string_view path, Syntax syntax) {
  Parser parser(path, syntax);
  std::uint32_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    parser.feed(++line_no, text.substr(pos, end - pos));
    pos = end + 1;
  }
  return parser.finish();
}

} // namespace bbrun::server::metadata
