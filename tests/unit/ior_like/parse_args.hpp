#pragma once
// The ior_like command line as the tool reads it (IorTool::add_options and
// validate, before the checks): parse, note the backend options given,
// apply the -O strings. For the unit tests; throws what parsing throws.
#include <algorithm>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config.hpp"

namespace pfsbench::ior_like::test {

inline Config parse(std::vector<std::string> args) {
  Config cfg;
  CLI::App app("test", "ior_like");
  add_options(app, cfg);
  std::reverse(args.begin(), args.end());  // CLI11 takes them in reverse
  app.parse(args);
  note_given_options(app, cfg);
  apply_ior_options(cfg);
  return cfg;
}

}  // namespace pfsbench::ior_like::test
