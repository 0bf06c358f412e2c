// SPDX-License-Identifier: MIT
// The parse cache in sqlite.
#include "server/parse_store.h"

#include "common/build_id.h"
#include "common/unique_fd.h"
#include "server/metadata/recipe_codec.h"
#include "server/parallel.h"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace bbrun::server {

using common::ErrorKind;
using common::fail;

namespace {

constexpr std::string_view k_schema = R"(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA mmap_size=268435456;
CREATE TABLE IF NOT EXISTS context(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS layers(file TEXT PRIMARY KEY, layer BLOB NOT NULL);
)";

const std::string& own_build_id() {
  static const std::string id = common::executable_build_id("/proc/self/exe");
  return id;
}

std::string sqlite_message(sqlite3* db, std::string_view what) {
  return fmt::format("{}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

// A prepared statement, finalized when it goes out of scope.
class Statement {
public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(m_stmt); }

  bool ok() const { return m_stmt != nullptr; }
  void bind_text(int index, std::string_view text) {
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind(int index, std::string_view bytes) {
    sqlite3_bind_blob(m_stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  int step() { return sqlite3_step(m_stmt); }
  int integer(int index) { return sqlite3_column_int(m_stmt, index); }
  void reset() { sqlite3_reset(m_stmt); }
  std::string_view column(int index) {
    const void* data = sqlite3_column_blob(m_stmt, index);
    return data != nullptr
               ? std::string_view(static_cast<const char*>(data),
                                  static_cast<size_t>(sqlite3_column_bytes(m_stmt, index)))
               : std::string_view();
  }

private:
  sqlite3_stmt* m_stmt = nullptr;
};

std::optional<std::string> context_value(sqlite3* db, std::string_view key) {
  Statement select(db, "SELECT value FROM context WHERE key=?1");
  if (!select.ok()) {
    return std::nullopt;
  }
  select.bind_text(1, key);
  if (select.step() != SQLITE_ROW) {
    return std::nullopt;
  }
  return std::string(select.column(0));
}

// Open `path` and bring it to this format; a store of another format is emptied (it is only a
// cache). Fails when the file is not a usable database; without `create`, also when there is
// none, or one in another format.
common::Result<sqlite3*> open_database(const std::filesystem::path& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  bool ok = sqlite3_open_v2(path.c_str(), &db, flags, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_busy_timeout(db, 5000);
    int format = 0;
    {
      Statement version(db, "PRAGMA user_version");
      ok = version.ok() && version.step() == SQLITE_ROW;
      format = ok ? version.integer(0) : 0;
    }
    ok = ok && (create || format == ParseStore::k_format);
    // A store already in this format needs nothing written: a write here would cost a new
    // server two fsyncs before it reads anything. Reading it through a mapping saves a
    // pread per page of a load that reads every page.
    std::string setup =
        format == ParseStore::k_format
            ? std::string("PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;")
            : fmt::format("{} {} PRAGMA user_version={};",
                          format != 0
                              ? "DROP TABLE IF EXISTS context; DROP TABLE IF EXISTS recipes; "
                                "DROP TABLE IF EXISTS layers;"
                              : "",
                          k_schema, ParseStore::k_format);
    ok = ok && sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  if (!ok) {
    auto message = sqlite_message(db, "open " + path.string());
    sqlite3_close(db);
    return fail(ErrorKind::io, message);
  }
  return db;
}

void remove_database(const std::filesystem::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix, ec);
  }
}

} // namespace

/// The recipes of one load, and what they build their datastores from on first use: the
/// configuration, given once it is loaded, and their layers, read from the store all at once
/// when the first is needed, or when the store is about to change or close (`keep`). Recipes
/// may ask from any thread; the database is used by one at a time, under the lock.
class StoredRecipes : public metadata::RecipeSource {
public:
  explicit StoredRecipes(sqlite3* db) : m_db(db) {}

  void set_configuration(std::shared_ptr<const metadata::Configuration> config) {
    m_config = std::move(config);
  }
  const metadata::Configuration& configuration() const override { return *m_config; }

  /// The layer saved for `file`, handed out once.
  std::optional<std::string> layer(const std::string& file) override {
    std::lock_guard lock(m_mutex);
    read_all();
    auto found = m_layers.find(file);
    if (found == m_layers.end()) {
      return std::nullopt;
    }
    std::string layer = std::move(found->second);
    m_layers.erase(found);
    return layer;
  }

  /// Read them now if no recipe has yet, and let go of the database.
  void keep() {
    std::lock_guard lock(m_mutex);
    read_all();
  }

private:
  void read_all() {
    if (m_db == nullptr) {
      return;
    }
    // Those of recipes that no longer hold too: they are few, and gone with this object.
    Statement select(m_db, "SELECT file, layer FROM layers");
    while (select.ok() && select.step() == SQLITE_ROW) {
      m_layers.emplace(select.column(0), select.column(1));
    }
    m_db = nullptr;
  }

  std::shared_ptr<const metadata::Configuration> m_config;
  std::mutex m_mutex;
  sqlite3* m_db; ///< until the layers are read
  std::unordered_map<std::string, std::string> m_layers;
};

/// What a store holds of the parse that saved it: its recipes decoded, and which of the files
/// they used still look as they were seen, for a configuration yet to be compared.
struct SavedParse {
  metadata::FileLog configuration; ///< what the configuration was parsed from
  std::string bytes;               ///< the snapshot's encoding: `snapshot` points into it
  metadata::RecipeSnapshot snapshot;
  std::shared_ptr<StoredRecipes> source;
  std::vector<metadata::Recipe> recipes;
  std::vector<char> decoded; ///< per recipe: its header decoded
  std::vector<char> same;    ///< per file of the snapshot: it still looks as it was seen
};

namespace {

// The parse saved in `db` if this binary saved it, its files not yet checked; null if none.
std::unique_ptr<SavedParse> read_saved(sqlite3* db) {
  if (context_value(db, "build_id") != own_build_id()) {
    return nullptr;
  }
  auto log = context_value(db, "configuration");
  auto configuration = log ? metadata::decode_file_log(*log) : std::nullopt;
  auto bytes = configuration ? context_value(db, "recipes") : std::nullopt;
  if (!bytes) {
    return nullptr;
  }
  auto saved = std::make_unique<SavedParse>();
  saved->configuration = std::move(*configuration);
  saved->bytes = std::move(*bytes);
  auto snapshot = metadata::decode_snapshot(saved->bytes);
  if (!snapshot) {
    return nullptr;
  }
  saved->snapshot = std::move(*snapshot);
  saved->source = std::make_shared<StoredRecipes>(db);
  return saved;
}

// Decode the saved recipes, and find which files they used still look as they did: a stat
// each (the snapshot names each path once), relative to its directory, opened once: a path
// walked from the root costs a third more, and a thousand recipes share a few directories.
void decode_and_check(SavedParse& saved, metadata::SettledContents& settled,
                      JoinableRounds& rounds) {
  saved.recipes.resize(saved.snapshot.recipes.size());
  saved.decoded.resize(saved.recipes.size());
  rounds.run(saved.recipes.size(), [&](size_t i) {
    if (auto recipe = metadata::decode_recipe(saved.snapshot, i, saved.source)) {
      saved.recipes[i] = std::move(*recipe);
      saved.decoded[i] = 1;
    }
  });
  const auto& files = saved.snapshot.files;
  std::unordered_map<std::string_view, common::UniqueFd> directories;
  std::vector<std::pair<int, const char*>> where(files.size(), {AT_FDCWD, nullptr});
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i].path.str();
    size_t slash = path.rfind('/');
    where[i].second = path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
    if (slash != std::string::npos) {
      auto [directory, added] = directories.try_emplace(std::string_view(path).substr(0, slash));
      if (added) {
        std::string name = slash == 0 ? "/" : path.substr(0, slash);
        directory->second.reset(::open(name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      }
      where[i].first = directory->second.get(); // -1 when it is gone: so is the file
    }
  }
  metadata::FileStatCache stats(&settled);
  saved.same.resize(files.size());
  rounds.run(files.size(), [&](size_t i) {
    auto [directory, name] = where[i];
    auto now = directory == -1 ? metadata::FileState{}
                               : metadata::file_state_at(directory, name, files[i].state.read);
    saved.same[i] = metadata::still_as_seen(files[i], now, stats);
  });
}

} // namespace

common::Result<ParseStore> ParseStore::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  auto db = open_database(path, true);
  if (!db) {
    remove_database(path);
    db = open_database(path, true);
  }
  if (!db) {
    return fail(db.error());
  }
  return ParseStore(*db);
}

std::optional<ParseStore> ParseStore::preload(const std::filesystem::path& path,
                                              metadata::SettledContents& settled,
                                              JoinableRounds& rounds) {
  auto db = open_database(path, false);
  if (!db) {
    return std::nullopt;
  }
  ParseStore store(*db);
  store.m_preloaded = read_saved(*db);
  if (store.m_preloaded) {
    decode_and_check(*store.m_preloaded, settled, rounds);
  }
  return store;
}

std::filesystem::path ParseStore::path_for(const metadata::Configuration& config,
                                           const std::filesystem::path& builddir) {
  std::string tmpdir = metadata::value_or_empty(*config.data, "TMPDIR");
  return path_in(tmpdir.empty() ? builddir / "tmp" : std::filesystem::path(tmpdir));
}

std::filesystem::path ParseStore::path_in(const std::filesystem::path& tmpdir) {
  return tmpdir / "cache" / "bbrun-parse.db";
}

ParseStore::ParseStore(sqlite3* db) : m_db(db) {}

ParseStore::ParseStore(ParseStore&& other) noexcept {
  *this = std::move(other);
}

ParseStore& ParseStore::operator=(ParseStore&& other) noexcept {
  if (this != &other) {
    keep_layers();
    sqlite3_close(m_db);
    m_db = std::exchange(other.m_db, nullptr);
    m_layers = std::move(other.m_layers);
    m_preloaded = std::move(other.m_preloaded);
    m_context_current = other.m_context_current;
  }
  return *this;
}

ParseStore::~ParseStore() {
  keep_layers();
  sqlite3_close(m_db);
}

void ParseStore::keep_layers() {
  // Only recipes still alive can ask for their layer: when none is (a server shutting down
  // drops its recipes first), there is nothing to keep.
  if (m_layers && m_layers.use_count() > 1) {
    m_layers->keep();
  }
  m_layers.reset();
}

std::vector<metadata::Recipe>
ParseStore::load(std::shared_ptr<const metadata::Configuration> config,
                 metadata::SettledContents& settled) {
  keep_layers();
  bool preloaded = m_preloaded != nullptr;
  auto saved = preloaded ? std::move(m_preloaded) : read_saved(m_db);
  // Saved over the same configuration: one parsed from the same text.
  m_context_current = saved && config->files && config->files->same_content(saved->configuration);
  if (!m_context_current) {
    return {};
  }
  if (!preloaded) {
    JoinableRounds alone;
    decode_and_check(*saved, settled, alone);
  }
  saved->source->set_configuration(config);
  const auto& same = saved->same;
  // Those that hold stay where they are (usually all of them), the others are closed over.
  std::vector<metadata::Recipe> holding = std::move(saved->recipes);
  size_t kept = 0;
  for (size_t i = 0; i < holding.size(); ++i) {
    auto files = saved->snapshot.files_of(saved->snapshot.recipes[i]);
    if (saved->decoded[i] != 0 && holding[i].appends == config->appends_for(holding[i].file) &&
        std::all_of(files.begin(), files.end(), [&](uint32_t id) { return same[id] != 0; })) {
      if (kept != i) {
        holding[kept] = std::move(holding[i]);
      }
      ++kept;
    }
  }
  holding.erase(holding.begin() + static_cast<std::ptrdiff_t>(kept), holding.end());
  m_layers = std::move(saved->source);
  return holding;
}

common::Result<void> ParseStore::save(const metadata::Configuration& config,
                                      const std::vector<const metadata::Recipe*>& recipes,
                                      const std::unordered_set<std::string>& changed) {
  if (!config.files) {
    return {};
  }
  keep_layers();
  bool ok = sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  bool every_layer = !m_context_current;
  Statement put(m_db, "INSERT OR REPLACE INTO context VALUES(?1, ?2)");
  ok = ok && put.ok();
  std::string snapshot = metadata::encode_snapshot(recipes);
  std::string log = metadata::encode_file_log(*config.files);
  for (auto [key, value] :
       {std::pair<std::string_view, std::string_view>{"build_id", own_build_id()},
        {"configuration", log},
        {"recipes", snapshot}}) {
    put.bind_text(1, key);
    put.bind(2, value);
    ok = ok && put.step() == SQLITE_DONE;
    put.reset();
  }
  ok = ok && write_layers(recipes, every_layer ? nullptr : &changed);
  if (!ok || sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto message = sqlite_message(m_db, "save parsed recipes");
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_context_current = false;
    return fail(ErrorKind::io, message);
  }
  m_context_current = true;
  return {};
}

bool ParseStore::write_layers(const std::vector<const metadata::Recipe*>& recipes,
                              const std::unordered_set<std::string>* changed) {
  std::unordered_set<std::string> kept;
  for (const auto* recipe : recipes) {
    kept.insert(recipe->file);
  }
  // Layers of recipes gone from the snapshot are dropped: they would only take space.
  std::vector<std::string> gone;
  {
    Statement select(m_db, "SELECT file FROM layers");
    while (select.ok() && select.step() == SQLITE_ROW) {
      if (std::string file(select.column(0)); !kept.contains(file)) {
        gone.push_back(std::move(file));
      }
    }
  }
  Statement remove(m_db, "DELETE FROM layers WHERE file=?1");
  Statement insert(m_db, "INSERT OR REPLACE INTO layers VALUES(?1, ?2)");
  bool ok = remove.ok() && insert.ok();
  for (const auto& file : gone) {
    remove.bind_text(1, file);
    ok = ok && remove.step() == SQLITE_DONE;
    remove.reset();
  }
  for (const auto* recipe : recipes) {
    if (ok && (changed == nullptr || changed->contains(recipe->file))) {
      std::string layer = metadata::encode_layer(*recipe);
      insert.bind_text(1, recipe->file);
      insert.bind(2, layer);
      ok = insert.step() == SQLITE_DONE;
      insert.reset();
    }
  }
  return ok;
}

} // namespace bbrun::server
