// SPDX-License-Identifier: MIT
// addtask/deltask on a datastore, and reading the task list back as plain data.
#include "server/metadata/tasks.h"

#include "server/metadata/lexer.h"

#include <algorithm>
#include <cstring>

namespace bbrun::server::metadata {

namespace {

const char* const k_tasks_var = "__BBTASKS";

bool contains(const std::vector<std::string>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

// Whether `word` is one of the whitespace-separated words of `list`. memmem, not a naive
// find: lists of thousands of words sharing a prefix ("do_t1 do_t2 ...") stay fast.
bool has_word(std::string_view list, std::string_view word) {
  size_t at = 0;
  while (at + word.size() <= list.size()) {
    const void* hit = ::memmem(list.data() + at, list.size() - at, word.data(), word.size());
    if (hit == nullptr) {
      return false;
    }
    size_t start = static_cast<size_t>(static_cast<const char*>(hit) - list.data());
    size_t end = start + word.size();
    if ((start == 0 || is_space(list[start - 1])) && (end == list.size() || is_space(list[end]))) {
      return true;
    }
    at = start + 1;
  }
  return false;
}

std::vector<std::string> flag_words(const DataStore& d, std::string_view name,
                                    std::string_view flag) {
  return split_words(d.get_flag_raw(name, flag).value_or(""));
}

} // namespace

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && !is_blank(text[i])) {
      ++i;
    }
    if (i > start) {
      out.emplace_back(text.substr(start, i - start));
    }
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out += w;
  }
  return out;
}

std::string task_name(std::string_view task) {
  return task.starts_with("do_") ? std::string(task) : "do_" + std::string(task);
}

void add_task(DataStore& d, std::string_view task_in, std::string_view after,
              std::string_view before) {
  const std::string task = task_name(task_in);
  d.set_flag(task, "task", "1");
  // A recipe may add thousands of tasks: search and append in place rather than splitting
  // the whole list on every addtask.
  std::string tasks = d.get_var_raw(k_tasks_var).value_or("");
  if (!has_word(tasks, task)) {
    tasks += tasks.empty() ? task : " " + task;
    d.set_var(k_tasks_var, std::move(tasks), {}, AssignStyle::statement);
  }
  std::vector<std::string> deps = flag_words(d, task, "deps");
  for (const std::string& entry : split_words(after)) {
    if (!contains(deps, entry)) {
      deps.push_back(entry);
    }
  }
  d.set_flag(task, "deps", join_words(deps));
  for (const std::string& entry : split_words(before)) {
    std::vector<std::string> existing = flag_words(d, entry, "deps");
    if (!contains(existing, task)) {
      existing.insert(existing.begin(), task);
      d.set_flag(entry, "deps", join_words(existing));
    }
  }
}

void del_task(DataStore& d, std::string_view task_in) {
  const std::string task = task_name(task_in);
  std::vector<std::string> tasks = split_words(d.get_var_raw(k_tasks_var).value_or(""));
  if (contains(tasks, task)) {
    std::erase(tasks, task);
    d.del_flag(task, "task");
    d.set_var(k_tasks_var, join_words(tasks), {}, AssignStyle::statement);
  }
  d.del_flag(task, "deps");
  for (const std::string& other : tasks) {
    std::vector<std::string> deps = flag_words(d, other, "deps");
    if (contains(deps, task)) {
      std::erase(deps, task);
      d.set_flag(other, "deps", join_words(deps));
    }
  }
}

common::Result<std::vector<TaskDecl>> recipe_tasks(const DataStore& d) {
  std::vector<TaskDecl> out;
  for (const std::string& task : split_words(d.get_var_raw(k_tasks_var).value_or(""))) {
    auto deps = d.get_flag(task, "deps");
    if (!deps) {
      return common::fail(deps.error());
    }
    out.push_back(TaskDecl{task, split_words(deps->value_or(""))});
  }
  return out;
}

} // namespace bbrun::server::metadata
