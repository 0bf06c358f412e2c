// SPDX-License-Identifier: MIT
// Evaluation of parsed statements into a datastore: assignments, functions,
// include/require/inherit.
#pragma once

#include "common/result.h"
#include "server/metadata/ast.h"
#include "server/metadata/datastore.h"
#include "server/metadata/file_log.h"
#include "server/metadata/parse_cache.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace bbrun::server::metadata {

/// Applies statements to one datastore, as BitBake's ast.py nodes do, following `include`,
/// `require` and `inherit` through the shared ParseCache. Errors do not stop evaluation:
/// each is recorded (with "file:line") and the next statement runs, so a caller gets every
/// problem at once. One Evaluator serves one thread.
class Evaluator {
public:
  Evaluator(DataStore& d, ParseCache& cache) : m_d(d), m_cache(cache) {}

  /// Evaluate the file at `path` (made absolute). `origin` is the statement that asked for
  /// it, for errors; a missing or unreadable file is an error.
  void evaluate_file(const std::filesystem::path& path, const Origin& origin = {});

  /// Evaluate `text` as if it were the file at `as_path` (for snippets and tests).
  void evaluate_text(std::string_view text, const std::filesystem::path& as_path);

  /// Inherit each class named in `classes` (after expansion) that is not inherited yet.
  void inherit(std::string_view classes, const Origin& origin);

  /// Return the errors recorded so far, in order.
  const std::vector<common::Error>& errors() const { return m_errors; }

  /// Record an error found by the caller, so it is reported with the others.
  void add_error(common::Error error) { m_errors.push_back(std::move(error)); }

  /// Whether `path` is a regular file, noted in `files()`.
  bool probe(const std::filesystem::path& path) { return m_files.probe(path); }
  /// Every file this evaluation read or looked for.
  const FileLog& files() const { return m_files; }

private:
  friend struct StatementVisitor;

  void evaluate(const ParsedFile& file);
  void assign(const Assignment& a, const Origin& origin);
  void define_function(const FunctionDefinition& f, const Origin& origin);
  void export_functions(const ExportFunctionsStatement& s, std::string_view classname);
  void include(const IncludeStatement& s, const Origin& origin);
  std::string expand_or_record(std::string_view text, const Origin& origin);
  void error(const Origin& origin, std::string message);
  std::filesystem::path find_on_bbpath(const std::filesystem::path& relative,
                                       const std::filesystem::path& first_dir);

  DataStore& m_d;
  ParseCache& m_cache;
  std::vector<common::Error> m_errors;
  std::vector<std::string> m_stack; ///< files being evaluated, outermost first
  FileLog m_files;
};

/// Return one error standing for all of `errors`: the error itself when there is one, else
/// a message listing each error's description on its own line.
common::Error combine_errors(const std::vector<common::Error>& errors);

/// Return the directories of BBPATH, expanded, in order.
std::vector<std::filesystem::path> bbpath_dirs(const DataStore& d);

} // namespace bbrun::server::metadata
