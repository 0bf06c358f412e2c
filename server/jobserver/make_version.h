// SPDX-License-Identifier: MIT
// Which form of jobserver the host's make understands, from `make --version`.
//
// GNU make 4.4 and later read both `--jobserver-auth=fifo:PATH` and `--jobserver-auth=R,W`;
// make 4.3 and older stop with "invalid --jobserver-auth string" on the fifo form. ninja 1.13
// joins only the fifo form. So tasks get the fifo form when the make on PATH is 4.4 or newer,
// and the pipe form otherwise (also when there is no make at all).
#pragma once

#include <optional>
#include <string_view>

namespace bbrun::server::jobserver {

/// How the server offers its own jobserver to tasks.
enum class Style { pipe, fifo };

struct MakeVersion {
  int major = 0;
  int minor = 0;
};

/// The version in `make --version` output ("GNU Make 4.3\n..."); nullopt when it is not GNU
/// make's first line.
std::optional<MakeVersion> parse_make_version(std::string_view text);

/// The style for `version` (nullopt: no usable make).
Style style_for(std::optional<MakeVersion> version);

/// Run `make --version` from PATH (with nothing inherited but PATH, and for at most a few
/// seconds) and parse it. Blocks for as long as make takes: call it before the event loop runs.
std::optional<MakeVersion> detect_make_version();

} // namespace bbrun::server::jobserver
