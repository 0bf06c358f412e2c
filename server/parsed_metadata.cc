// SPDX-License-Identifier: MIT
// Parallel recipe parsing with progress events.
#include "server/parsed_metadata.h"

#include "common/log.h"
#include "server/parallel.h"
#include "server/python/metadata_python.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <unordered_set>

namespace bbrun::server {

namespace protocol = common::protocol;

namespace {

// Below this many recipes per thread, starting threads costs more than it saves.
constexpr size_t k_recipes_per_thread = 64;
constexpr auto k_progress_interval = std::chrono::milliseconds(100);

size_t thread_count(size_t recipes) {
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(recipes / k_recipes_per_thread, 1, cores);
}

// Parses the recipe files `wanted` of `config` into `results`, each slot written by exactly
// one thread.
class RecipeParser {
public:
  RecipeParser(const metadata::Configuration& config, std::vector<std::filesystem::path> wanted)
      : m_config(config), m_wanted(std::move(wanted)), m_results(m_wanted.size()) {}

  void run(EventSink& events, size_t already_done, size_t total) {
    std::vector<std::thread> workers;
    for (size_t i = 1; i < thread_count(m_wanted.size()); ++i) {
      workers.emplace_back([this] { work(); });
    }
    // The calling thread reports progress while helping: it parses one recipe at a time and
    // checks the clock in between.
    auto last_report = std::chrono::steady_clock::now();
    while (parse_next()) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= k_progress_interval) {
        last_report = now;
        events.send_event(
            protocol::make_event(protocol::event::parse_progress,
                                 {{"current", already_done + m_done.load()}, {"total", total}}));
      }
    }
    for (auto& worker : workers) {
      worker.join();
    }
  }

  std::vector<std::optional<common::Result<metadata::Recipe>>>& results() { return m_results; }

private:
  void work() {
    while (parse_next()) {
    }
  }
  bool parse_next() {
    size_t index = m_next.fetch_add(1);
    if (index >= m_results.size()) {
      return false;
    }
    m_results[index] = metadata::parse_recipe(m_config, m_wanted[index]);
    m_done.fetch_add(1);
    return true;
  }

  const metadata::Configuration& m_config;
  std::vector<std::filesystem::path> m_wanted;
  std::vector<std::optional<common::Result<metadata::Recipe>>> m_results;
  std::atomic<size_t> m_next{0};
  std::atomic<size_t> m_done{0};
};

// A recipe from the last parse still holds when it is parsed from the same files, with the same
// appends, and none of what it read or looked for changed.
bool still_valid(const metadata::Recipe& recipe, const metadata::Configuration& config,
                 metadata::FileStatCache& stats) {
  return recipe.files && recipe.appends == config.appends_for(recipe.file) &&
         recipe.files->unchanged(&stats);
}

// still_valid for each of `recipes`: a stat per file they used, spread over the cores.
std::vector<char> check_still_valid(const std::vector<metadata::Recipe>& recipes,
                                    const metadata::Configuration& config,
                                    metadata::SettledContents& settled) {
  constexpr size_t k_checks_per_thread = 128;
  metadata::FileStatCache stats(&settled);
  std::vector<char> valid(recipes.size());
  parallel_for(recipes.size(), k_checks_per_thread,
               [&](size_t i) { valid[i] = still_valid(recipes[i], config, stats); });
  return valid;
}

// For each of `files` (sorted, as BBFILES' expansion is), the recipe among `candidates` parsed
// from it, or null. A walk through both in order: they usually come sorted already.
std::vector<const metadata::Recipe*>
match_by_file(const std::vector<std::string>& files,
              std::vector<const metadata::Recipe*> candidates) {
  auto by_file = [](const metadata::Recipe* a, const metadata::Recipe* b) {
    return a->file < b->file;
  };
  if (!std::is_sorted(candidates.begin(), candidates.end(), by_file)) {
    std::sort(candidates.begin(), candidates.end(), by_file);
  }
  std::vector<const metadata::Recipe*> matched(files.size());
  auto next = candidates.begin();
  for (size_t i = 0; i < files.size(); ++i) {
    while (next != candidates.end() && (*next)->file < files[i]) {
      ++next;
    }
    if (next != candidates.end() && (*next)->file == files[i]) {
      matched[i] = *next;
    }
  }
  return matched;
}

} // namespace

void send_log_message(EventSink& events, std::string_view level, std::string_view message) {
  events.send_event(
      protocol::make_event(protocol::event::log_message, {{"level", level}, {"message", message}}));
}

std::optional<metadata::Configuration> MetadataCache::unchanged_configuration() {
  metadata::FileStatCache stats(&m_settled);
  if (!m_last || !m_last->config.files || !m_last->config.files->unchanged(&stats)) {
    return std::nullopt;
  }
  metadata::Configuration config = m_last->config;
  // Includes and classes are parsed afresh for the recipes that changed: one of them may be
  // what changed.
  config.cache = std::make_shared<metadata::ParseCache>();
  if (!metadata::refresh_recipe_files(config)) {
    return std::nullopt; // let a full load report the error
  }
  return config;
}

void MetadataCache::preload() {
  m_preloaded_path = ParseStore::path_in(m_options.builddir / "tmp");
  // The path by value: the thread may still run while this object is destroyed.
  m_preloaded = std::async(std::launch::async, [this, path = m_preloaded_path] {
    // However it ends: the first parse may be waiting to join its work.
    struct Finish {
      JoinableRounds& rounds;
      ~Finish() { rounds.finish(); }
    } finish{m_preload_rounds};
    return ParseStore::preload(path, m_settled, m_preload_rounds);
  });
}

void MetadataCache::drop_preloaded() {
  if (m_preloaded.valid()) {
    m_preloaded.get();
  }
}

std::vector<metadata::Recipe> MetadataCache::saved_recipes(const metadata::Configuration& config,
                                                           std::optional<ParseStore> preloaded) {
  auto path = ParseStore::path_for(config, m_options.builddir);
  if (preloaded && m_preloaded_path == path) {
    m_store = std::move(preloaded);
    m_store_path = path;
  }
  if (!m_store || m_store_path != path) {
    m_store.reset();
    auto store = ParseStore::open(path);
    if (!store) {
      common::log::warning("parse cache {} unusable: {}", path.string(), store.error().message);
      return {};
    }
    m_store = std::move(*store);
    m_store_path = path;
  }
  return m_store->load(std::make_shared<const metadata::Configuration>(config), m_settled);
}

void MetadataCache::save(const ParsedMetadata& parsed,
                         const std::vector<std::filesystem::path>& fresh) {
  if (!m_store || fresh.empty()) {
    return;
  }
  std::unordered_set<std::string> changed;
  for (const auto& file : fresh) {
    changed.insert(file);
  }
  std::vector<const metadata::Recipe*> recipes;
  recipes.reserve(parsed.recipes.size());
  for (const auto& recipe : parsed.recipes) {
    recipes.push_back(&recipe);
  }
  if (auto saved = m_store->save(parsed.config, recipes, changed); !saved) {
    common::log::warning("{}", saved.error().message);
  }
}

common::Result<std::shared_ptr<const ParsedMetadata>> MetadataCache::parse(EventSink& events) {
  double started = protocol::monotonic_seconds();
  auto parsed = std::make_shared<ParsedMetadata>();
  // The recipes that may be reused: the last parse's still valid, or those `saved` (this
  // parse's own: moved, not copied).
  std::vector<const metadata::Recipe*> candidates;
  std::vector<metadata::Recipe> saved;
  bool config_unchanged = false;
  if (auto config = unchanged_configuration()) {
    config_unchanged = true;
    parsed->config = std::move(*config);
    const auto& recipes = m_last->recipes;
    auto valid = check_still_valid(recipes, parsed->config, m_settled);
    for (size_t i = 0; i < recipes.size(); ++i) {
      if (valid[i] != 0) {
        candidates.push_back(&recipes[i]);
      }
    }
  } else {
    auto loaded = metadata::load_configuration(m_options);
    // Taken whatever happens: no thread of this parse outlives it. Helped first: what is left
    // of its work is this parse's next step.
    if (m_preloaded.valid()) {
      m_preload_rounds.join();
    }
    auto preloaded = m_preloaded.valid() ? m_preloaded.get() : std::nullopt;
    if (!loaded) {
      m_last.reset();
      return common::fail(loaded.error());
    }
    parsed->config = std::move(*loaded);
    saved = saved_recipes(parsed->config, std::move(preloaded));
    for (const auto& recipe : saved) {
      candidates.push_back(&recipe);
    }
  }
  const auto& files = parsed->config.recipe_files;
  // For each file, the recipe to reuse, or null: parse it.
  auto reused = match_by_file(files, std::move(candidates));
  std::vector<std::filesystem::path> wanted;
  for (size_t i = 0; i < files.size(); ++i) {
    if (reused[i] == nullptr) {
      wanted.push_back(files[i]);
    }
  }
  size_t cached = files.size() - wanted.size();
  events.send_event(
      protocol::make_event(protocol::event::parse_started, {{"total", files.size()}}));
  RecipeParser parser(parsed->config, wanted);
  {
    // bb.note and friends from the recipes: to the UI once the parse threads are done.
    python::MessageCapture messages;
    parser.run(events, cached, files.size());
    for (const auto& message : messages.take()) {
      send_log_message(events, message.level, message.text);
    }
  }
  const size_t from_disk = saved.size();
  // A new server whose saved recipes all hold: they are the parse, in file order already.
  bool all_saved = wanted.empty() && saved.size() == files.size();
  for (size_t i = 0; all_saved && i < files.size(); ++i) {
    all_saved = reused[i] == &saved[i];
  }
  if (all_saved) {
    parsed->recipes = std::move(saved);
    reused.clear();
  }
  // Keep file order: reused and new recipes interleave.
  auto fresh = parser.results().begin();
  parsed->recipes.reserve(files.size());
  for (const metadata::Recipe* recipe : reused) {
    if (recipe != nullptr && config_unchanged) {
      parsed->recipes.push_back(*recipe);
      continue;
    }
    if (recipe != nullptr) {
      parsed->recipes.push_back(std::move(saved[static_cast<size_t>(recipe - saved.data())]));
      continue;
    }
    auto& result = **fresh++;
    if (result) {
      parsed->recipes.push_back(std::move(*result));
    } else {
      parsed->errors.push_back(result.error().describe());
    }
  }
  events.send_event(
      protocol::make_event(protocol::event::parse_completed, {{"total", files.size()},
                                                              {"parsed", wanted.size()},
                                                              {"cached", cached},
                                                              {"errors", parsed->errors.size()}}));
  common::log::info("{} recipes: {} parsed, {} from the parse cache on disk, {} kept; {:.1f} ms",
                    files.size(), wanted.size(), from_disk, cached - from_disk,
                    (protocol::monotonic_seconds() - started) * 1000);
  // Nothing changed: hand out the same object, so what callers derived from it still holds.
  if (config_unchanged && wanted.empty() && files == m_last->config.recipe_files) {
    return m_last;
  }
  save(*parsed, wanted);
  m_last = parsed;
  return std::shared_ptr<const ParsedMetadata>(std::move(parsed));
}

} // namespace bbrun::server
