#include "pfsbench/cli.hpp"

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"
#include "pfsbench/version.hpp"

namespace pfsbench {

std::map<std::string, std::string> CommonOptions::parsed_tags() const {
  std::map<std::string, std::string> out;
  for (const auto& t : tags) {
    const auto eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(fmt::format("invalid --tag '{}': a tag is key=value with a non-empty key, "
                                   "e.g. --tag dioSmallSeqWriteBatching=yes",
                                   t));
    out[t.substr(0, eq)] = t.substr(eq + 1);
  }
  return out;
}

void add_common_options(CLI::App& app, CommonOptions& opts, const std::string& tool_name) {
  app.add_option("--json", opts.json_path,
                 "Write the result document (JSON) to this path, '-' for stdout (then the table goes "
                 "to stderr); written atomically, also after a failure");
  app.add_option("--label", opts.label, "A free label stored in the document (e.g. 'gpfs-5.2 baseline')");
  app.add_option("--tag", opts.tags,
                 "key=value stored in the document's tags, repeatable: the tuning flags under test "
                 "(e.g. --tag prefetch=off)")
      ->take_all();
  app.add_option("--io-timeout", opts.io_timeout_s,
                 "Seconds one file system call may take before the job is ended as failed, with where it hung "
                 "(host, call, file, offset) and the finished phases kept; 0 = never")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet", opts.quiet, "No progress and no table, only errors (the document is still written)");
  app.add_flag("--local-target", opts.local_target,
               "The target is meant to be node-local: skip the check, made before any I/O on more than one node, "
               "that every node sees the same target directory");
  app.add_flag("!--no-node-watch", opts.node_watch,
               "On more than one node, rank 0 keeps one TCP connection to the first rank of every other node, so "
               "that a node lost mid-run is named in the document; this turns that off");
  app.set_version_flag("--version", fmt::format("{} (pfsbench) {} git {}", tool_name, kVersion, kGitRevision));
}

CLI::Option* add_size_option(CLI::App& app, const std::string& names, std::uint64_t& target,
                             const std::string& help, bool allow_zero) {
  const std::string option_name = names;
  auto* opt = app.add_option_function<std::string>(
      names,
      [&target, option_name, allow_zero](const std::string& text) {
        target = parse_size(text, option_name, allow_zero);
      },
      help);
  opt->type_name("SIZE")->default_str(format_size_short(target));
  return opt;
}

std::vector<std::string> split_short_equals(int argc, const char* const* argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() >= 3 && arg[0] == '-' && std::isalpha(static_cast<unsigned char>(arg[1])) && arg[2] == '=') {
      out.push_back(arg.substr(0, 2));
      out.push_back(arg.substr(3));
    } else {
      out.push_back(arg);
    }
  }
  return out;
}

void add_unsupported(CLI::App& app, const std::string& names, const std::string& what, bool takes_value) {
  const std::string msg = fmt::format("{} ({}) is not implemented by {}; remove it from the command line",
                                      names, what, app.get_name());
  auto fail = [msg](const auto&) -> void { throw UsageError(msg); };
  CLI::Option* opt = nullptr;
  if (takes_value)
    opt = app.add_option_function<std::string>(names, fail, "not implemented: " + what);
  else
    opt = app.add_flag_function(names, [msg](std::int64_t) { throw UsageError(msg); }, "not implemented: " + what);
  opt->group("Not implemented (IOR/mdtest flags refused with an error)");
}

std::string usage_line(const std::string& tool, const std::string& message) {
  return fmt::format("{}: error: {}", tool, message);
}

}  // namespace pfsbench
