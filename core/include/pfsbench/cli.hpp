#pragma once
// Command-line helpers on CLI11: the options every tool has, strict size
// options, and flags we know from IOR/mdtest but refuse clearly.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "pfsbench/error.hpp"

namespace pfsbench {

struct CommonOptions {
  std::string json_path;               ///< "" = no document, "-" = stdout
  std::optional<std::string> label;
  std::vector<std::string> tags;       ///< "key=value", repeatable
  bool quiet = false;
  bool local_target = false;           ///< --local-target: nodes need not share the target
  bool node_watch = true;              ///< off with --no-node-watch (see node_watch.hpp)
  /// Set by a tool whose own output format goes to stdout (ior_like's -O
  /// summaryFormat=JSON without summaryFile): the human text then goes to
  /// stderr, as with --json -.
  bool stdout_is_data = false;
  /// --io-timeout: seconds one system call (or watched library call) may
  /// take before the watchdog ends the job; 0 disables it. Ten minutes: no
  /// single call of a healthy system takes that long, and a hung one is
  /// still found well inside any batch limit.
  double io_timeout_s = 600.0;
  /// The tags as a map. Throws UsageError on "key" without '=' or an empty
  /// key, naming the offending --tag.
  std::map<std::string, std::string> parsed_tags() const;
};

/// The arguments after the program name, with every "-X=value" (one
/// letter, then '=') split into "-X" and "value": IOR and mdtest accept a
/// short option's value after '=' (IO500 writes "-t=4096", "-G=271"),
/// CLI11 does not. Anything else passes unchanged.
std::vector<std::string> split_short_equals(int argc, const char* const* argv);

/// --json, --label, --tag, --quiet, --version.
void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& tool_name);

/// An option taking a size ("4k", "16m", "1g"; binary) into `target`. The
/// current value of `target` is shown as the default in --help.
CLI::Option* add_size_option(CLI::App& app, const std::string& names, std::uint64_t& target,
                             const std::string& help, bool allow_zero = false);

/// The names of `choices` joined by '|' ("seq|random").
template <class E>
std::string choice_names(const std::vector<std::pair<std::string, E>>& choices) {
  std::string out;
  for (const auto& [name, value] : choices) out += (out.empty() ? "" : "|") + name;
  return out;
}

/// An option taking one of a fixed set of names (case-insensitive) into
/// `target`. Anything else, numbers included, is a usage error listing the
/// names (CLI11's CheckedTransformer also accepts the enum's integer value).
/// The name of the current value of `target` is shown as the default.
template <class E>
CLI::Option* add_choice_option(CLI::App& app, const std::string& names, E& target,
                               std::vector<std::pair<std::string, E>> choices, const std::string& help) {
  const std::string all = choice_names(choices);
  std::string current;
  for (const auto& [name, value] : choices)
    if (value == target) current = name;
  auto* opt = app.add_option_function<std::string>(
      names,
      [&target, choices, all, names](const std::string& text) {
        std::string lower = text;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (const auto& [name, value] : choices)
          if (name == lower) {
            target = value;
            return;
          }
        throw UsageError(names + " '" + text + "' is not one of " + all);
      },
      help);
  opt->type_name(all)->default_str(current);
  return opt;
}

/// An IOR/mdtest flag that this tool does not implement: using it is a
/// usage error that says so (never silently ignored). `takes_value` for
/// flags that consume an argument.
void add_unsupported(CLI::App& app, const std::string& names, const std::string& what,
                     bool takes_value = false);

/// The first line of a usage error: "<tool>: error: <message>".
std::string usage_line(const std::string& tool, const std::string& message);

}  // namespace pfsbench
