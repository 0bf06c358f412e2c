// SPDX-License-Identifier: MIT
// Recipe bytes: LEB128 numbers and length-prefixed strings, in a fixed order.
#include "server/metadata/recipe_codec.h"

#include "common/log.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <unordered_map>

namespace bbrun::server::metadata {

namespace {

class ByteWriter {
public:
  void number(uint64_t value) {
    while (value >= 0x80) {
      m_out += static_cast<char>((value & 0x7f) | 0x80);
      value >>= 7;
    }
    m_out += static_cast<char>(value);
  }
  void signed_number(int64_t value) { number(static_cast<uint64_t>(value)); }
  void text(std::string_view value) {
    number(value.size());
    m_out += value;
  }
  void optional_text(const std::optional<std::string>& value) {
    number(value ? 1 : 0);
    if (value) {
      text(*value);
    }
  }
  std::string take() { return std::move(m_out); }

private:
  std::string m_out;
};

// Every read checks the bounds: once one fails, `ok()` stays false and reads return zeros.
class ByteReader {
public:
  explicit ByteReader(std::string_view bytes) : m_bytes(bytes) {}

  uint64_t number() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && m_at < m_bytes.size(); shift += 7) {
      auto byte = static_cast<unsigned char>(m_bytes[m_at++]);
      value |= uint64_t(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return value;
      }
    }
    m_ok = false;
    return 0;
  }
  int64_t signed_number() { return static_cast<int64_t>(number()); }
  /// A count of items that each take at least `bytes_each` bytes: more than the bytes left
  /// hold is garbage (and is never allocated for).
  size_t count(size_t bytes_each = 1) {
    uint64_t n = number();
    if (n > (m_bytes.size() - m_at) / bytes_each) {
      m_ok = false;
      return 0;
    }
    return static_cast<size_t>(n);
  }
  /// The next string, viewed in the bytes.
  std::string_view view() {
    size_t size = count();
    std::string_view value = m_ok ? m_bytes.substr(m_at, size) : std::string_view();
    m_at += value.size();
    return value;
  }
  std::string text() { return std::string(view()); }
  std::optional<std::string> optional_text() {
    return number() != 0 ? std::optional(text()) : std::nullopt;
  }
  bool ok() const { return m_ok; }
  bool at_end() const { return m_at == m_bytes.size(); }
  /// The bytes not read yet.
  std::string_view rest() const { return m_bytes.substr(std::min(m_at, m_bytes.size())); }

private:
  std::string_view m_bytes;
  size_t m_at = 0;
  bool m_ok = true;
};

void write_modifiers(ByteWriter& out, const std::vector<Modifier>& modifiers) {
  out.number(modifiers.size());
  for (const auto& modifier : modifiers) {
    out.text(modifier.value);
    out.text(modifier.overrides);
  }
}

std::vector<Modifier> read_modifiers(ByteReader& in) {
  std::vector<Modifier> modifiers(in.count());
  for (auto& modifier : modifiers) {
    modifier.value = in.text();
    modifier.overrides = in.text();
  }
  return modifiers;
}

void write_entry(ByteWriter& out, const VarEntry& entry) {
  out.optional_text(entry.content);
  out.number(entry.flags.size());
  for (const auto& [flag, value] : entry.flags) {
    out.text(flag.view());
    out.text(value);
  }
  write_modifiers(out, entry.appends);
  write_modifiers(out, entry.prepends);
  write_modifiers(out, entry.removes);
  out.number(entry.variants.size());
  for (const auto& variant : entry.variants) {
    out.text(variant.name.view());
    out.text(variant.overrides);
  }
  out.text(entry.origin.file.view());
  out.number(entry.origin.line);
}

VarEntry read_entry(ByteReader& in) {
  VarEntry entry;
  entry.content = in.optional_text();
  entry.flags.resize(in.count());
  for (auto& [flag, value] : entry.flags) {
    flag = Symbol(in.view());
    value = in.text();
  }
  entry.appends = read_modifiers(in);
  entry.prepends = read_modifiers(in);
  entry.removes = read_modifiers(in);
  entry.variants.resize(in.count());
  for (auto& variant : entry.variants) {
    variant.name = Symbol(in.view());
    variant.overrides = in.text();
  }
  entry.origin.file = Symbol(in.view());
  entry.origin.line = static_cast<uint32_t>(in.number());
  return entry;
}

void write_state(ByteWriter& out, const FileState& state) {
  out.number((state.exists ? 1 : 0) | (state.read ? 2 : 0));
  out.number(state.inode);
  out.signed_number(state.size);
  out.signed_number(state.mtime_ns);
  out.signed_number(state.ctime_ns);
  out.signed_number(state.seen_ns);
  out.number(state.content_hash);
}

FileState read_state(ByteReader& in) {
  FileState state;
  uint64_t bits = in.number();
  state.exists = (bits & 1) != 0;
  state.read = (bits & 2) != 0;
  state.inode = in.number();
  state.size = in.signed_number();
  state.mtime_ns = in.signed_number();
  state.ctime_ns = in.signed_number();
  state.seen_ns = in.signed_number();
  state.content_hash = static_cast<size_t>(in.number());
  return state;
}

void write_file_log(ByteWriter& out, const FileLog& log) {
  out.number(log.paths().size());
  for (const auto& [path, state] : log.paths()) {
    out.text(path.view());
    write_state(out, state);
  }
}

FileLog read_file_log(ByteReader& in) {
  FileLog log;
  size_t count = in.count();
  log.reserve(count);
  for (size_t n = count; n > 0 && in.ok(); --n) {
    Symbol path(in.view());
    log.restore(path, read_state(in));
  }
  return log;
}

// The same file seen alike by two parses: one entry of a snapshot's file table. When it was seen
// does not count; the entry keeps the earliest sighting, which treats a file modified just before
// as racy the longest.
struct SameSighting {
  bool operator()(const LoggedPath& a, const LoggedPath& b) const {
    const FileState& x = a.state;
    const FileState& y = b.state;
    return a.path == b.path && x.exists == y.exists && x.read == y.read && x.inode == y.inode &&
           x.size == y.size && x.mtime_ns == y.mtime_ns && x.ctime_ns == y.ctime_ns &&
           x.content_hash == y.content_hash;
  }
};

struct SightingHash {
  size_t operator()(const LoggedPath& a) const {
    return SymbolHash{}(a.path) ^ (std::hash<int64_t>{}(a.state.mtime_ns) * 31) ^
           a.state.content_hash;
  }
};

bool is_python_def(const VarEntry& entry) {
  return entry.content && entry.content->starts_with("def ") &&
         entry.flag(Symbol("python")) != nullptr;
}

// A recipe's own datastore layer over `parent`, with its python `def` functions defined again as
// parsing did; nullptr when `bytes` do not decode.
std::shared_ptr<DataStore> decode_layer(std::string_view bytes,
                                        const std::shared_ptr<const DataStore>& parent,
                                        const std::filesystem::path& file) {
  auto data = std::make_shared<DataStore>(parent);
  ByteReader in(bytes);
  for (size_t n = in.count(); n > 0 && in.ok(); --n) {
    Symbol name(in.view());
    data->restore_entry(name, read_entry(in));
  }
  if (!in.ok() || !in.at_end()) {
    return nullptr;
  }
  if (PythonEvaluator* python = data->python()) {
    for (const auto& [name, entry] : data->local_entries()) {
      if (is_python_def(entry) &&
          !python->define_function(name.view(), *entry.content, entry.origin.file.view(),
                                   entry.origin.line)) {
        common::log::error("parse cache: cannot define {} of {} again", name.view(), file.string());
      }
    }
  }
  return data;
}

// The datastore of `file` from its saved layer, or, when that is gone or damaged, from parsing
// the file again (what a cold parse would have done).
std::shared_ptr<DataStore> build_layer(const std::optional<std::string>& bytes,
                                       const Configuration& config,
                                       const std::filesystem::path& file) {
  if (bytes) {
    ByteReader in(*bytes);
    uint64_t checksum = in.number();
    std::string_view entries = in.rest();
    if (in.ok() && std::hash<std::string_view>{}(entries) == checksum) {
      if (auto data = decode_layer(entries, config.data, file)) {
        return data;
      }
    }
  }
  common::log::error("parse cache: the saved variables of {} are {}; parsing it again",
                     file.string(), bytes ? "damaged" : "missing");
  // Its includes and classes read afresh too: what the load's cache holds may be old by now.
  Configuration afresh = config;
  afresh.cache = std::make_shared<ParseCache>();
  auto parsed = parse_recipe(afresh, file);
  if (!parsed) {
    common::log::error("{}", parsed.error().describe());
    return std::make_shared<DataStore>(config.data);
  }
  return parsed->data;
}

} // namespace

std::string encode_layer(const Recipe& recipe) {
  ByteWriter entries;
  const auto& local = recipe.data->local_entries();
  entries.number(local.size());
  for (const auto& [name, entry] : local) {
    entries.text(name.view());
    write_entry(entries, entry);
  }
  std::string bytes = entries.take();
  ByteWriter out;
  out.number(std::hash<std::string_view>{}(bytes));
  return out.take() + bytes;
}

std::string encode_snapshot(const std::vector<const Recipe*>& recipes) {
  std::unordered_map<LoggedPath, uint32_t, SightingHash, SameSighting> ids;
  std::vector<LoggedPath> table;
  ByteWriter headers;
  headers.number(recipes.size());
  const std::vector<LoggedPath> no_paths;
  for (const Recipe* recipe : recipes) {
    const auto& paths = recipe->files ? recipe->files->paths() : no_paths;
    headers.number(paths.size());
    for (const auto& logged : paths) {
      auto [found, added] = ids.try_emplace(logged, static_cast<uint32_t>(table.size()));
      if (added) {
        table.push_back(logged);
      } else if (logged.state.seen_ns < table[found->second].state.seen_ns) {
        table[found->second].state.seen_ns = logged.state.seen_ns;
      }
      headers.number(found->second);
    }
    ByteWriter header;
    header.text(recipe->file);
    header.text(recipe->pn);
    header.number(recipe->appends.size());
    for (const auto& append : recipe->appends) {
      header.text(append.native());
    }
    header.text(recipe->names.pv);
    for (const auto* words : {&recipe->names.provides, &recipe->names.runtime}) {
      header.number(words->size());
      for (const auto& word : *words) {
        header.text(word);
      }
    }
    headers.text(header.take());
  }
  ByteWriter out;
  out.number(table.size());
  for (const auto& [path, state] : table) {
    out.text(path.view());
    write_state(out, state);
  }
  return out.take() + headers.take();
}

std::optional<RecipeSnapshot> decode_snapshot(std::string_view bytes) {
  ByteReader in(bytes);
  RecipeSnapshot snapshot;
  // A path takes at least its length and the seven numbers of its state; a recipe, its count
  // of paths and the length of its header.
  snapshot.files.resize(in.count(8));
  for (auto& [path, state] : snapshot.files) {
    path = Symbol(in.view());
    state = read_state(in);
  }
  snapshot.recipes.resize(in.count(2));
  for (auto& recipe : snapshot.recipes) {
    recipe.first_file = static_cast<uint32_t>(snapshot.file_ids.size());
    recipe.file_count = static_cast<uint32_t>(in.count());
    for (uint32_t i = 0; i < recipe.file_count; ++i) {
      uint64_t number = in.number();
      if (number >= snapshot.files.size()) {
        return std::nullopt;
      }
      snapshot.file_ids.push_back(static_cast<uint32_t>(number));
    }
    recipe.header = in.view();
  }
  if (!in.ok() || !in.at_end()) {
    return std::nullopt;
  }
  return snapshot;
}

std::optional<Recipe> decode_recipe(const RecipeSnapshot& snapshot, size_t index,
                                    std::shared_ptr<RecipeSource> source) {
  const auto& entry = snapshot.recipes.at(index);
  ByteReader in(entry.header);
  Recipe recipe;
  recipe.file = in.text();
  recipe.pn = in.text();
  recipe.appends.resize(in.count());
  for (auto& append : recipe.appends) {
    append = in.text();
  }
  recipe.names.pv = in.text();
  for (auto* words : {&recipe.names.provides, &recipe.names.runtime}) {
    words->resize(in.count());
    for (auto& word : *words) {
      word = in.text();
    }
  }
  if (!in.ok() || !in.at_end()) {
    return std::nullopt;
  }
  auto log = std::make_shared<FileLog>();
  log->reserve(entry.file_count);
  for (uint32_t id : snapshot.files_of(entry)) {
    log->restore(snapshot.files[id].path, snapshot.files[id].state);
  }
  recipe.files = std::move(log);
  recipe.data = RecipeData::deferred([source = std::move(source), file = recipe.file]() {
    return build_layer(source->layer(file), source->configuration(), file);
  });
  return recipe;
}

std::string encode_file_log(const FileLog& log) {
  ByteWriter out;
  write_file_log(out, log);
  return out.take();
}

std::optional<FileLog> decode_file_log(std::string_view bytes) {
  ByteReader in(bytes);
  FileLog log = read_file_log(in);
  return in.ok() && in.at_end() ? std::optional(std::move(log)) : std::nullopt;
}

} // namespace bbrun::server::metadata
