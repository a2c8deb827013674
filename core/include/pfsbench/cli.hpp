#pragma once
// Command-line helpers on CLI11: the options every tool has, strict size
// options, and flags we know from IOR/mdtest but refuse clearly.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pfsbench {

struct CommonOptions {
  std::string json_path;               ///< "" = no document, "-" = stdout
  std::optional<std::string> label;
  std::vector<std::string> tags;       ///< "key=value", repeatable
  bool quiet = false;
  /// The tags as a map. Throws UsageError on "key" without '=' or an empty
  /// key, naming the offending --tag.
  std::map<std::string, std::string> parsed_tags() const;
};

/// --json, --label, --tag, --quiet, --version.
void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& tool_name);

/// An option taking a size ("4k", "16m", "1g"; binary) into `target`. The
/// current value of `target` is shown as the default in --help.
CLI::Option* add_size_option(CLI::App& app, const std::string& names, std::uint64_t& target,
                             const std::string& help, bool allow_zero = false);

/// An IOR/mdtest flag that this tool does not implement: using it is a
/// usage error that says so (never silently ignored). `takes_value` for
/// flags that consume an argument.
void add_unsupported(CLI::App& app, const std::string& names, const std::string& what,
                     bool takes_value = false);

/// The first line of a usage error: "<tool>: error: <message>".
std::string usage_line(const std::string& tool, const std::string& message);

}  // namespace pfsbench
