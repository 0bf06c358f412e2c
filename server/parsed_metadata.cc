// SPDX-License-Identifier: MIT
// Parallel recipe parsing with progress events.
#include "server/parsed_metadata.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

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

// Parses the recipes of `config` into `results`, each slot written by exactly one thread.
class RecipeParser {
public:
  explicit RecipeParser(const metadata::Configuration& config)
      : m_config(config), m_results(config.recipe_files.size()) {}

  void run(EventSink& events) {
    size_t total = m_results.size();
    std::vector<std::thread> workers;
    for (size_t i = 1; i < thread_count(total); ++i) {
      workers.emplace_back([this] { work(); });
    }
    // The calling thread reports progress while helping: it parses one recipe at a time and
    // checks the clock in between.
    auto last_report = std::chrono::steady_clock::now();
    while (parse_next()) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= k_progress_interval) {
        last_report = now;
        events.send_event(protocol::make_event(protocol::event::parse_progress,
                                               {{"current", m_done.load()}, {"total", total}}));
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
    m_results[index] = metadata::parse_recipe(m_config, m_config.recipe_files[index]);
    m_done.fetch_add(1);
    return true;
  }

  const metadata::Configuration& m_config;
  std::vector<std::optional<common::Result<metadata::Recipe>>> m_results;
  std::atomic<size_t> m_next{0};
  std::atomic<size_t> m_done{0};
};

} // namespace

void send_log_message(EventSink& events, std::string_view level, std::string_view message) {
  events.send_event(
      protocol::make_event(protocol::event::log_message, {{"level", level}, {"message", message}}));
}

common::Result<ParsedMetadata> parse_metadata(const metadata::LoadOptions& options,
                                              EventSink& events) {
  auto config = metadata::load_configuration(options);
  if (!config) {
    return common::fail(config.error());
  }
  ParsedMetadata parsed{std::move(*config), {}, {}};
  size_t total = parsed.config.recipe_files.size();
  events.send_event(protocol::make_event(protocol::event::parse_started, {{"total", total}}));
  RecipeParser parser(parsed.config);
  parser.run(events);
  for (auto& slot : parser.results()) {
    auto& result = *slot;
    if (result) {
      parsed.recipes.push_back(std::move(*result));
    } else {
      parsed.errors.push_back(result.error().describe());
    }
  }
  events.send_event(protocol::make_event(
      protocol::event::parse_completed,
      {{"total", total}, {"parsed", total}, {"cached", 0}, {"errors", parsed.errors.size()}}));
  return parsed;
}

} // namespace bbrun::server
