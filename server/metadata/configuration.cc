// SPDX-License-Identifier: MIT
// load_configuration: layers, bitbake.conf, global classes, BBFILES and bbappends.
#include "server/metadata/configuration.h"

#include "server/metadata/evaluator.h"
#include "server/metadata/path_glob.h"
#include "server/metadata/tasks.h"

#include <algorithm>
#include <cstdlib>
#include <regex.h>
#include <system_error>

namespace bbrun::server::metadata {

namespace fs = std::filesystem;

namespace {

// A POSIX extended regular expression, standing in for Python's re in BBFILE_PATTERN and
// BBMASK (the patterns layers use, like "^${LAYERDIR_RE}/", mean the same in both).
class Regex {
public:
  explicit Regex(const std::string& pattern)
      : m_ok(::regcomp(&m_regex, pattern.c_str(), REG_EXTENDED) == 0) {}
  ~Regex() {
    if (m_ok) {
      ::regfree(&m_regex);
    }
  }
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  bool valid() const { return m_ok; }

  /// Whether the pattern matches somewhere in `text`.
  bool search(const std::string& text) const {
    return m_ok && ::regexec(&m_regex, text.c_str(), 0, nullptr, 0) == 0;
  }

  /// Whether the pattern matches at the start of `text`, as Python's re.match.
  bool match_start(const std::string& text) const {
    regmatch_t m{};
    return m_ok && ::regexec(&m_regex, text.c_str(), 1, &m, 0) == 0 && m.rm_so == 0;
  }

private:
  regex_t m_regex{};
  bool m_ok;
};

// A path from BBLAYERS or BBFILES: `~/` is the home directory, relative ones are from TOPDIR.
fs::path from_topdir(const fs::path& topdir, std::string_view text) {
  std::string s(text);
  if (s.starts_with("~/")) {
    if (const char* home = std::getenv("HOME")) {
      s = std::string(home) + s.substr(1);
    }
  }
  fs::path p(s);
  return (p.is_relative() ? topdir / p : p).lexically_normal();
}

struct Loader {
  const LoadOptions& options;
  fs::path topdir;
  std::shared_ptr<DataStore> d;
  std::shared_ptr<ParseCache> cache;
  Evaluator ev;

  Loader(const LoadOptions& o, fs::path top, std::shared_ptr<DataStore> data,
         std::shared_ptr<ParseCache> c)
      : options(o), topdir(std::move(top)), d(std::move(data)), cache(std::move(c)),
        ev(*d, *cache) {}

  void fail_at(const fs::path& where, std::string message) {
    ev.add_error(common::Error{common::ErrorKind::parse, std::move(message), where.string()});
  }

  std::string var(std::string_view name) {
    auto value = d->get_var(name);
    if (!value) {
      ev.add_error(value.error());
      return {};
    }
    return value->value_or("");
  }

  void load_layers();
  void finish_bbpath();
  void load_bitbake_conf();
  std::vector<LayerCollection> collections();
};

std::string regex_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string without_trailing_slash(fs::path p) {
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') {
    s.pop_back();
  }
  return s;
}

void Loader::load_layers() {
  const fs::path bblayers = topdir / "conf" / "bblayers.conf";
  std::error_code ec;
  if (!ev.probe(bblayers)) {
    fail_at(bblayers, "not found: the build directory needs conf/bblayers.conf setting BBLAYERS");
    return;
  }
  ev.evaluate_file(bblayers);
  const std::vector<std::string> layers = split_words(var("BBLAYERS"));
  if (layers.empty()) {
    fail_at(bblayers, "BBLAYERS is not set or empty");
    return;
  }
  for (const std::string& entry : layers) {
    const std::string layer = without_trailing_slash(from_topdir(topdir, entry));
    if (!fs::is_directory(layer, ec)) {
      fail_at(bblayers, "layer directory " + layer + " (from BBLAYERS) does not exist");
      continue;
    }
    const fs::path layer_conf = fs::path(layer) / "conf" / "layer.conf";
    if (!ev.probe(layer_conf)) {
      fail_at(layer_conf, "not found: every layer needs conf/layer.conf");
      continue;
    }
    d->set_var("LAYERDIR", layer);
    d->set_var("LAYERDIR_RE", regex_escape(layer));
    ev.evaluate_file(layer_conf);
    d->expand_varref("LAYERDIR");
    d->expand_varref("LAYERDIR_RE");
  }
  d->del_var("LAYERDIR");
  d->del_var("LAYERDIR_RE");
}

void Loader::finish_bbpath() {
  std::vector<std::string> dirs;
  for (const fs::path& dir : bbpath_dirs(*d)) {
    dirs.push_back(dir.string());
  }
  for (const fs::path& extra : {topdir, options.default_metadata_dir}) {
    const std::string s = without_trailing_slash(extra);
    if (!extra.empty() && std::find(dirs.begin(), dirs.end(), s) == dirs.end()) {
      dirs.push_back(s);
    }
  }
  std::string joined;
  for (const std::string& dir : dirs) {
    joined += (joined.empty() ? "" : ":") + dir;
  }
  d->set_var("BBPATH", joined);
}

void Loader::load_bitbake_conf() {
  std::error_code ec;
  for (const fs::path& dir : bbpath_dirs(*d)) {
    const fs::path candidate = dir / "conf" / "bitbake.conf";
    if (ev.probe(candidate)) {
      ev.evaluate_file(candidate);
      return;
    }
  }
  fail_at(topdir, "conf/bitbake.conf not found along BBPATH (" + var("BBPATH") + ")");
}

std::vector<LayerCollection> Loader::collections() {
  std::vector<LayerCollection> out;
  std::vector<bool> given;
  int min_priority = 0;
  for (const std::string& name : split_words(var("BBFILE_COLLECTIONS"))) {
    LayerCollection c{name, var("BBFILE_PATTERN_" + name), 0};
    if (!c.pattern.empty() && !Regex(c.pattern).valid()) {
      fail_at(topdir, "BBFILE_PATTERN_" + name + " \"" + c.pattern +
                          "\" is not a valid regular expression");
    }
    const std::string priority = var("BBFILE_PRIORITY_" + name);
    given.push_back(!priority.empty());
    if (!priority.empty()) {
      char* end = nullptr;
      const long value = std::strtol(priority.c_str(), &end, 10);
      if (end == priority.c_str() || *end != '\0') {
        fail_at(topdir, "invalid value for BBFILE_PRIORITY_" + name + ": \"" + priority + "\"");
      }
      c.priority = static_cast<int>(value);
      if (min_priority == 0 || c.priority < min_priority) {
        min_priority = c.priority;
      }
    }
    out.push_back(std::move(c));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!given[i]) {
      out[i].priority = min_priority + 1;
    }
  }
  return out;
}

// Settings read from a loaded configuration; an expansion error is recorded and reads as "".
struct Settings {
  const DataStore& d;
  std::vector<common::Error>& errors;

  std::string operator()(std::string_view name) const {
    auto value = d.get_var(name);
    if (!value) {
      errors.push_back(value.error());
      return {};
    }
    return value->value_or("");
  }
};

std::vector<std::unique_ptr<Regex>> compile_mask(const Settings& var, const fs::path& topdir) {
  std::vector<std::unique_ptr<Regex>> out;
  for (const std::string& expr : split_words(var("BBMASK"))) {
    auto regex = std::make_unique<Regex>(expr);
    if (!regex->valid()) {
      var.errors.push_back(common::Error{common::ErrorKind::parse,
                                         "BBMASK contains an invalid regular expression: " + expr,
                                         topdir.string()});
      continue;
    }
    out.push_back(std::move(regex));
  }
  return out;
}

// Fill `config`'s recipe files and appends from BBFILES and BBMASK, as they are on disk now.
void collect_files(const Settings& var, const fs::path& topdir, Configuration& config) {
  const std::vector<std::unique_ptr<Regex>> mask = compile_mask(var, topdir);
  std::vector<std::string> patterns = split_words(var("BBFILES"));
  std::stable_sort(patterns.begin(), patterns.end(), [&](const auto& a, const auto& b) {
    return config.priority_of(a) < config.priority_of(b);
  });
  // Kept as text: ordering std::filesystem::path objects compares them component by
  // component, which costs more than the rest of finding a thousand recipes.
  std::vector<std::string> recipes;
  std::vector<fs::path> appends;
  PathGlob glob;
  for (const std::string& pattern : patterns) {
    for (const std::string& file : glob.expand(from_topdir(topdir, pattern).string())) {
      if (std::any_of(mask.begin(), mask.end(), [&](const auto& r) { return r->search(file); })) {
        continue;
      }
      if (file.ends_with(".bbappend")) {
        appends.emplace_back(file);
      } else if (file.ends_with(".bb")) {
        recipes.push_back(file);
      }
    }
  }
  std::sort(recipes.begin(), recipes.end());
  recipes.erase(std::unique(recipes.begin(), recipes.end()), recipes.end());
  config.recipe_files = std::move(recipes);
  config.appends.clear();
  config.dangling_appends.clear();
  for (const fs::path& append : appends) {
    bool used = false;
    for (const std::string& recipe : config.recipe_files) {
      if (append_matches(append.filename().string(), fs::path(recipe).filename().string())) {
        config.appends[recipe].push_back(append);
        used = true;
      }
    }
    if (!used) {
      config.dangling_appends.push_back(append);
    }
  }
}

} // namespace

const std::vector<fs::path>& Configuration::appends_for(const std::string& recipe) const {
  static const std::vector<fs::path> k_none;
  auto it = appends.find(recipe);
  return it == appends.end() ? k_none : it->second;
}

int Configuration::priority_of(const std::string& file) const {
  for (const LayerCollection& c : collections) {
    if (!c.pattern.empty() && Regex(c.pattern).match_start(file)) {
      return c.priority;
    }
  }
  return 0;
}

bool append_matches(std::string_view append_name, std::string_view recipe_name) {
  if (!append_name.ends_with(".bbappend")) {
    return false;
  }
  const std::string base = std::string(append_name.substr(0, append_name.size() - 9)) + ".bb";
  if (base == recipe_name) {
    return true;
  }
  const std::size_t wildcard = base.find('%');
  return wildcard != std::string::npos &&
         recipe_name.starts_with(std::string_view(base).substr(0, wildcard));
}

common::Result<Configuration> load_configuration(const LoadOptions& options) {
  std::error_code ec;
  const fs::path topdir = fs::absolute(options.builddir, ec).lexically_normal();
  auto data = std::make_shared<DataStore>();
  data->set_python(options.python);
  Loader loader(options, topdir, data, std::make_shared<ParseCache>());
  data->set_var("TOPDIR", without_trailing_slash(topdir));
  loader.load_layers();
  loader.finish_bbpath();
  loader.load_bitbake_conf();
  loader.ev.inherit("base " + loader.var("INHERIT"), Origin{Symbol("configuration INHERIT"), 0});

  Configuration config;
  config.collections = loader.collections();
  std::vector<common::Error> errors = loader.ev.errors();
  collect_files(Settings{*data, errors}, topdir, config);
  if (!errors.empty()) {
    return common::fail(combine_errors(errors));
  }
  config.data = std::move(data);
  config.cache = std::move(loader.cache);
  config.files = std::make_shared<const FileLog>(loader.ev.files());
  return config;
}

common::Result<void> refresh_recipe_files(Configuration& config) {
  std::vector<common::Error> errors;
  fs::path topdir = value_or_empty(*config.data, "TOPDIR");
  collect_files(Settings{*config.data, errors}, topdir, config);
  if (!errors.empty()) {
    return common::fail(combine_errors(errors));
  }
  return {};
}

} // namespace bbrun::server::metadata
