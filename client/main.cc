// SPDX-License-Identifier: MIT
// bbrun: the terminal client.
#include "client/app.h"
#include "client/options.h"

int main(int argc, char** argv) {
  auto parsed = bbrun::client::parse_options(argc, argv);
  if (parsed.exit_now) {
    return *parsed.exit_now;
  }
  return bbrun::client::run(parsed.options);
}
