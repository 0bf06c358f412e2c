// SPDX-License-Identifier: MIT
// parse_recipe: one recipe's datastore from the configuration, its files and its appends.
#include "server/metadata/recipe.h"

#include "server/metadata/evaluator.h"
#include "server/metadata/tasks.h"

#include <system_error>

namespace bbrun::server::metadata {

namespace fs = std::filesystem;

common::Result<std::array<std::string, 3>> vars_from_file_name(const fs::path& file) {
  const std::string stem = file.stem().string();
  std::array<std::string, 3> out{"", "1.0", "r0"};
  std::size_t start = 0;
  for (std::size_t part = 0; start <= stem.size(); ++part) {
    std::size_t end = stem.find('_', start);
    if (end == std::string::npos) {
      end = stem.size();
    }
    if (part == out.size()) {
      return common::fail(common::ErrorKind::parse,
                          "cannot take PN/PV/PR from the file name: too many '_'", file.string());
    }
    out[part] = stem.substr(start, end - start);
    start = end + 1;
  }
  return out;
}

common::Result<void> expand_keys(DataStore& d) {
  std::vector<std::pair<std::string, std::string>> renames;
  for (const std::string& key : d.keys()) {
    if (key.find("${") == std::string::npos) {
      continue;
    }
    auto expanded = d.expand(key);
    if (!expanded) {
      return common::fail(expanded.error());
    }
    if (*expanded != key) {
      renames.emplace_back(key, std::move(*expanded));
    }
  }
  for (const auto& [from, to] : renames) {
    d.rename_var(from, to);
  }
  return {};
}

void run_anonymous_functions(DataStore& d, Evaluator& ev) {
  for (const std::string& name : split_words(d.get_var_raw("__BBANONFUNCS").value_or(""))) {
    const Origin origin = d.origin(name);
    const std::string body = d.get_var_raw(name).value_or("");
    PythonEvaluator* python = d.python();
    if (python == nullptr) {
      ev.add_error(common::Error{common::ErrorKind::parse,
                                 "anonymous python functions are not supported yet: "
                                 "python () {...} is not run",
                                 origin.describe()});
      continue;
    }
    auto ran = python->run_anonymous(name, body, d, origin.describe());
    if (!ran) {
      ev.add_error(ran.error());
    }
  }
}

common::Result<Recipe> parse_recipe(const Configuration& config, const fs::path& recipe_file,
                                    PythonEvaluator* python) {
  std::error_code ec;
  const fs::path file = fs::absolute(recipe_file, ec).lexically_normal();
  auto names = vars_from_file_name(file);
  if (!names) {
    return common::fail(names.error());
  }
  auto d = std::make_shared<DataStore>(config.data);
  if (python != nullptr) {
    d->set_python(python);
  }
  d->set_var("FILE", file.string());
  d->set_var("FILE_DIRNAME", file.parent_path().string());
  d->set_var("PN", (*names)[0]);
  d->set_var("PV", (*names)[1]);
  d->set_var("PR", (*names)[2]);

  ParseCache& cache = *config.cache;
  Evaluator ev(*d, cache);
  ev.evaluate_file(file);
  Recipe recipe{file.native(), {}, d, config.appends_for(file), nullptr, {}};
  for (const fs::path& append : recipe.appends) {
    ev.evaluate_file(append);
  }
  if (auto renamed = expand_keys(*d); !renamed) {
    ev.add_error(renamed.error());
  }
  run_anonymous_functions(*d, ev);
  if (!ev.errors().empty()) {
    return common::fail(combine_errors(ev.errors()));
  }
  auto pn = d->get_var("PN");
  if (!pn) {
    return common::fail(pn.error());
  }
  recipe.pn = pn->value_or((*names)[0]);
  recipe.files = std::make_shared<const FileLog>(ev.files());
  recipe.names = provided_names(*d);
  return recipe;
}

ProvidedNames provided_names(const DataStore& d) {
  ProvidedNames names;
  names.pv = value_or_empty(d, "PV");
  names.provides = split_words(value_or_empty(d, "PROVIDES"));
  for (auto& package : split_words(value_or_empty(d, "PACKAGES"))) {
    auto rprovides = split_words(value_or_empty(d, "RPROVIDES:" + package));
    names.runtime.push_back(std::move(package));
    for (auto& name : rprovides) {
      names.runtime.push_back(std::move(name));
    }
  }
  return names;
}

} // namespace bbrun::server::metadata
