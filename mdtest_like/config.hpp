#pragma once
// mdtest_like's configuration and command line. The short flags keep
// mdtest's meaning (DESIGN.md "Command lines"); an mdtest flag that is not
// implemented is refused with a usage error, never ignored.

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "layout.hpp"

namespace pfsbench::mdtest_like {

struct Config {
  // As given on the command line.
  std::string dir = "./out";            ///< -d: the directory the tests run in
  std::uint64_t items = 0;              ///< -n: items per rank (per kind), 0 = from -I
  std::uint64_t items_per_dir = 0;      ///< -I
  int iterations = 1;                   ///< -i
  bool create = false, stat = false, read = false, remove = false;  ///< -C -T -E -r (none = all)
  bool files_only = false;              ///< -F
  bool dirs_only = false;               ///< -D
  bool unique_dir = false;              ///< -u: a tree per rank instead of one shared tree
  std::uint32_t depth = 0;              ///< -z
  std::uint32_t branch = 1;             ///< -b
  bool leaf_only = false;               ///< -L
  std::uint64_t write_bytes = 0;        ///< -w
  std::uint64_t read_bytes = 0;         ///< -e
  int stride = 0;                       ///< -N: rank r stats/reads/removes the items of rank r+N
  double stonewall_s = 0;               ///< -W: 0 = off
  bool verify_read = false;             ///< -X
  double series_interval_s = 0.1;       ///< --series-interval: width of the file-create time series buckets
  std::string api = "POSIX";            ///< -a: only POSIX exists

  // Resolved by validate().
  bool do_files = true, do_dirs = true;
  TreeGeometry tree;
  ItemLayout layout;
  bool items_rounded_down = false;

  bool any_phase_flag() const { return create || stat || read || remove; }
};

/// Registers every option (and the refused mdtest flags) on `app`.
void add_options(CLI::App& app, Config& cfg);
/// Checks and resolves the configuration; the same on every rank, before
/// any I/O. `ranks` is the communicator size. Throws UsageError.
void validate(Config& cfg, int ranks);
/// Every resolved parameter, units in names.
nlohmann::json config_json(const Config& cfg);

}  // namespace pfsbench::mdtest_like
