// SPDX-License-Identifier: MIT
// Shared-state operations in helper processes.
#include "server/sstate/helper_cache.h"

#include "common/child_process.h"
#include "common/log.h"
#include "common/spawn_setup.h"

#include <boost/asio/post.hpp>
#include <fmt/core.h>

#include <cerrno>
#include <csignal>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;
using nlohmann::json;

namespace {

// The most a helper's result may hold: a find over a very large graph stays far below.
constexpr size_t k_max_result = 64 << 20;

common::Result<common::UniqueFd> memory_file(std::string_view name, std::string_view content) {
  common::UniqueFd fd(::memfd_create(std::string(name).c_str(), MFD_CLOEXEC));
  if (!fd) {
    return fail(ErrorKind::io, common::errno_message("memfd_create"));
  }
  if (auto written = common::write_all(fd.get(), content); !written) {
    return fail(written.error());
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) {
    return fail(ErrorKind::io, common::errno_message("lseek"));
  }
  return fd;
}

// A process group of its own (so that a stop reaches all it runs), the request as stdin and
// the result as stdout.
struct HelperSpawn : common::SpawnSetup {
  HelperSpawn(int stdin_fd, int stdout_fd) : SpawnSetup(POSIX_SPAWN_SETPGROUP) {
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  }
};

json outputs_json(const std::vector<OutputDir>& outputs) {
  json out = json::array();
  for (const auto& output : outputs) {
    out.push_back({{"name", output.name}, {"path", output.path.string()}});
  }
  return out;
}

json object_json(const ObjectQuery& object) {
  return {{"method", object.method}, {"unihash", object.unihash}};
}

std::optional<StoreKind> kind_named(const std::string& name) {
  for (auto kind : {StoreKind::local, StoreKind::mirror, StoreKind::http}) {
    if (store_kind_name(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

} // namespace

HelperCache::HelperCache(boost::asio::io_context& io, std::filesystem::path helper,
                         Locations locations)
    : m_io(io), m_helper(std::move(helper)), m_locations(std::move(locations)) {}

HelperCache::~HelperCache() {
  *m_alive = false;
  for (auto& [id, child] : m_children) {
    common::kill_and_reap(child.pid);
  }
}

std::filesystem::path HelperCache::default_helper() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "bbrun-sstate";
}

void HelperCache::signal_all(int sig) {
  for (const auto& [id, child] : m_children) {
    ::kill(-child.pid, sig);
  }
}

void HelperCache::run(const std::string& operation, json request,
                      std::function<void(common::Result<json>)> done) {
  auto fail_later = [this, &done](common::Error error) {
    boost::asio::post(m_io, [done = std::move(done), error = std::move(error), alive = m_alive] {
      if (*alive) {
        done(fail(error));
      }
    });
  };
  request["locations"] = locations_to_json(m_locations);
  auto input = memory_file("bbrun-sstate-request", request.dump());
  auto output = memory_file("bbrun-sstate-result", "");
  if (!input || !output) {
    return fail_later(input ? output.error() : input.error());
  }
  HelperSpawn setup(input->get(), output->get());
  std::string helper = m_helper.string();
  std::vector<char*> argv{helper.data(), const_cast<char*>(operation.c_str()), nullptr};
  pid_t pid = 0;
  int rc =
      ::posix_spawn(&pid, helper.c_str(), &setup.actions, &setup.attributes, argv.data(), environ);
  if (rc != 0) {
    return fail_later({ErrorKind::io, common::errno_message("start " + helper, rc), {}});
  }
  common::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) {
    auto error = common::errno_message("pidfd_open");
    common::kill_and_reap(pid);
    return fail_later({ErrorKind::io, error, {}});
  }
  uint64_t id = m_next_id++;
  auto& child = m_children[id];
  child.pid = pid;
  child.result = std::move(*output);
  child.exit_watch = std::make_unique<boost::asio::posix::stream_descriptor>(m_io, pidfd.release());
  child.exit_watch->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, id, done = std::move(done), alive = m_alive](const boost::system::error_code&) {
        if (*alive) {
          child_exited(id, done);
        }
      });
}

void HelperCache::child_exited(uint64_t id, const std::function<void(common::Result<json>)>& done) {
  auto found = m_children.find(id);
  if (found == m_children.end()) {
    return;
  }
  Child child = std::move(found->second);
  m_children.erase(found);
  int status = common::reap_child(child.pid);
  ::lseek(child.result.get(), 0, SEEK_SET);
  auto text = common::read_all(child.result.get(), k_max_result);
  auto result = json::parse(text ? *text : "", nullptr, false);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || result.is_discarded() ||
      !result.is_object()) {
    std::string how = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                          : fmt::format("exit status {}", WEXITSTATUS(status));
    done(fail(ErrorKind::io,
              fmt::format("{} failed ({}); see the server log", m_helper.string(), how)));
    return;
  }
  done(std::move(result));
}

std::vector<std::string> HelperCache::new_warnings(const json& result) {
  std::vector<std::string> out;
  for (const auto& warning : result.value("warnings", json::array())) {
    std::string where = warning.value("where", "");
    if (!m_failed_stores.insert(where).second) {
      continue;
    }
    out.push_back(warning.value("message", ""));
    if (where == m_locations.http_url) {
      m_locations.http_url.clear();
    }
    std::erase(m_locations.mirrors, std::filesystem::path(where));
  }
  return out;
}

void HelperCache::find(std::vector<ObjectQuery> objects, std::function<void(FindResult)> done) {
  json queries = json::array();
  for (const auto& object : objects) {
    queries.push_back(object_json(object));
  }
  run("find", {{"objects", queries}}, [this, done](common::Result<json> result) {
    FindResult out;
    if (!result) {
      out.warnings.push_back("shared state: " + result.error().message);
      return done(std::move(out));
    }
    out.warnings = new_warnings(*result);
    auto found = result->value("found", json::object());
    for (const auto& [unihash, kind] : found.items()) {
      if (auto known = kind.is_string() ? kind_named(kind.get<std::string>()) : std::nullopt) {
        out.found.emplace(unihash, *known);
      }
    }
    done(std::move(out));
  });
}

void HelperCache::unihashes(std::vector<UnihashQuery> tasks, Record record,
                            std::function<void(UnihashResult)> done) {
  UnihashResult none;
  none.unihashes.resize(tasks.size());
  // Only the HTTP cache shares equivalences: without it (or once it is dropped) no helper runs.
  if (m_locations.http_url.empty()) {
    boost::asio::post(m_io, [done, none, alive = m_alive] {
      if (*alive) {
        done(none);
      }
    });
    return;
  }
  json queries = json::array();
  for (const auto& task : tasks) {
    queries.push_back({{"method", task.method}, {"taskhash", task.taskhash}});
  }
  json request{{"tasks", queries}, {"record", record == Record::yes}};
  run("unihashes", std::move(request),
      [this, out = std::move(none), done](common::Result<json> result) mutable {
        if (!result) {
          out.warnings.push_back("shared state: " + result.error().message);
          return done(std::move(out));
        }
        out.warnings = new_warnings(*result);
        auto found = result->value("unihashes", json::array());
        for (size_t i = 0; i < out.unihashes.size() && i < found.size(); ++i) {
          if (found[i].is_string()) {
            out.unihashes[i] = found[i].get<std::string>();
          }
        }
        done(std::move(out));
      });
}

void HelperCache::restore(std::vector<Restore> batch,
                          std::function<void(std::vector<RestoreResult>)> done) {
  json items = json::array();
  for (const auto& item : batch) {
    auto request = object_json(item.object);
    request["outputs"] = outputs_json(item.outputs);
    items.push_back(std::move(request));
  }
  size_t size = batch.size();
  run("restore", {{"batch", items}}, [this, size, done](common::Result<json> result) {
    std::vector<RestoreResult> out(size);
    auto results = result ? result->value("results", json::array()) : json::array();
    auto warnings = result ? new_warnings(*result) : std::vector<std::string>{};
    for (size_t i = 0; i < size; ++i) {
      if (!result || i >= results.size() || !results[i].is_object()) {
        out[i].error = result ? "the helper did not answer for it" : result.error().message;
        continue;
      }
      out[i].error = results[i].value("error", "");
      auto from = results[i].value("restored", json());
      if (from.is_string()) {
        out[i].from = kind_named(from.get<std::string>());
      }
      out[i].store_dropped = !out[i].from && out[i].error.empty() && !m_failed_stores.empty();
    }
    if (!out.empty()) {
      out.front().warnings = std::move(warnings);
    }
    done(std::move(out));
  });
}

void HelperCache::store(std::string method, std::string taskhash, std::vector<OutputDir> outputs,
                        std::function<void(StoreResult)> done) {
  json request{{"method", method}, {"taskhash", taskhash}, {"outputs", outputs_json(outputs)}};
  run("store", std::move(request), [this, done](common::Result<json> result) {
    StoreResult out;
    if (!result) {
      out.error = result.error().message;
      return done(std::move(out));
    }
    out.warnings = new_warnings(*result);
    out.error = result->value("error", "");
    out.unihash = result->value("unihash", "");
    done(std::move(out));
  });
}

} // namespace bbrun::server::sstate
