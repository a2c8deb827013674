#pragma once
// find_like's configuration: the tree, the predicates (find's and pfind's
// words, as IO500 passes them) and how the walk is shared.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace pfsbench::find_like {

struct Config {
  std::string root;                        ///< the directory to walk (positional, as pfind)
  std::optional<std::string> newer_path;   ///< -newer FILE
  std::string size_text;                   ///< -size Nc as given ("" = none)
  std::optional<std::uint64_t> size_bytes; ///< parsed -size
  std::optional<std::string> name_glob;    ///< -name GLOB
  std::string type_text;                   ///< -type c as given
  std::optional<char> type;
  bool count_only = false;                 ///< -C: no paths, only counts (pfind)
  std::string results_dir;                 ///< -r DIR: paths to DIR/<rank>.txt (pfind)
  int queue_length = 10000;                ///< -q: work items a rank holds before it stops reading ahead
  int chunk_entries = 512;                 ///< -M: directory entries per work item
  bool follow = false;                     ///< -L / --follow
  bool stat_all = false;                   ///< --stat-all
  bool serial = false;                     ///< --serial: add the one-process baseline phase
};

/// find's single-dash words (-newer, -size, -name, -type, -follow) as the
/// long options CLI11 parses; everything else unchanged.
std::vector<std::string> rewrite_find_words(std::vector<std::string> args);

void add_options(CLI::App& app, Config& cfg);
/// Checks without I/O; throws UsageError. `json_to_stdout`: --json -.
void validate(Config& cfg, bool json_to_stdout);
nlohmann::json to_json(const Config& cfg);

}  // namespace pfsbench::find_like
