// SPDX-License-Identifier: MIT
// Launcher framing.
#include "server/exec/launcher_frames.h"

#include <nlohmann/json.hpp>

namespace bbrun::server::exec {

namespace {

// A report's fixed part: kind, id, pid, exit code, signal.
constexpr size_t k_report_header = 1 + 4 * 4;

void put_u32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint32_t get_u32(std::string_view in, size_t at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(in[at + static_cast<size_t>(i)]);
  }
  return value;
}

} // namespace

bool FrameSplitter::feed(std::string_view data, std::vector<std::string_view>& payloads) {
  m_buffer.erase(0, m_consumed);
  m_buffer.append(data);
  size_t at = 0;
  while (m_buffer.size() - at >= 4) {
    uint32_t size = get_u32(m_buffer, at);
    if (size > k_max_frame) {
      return false;
    }
    if (m_buffer.size() - at - 4 < size) {
      break;
    }
    payloads.push_back(std::string_view(m_buffer).substr(at + 4, size));
    at += 4 + size;
  }
  m_consumed = at;
  return true;
}

std::string encode_frame_text(std::string_view json_text) {
  std::string frame;
  frame.reserve(4 + json_text.size());
  put_u32(frame, static_cast<uint32_t>(json_text.size()));
  frame += json_text;
  return frame;
}

std::string encode_frame(const nlohmann::json& message) {
  return encode_frame_text(message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool FrameDecoder::feed(std::string_view data, std::vector<nlohmann::json>& out) {
  std::vector<std::string_view> payloads;
  if (!m_frames.feed(data, payloads)) {
    return false;
  }
  for (std::string_view payload : payloads) {
    auto message = nlohmann::json::parse(payload, nullptr, false);
    if (!message.is_object()) {
      return false;
    }
    out.push_back(std::move(message));
  }
  return true;
}

std::string encode_report(const LauncherReport& report) {
  std::string frame;
  frame.reserve(4 + k_report_header + report.data.size());
  put_u32(frame, static_cast<uint32_t>(k_report_header + report.data.size()));
  frame.push_back(static_cast<char>(report.kind));
  put_u32(frame, report.id);
  put_u32(frame, static_cast<uint32_t>(report.pid));
  put_u32(frame, static_cast<uint32_t>(report.status.exit_code));
  put_u32(frame, static_cast<uint32_t>(report.status.signal));
  frame += report.data;
  return frame;
}

bool ReportDecoder::feed(std::string_view data, std::vector<LauncherReport>& out) {
  std::vector<std::string_view> payloads;
  if (!m_frames.feed(data, payloads)) {
    return false;
  }
  for (std::string_view payload : payloads) {
    if (payload.size() < k_report_header ||
        std::string_view("SMEF").find(payload[0]) == std::string_view::npos) {
      return false;
    }
    LauncherReport report;
    report.kind = static_cast<LauncherReport::Kind>(payload[0]);
    report.id = get_u32(payload, 1);
    report.pid = static_cast<pid_t>(get_u32(payload, 5));
    report.status.exit_code = static_cast<int>(get_u32(payload, 9));
    report.status.signal = static_cast<int>(get_u32(payload, 13));
    report.data = payload.substr(k_report_header);
    out.push_back(std::move(report));
  }
  return true;
}

} // namespace bbrun::server::exec
