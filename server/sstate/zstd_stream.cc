// SPDX-License-Identifier: MIT
// zstd streams over files.
#include "server/sstate/zstd_stream.h"

#include <fmt/core.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

namespace bbrun::server::sstate {

using common::ErrorKind;
using common::fail;

namespace {

// Level 3 is zstd's default: fast enough that packing never dominates a task.
constexpr int k_level = 3;

common::Result<size_t> read_some(int fd, char* buffer, size_t size,
                                 const std::filesystem::path& path) {
  while (true) {
    ssize_t got = ::read(fd, buffer, size);
    if (got >= 0) {
      return static_cast<size_t>(got);
    }
    if (errno != EINTR) {
      return fail(ErrorKind::io, common::errno_message("read " + path.string()));
    }
  }
}

} // namespace

common::Result<std::unique_ptr<ZstdWriter>> ZstdWriter::create(const std::filesystem::path& path) {
  common::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    return fail(ErrorKind::io, common::errno_message("create " + path.string()));
  }
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  if (ctx == nullptr) {
    return fail(ErrorKind::io, "zstd: out of memory");
  }
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, k_level);
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1);
  return std::unique_ptr<ZstdWriter>(new ZstdWriter(std::move(fd), ctx, path));
}

ZstdWriter::ZstdWriter(common::UniqueFd fd, ZSTD_CCtx* ctx, std::filesystem::path path)
    : m_fd(std::move(fd)), m_ctx(ctx), m_path(std::move(path)), m_out(ZSTD_CStreamOutSize()) {}

ZstdWriter::~ZstdWriter() {
  ZSTD_freeCCtx(m_ctx);
}

common::Result<void> ZstdWriter::write(std::string_view data) {
  return compress(data, ZSTD_e_continue);
}

common::Result<void> ZstdWriter::compress(std::string_view data, int mode) {
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  bool done = false;
  while (!done) {
    ZSTD_outBuffer out{m_out.data(), m_out.size(), 0};
    size_t left = ZSTD_compressStream2(m_ctx, &out, &in, static_cast<ZSTD_EndDirective>(mode));
    if (ZSTD_isError(left)) {
      return fail(ErrorKind::io, fmt::format("zstd: {}", ZSTD_getErrorName(left)));
    }
    std::string_view produced(m_out.data(), out.pos);
    m_hash.add(produced);
    m_size += produced.size();
    if (auto written = common::write_all(m_fd.get(), produced); !written) {
      return fail(ErrorKind::io, written.error().message, m_path.string());
    }
    done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
  }
  return {};
}

common::Result<void> ZstdWriter::finish() {
  if (auto ended = compress({}, ZSTD_e_end); !ended) {
    return ended;
  }
  m_digest = m_hash.hex();
  if (::fsync(m_fd.get()) != 0) {
    return fail(ErrorKind::io, common::errno_message("fsync " + m_path.string()));
  }
  m_fd.reset();
  return {};
}

common::Result<std::unique_ptr<ZstdReader>> ZstdReader::open(const std::filesystem::path& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return fail(ErrorKind::io, common::errno_message("open " + path.string()));
  }
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) {
    return fail(ErrorKind::io, "zstd: out of memory");
  }
  return std::unique_ptr<ZstdReader>(new ZstdReader(std::move(fd), ctx, path));
}

ZstdReader::ZstdReader(common::UniqueFd fd, ZSTD_DCtx* ctx, std::filesystem::path path)
    : m_fd(std::move(fd)), m_ctx(ctx), m_path(std::move(path)), m_in(ZSTD_DStreamInSize()) {}

ZstdReader::~ZstdReader() {
  ZSTD_freeDCtx(m_ctx);
}

// Read the next compressed chunk; false at the end of the file.
common::Result<bool> ZstdReader::refill() {
  auto got = read_some(m_fd.get(), m_in.data(), m_in.size(), m_path);
  if (!got) {
    return fail(got.error());
  }
  m_hash.add(std::string_view(m_in.data(), *got));
  m_in_pos = 0;
  m_in_size = *got;
  m_eof = *got == 0;
  return !m_eof;
}

common::Result<void> ZstdReader::read_exact(char* buffer, size_t size) {
  ZSTD_outBuffer out{buffer, size, 0};
  while (out.pos < out.size) {
    if (m_in_pos == m_in_size) {
      auto more = refill();
      if (!more) {
        return fail(more.error());
      }
      if (!*more) {
        return fail(ErrorKind::io, "truncated object", m_path.string());
      }
    }
    ZSTD_inBuffer in{m_in.data(), m_in_size, m_in_pos};
    size_t result = ZSTD_decompressStream(m_ctx, &out, &in);
    m_in_pos = in.pos;
    if (ZSTD_isError(result)) {
      return fail(ErrorKind::io, fmt::format("zstd: {}", ZSTD_getErrorName(result)),
                  m_path.string());
    }
  }
  return {};
}

common::Result<std::string> ZstdReader::finish() {
  while (!m_eof) {
    if (auto more = refill(); !more) {
      return fail(more.error());
    }
  }
  return m_hash.hex();
}

} // namespace bbrun::server::sstate
