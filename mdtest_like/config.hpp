#pragma once
// mdtest_like's configuration and command line. The short flags keep
// mdtest's meaning (DESIGN.md "Command lines"); an mdtest flag that is not
// implemented is refused with a usage error, never ignored.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "layout.hpp"

#include "pfsbench/stonewall_status.hpp"

namespace pfsbench::mdtest_like {

/// How each item operation names its item (--path-resolution).
enum class PathResolution {
  kFull,   ///< the whole path from -d, as mdtest: open("DIR/test-dir.0-0/mdtest_tree.0/file.mdtest.0.0")
  kDirFd,  ///< one name under a directory fd opened before the phase: openat(dfd, "file.mdtest.0.0")
};
const char* path_resolution_name(PathResolution p);

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
  bool print_rate_and_time = false;     ///< -P: the summary also gives each phase's time
  bool pfsbench_tables = false;         ///< --pfsbench-tables: our latency table after mdtest's summary
  std::optional<std::int64_t> data_seed;  ///< -G: seed of the file content, a signed int as mdtest's (default kContentSeed)
  std::string data_packet_type;          ///< --dataPacketType as given (recorded, not applied)
  std::string rank_details_csv;          ///< --saveRankPerformanceDetails: mdtest's per-rank CSV ("" = none)
  std::string status_file;              ///< -x: stonewall status file ("" = none)
  bool sync_after_phase = false;        ///< -Y: sync() at the end of each item phase, inside its time
  bool fsync_after_write = false;       ///< -y: fsync each file after writing it, inside its create
  bool time_dir_overhead = false;       ///< -t: the phase's working-directory set-up is inside its time
  bool random_order = false;            ///< -R: stat and read in a random order per rank
  std::optional<std::uint64_t> random_seed;  ///< --random-seed (implies -R); none = chosen at run time
  PathResolution path_resolution = PathResolution::kFull;  ///< --path-resolution

  // Resolved by validate().
  bool do_files = true, do_dirs = true;
  TreeGeometry tree;
  ItemLayout layout;
  bool items_rounded_down = false;

  bool any_phase_flag() const { return create || stat || read || remove; }
  /// The seed of the bytes -w writes and -X checks.
  std::uint64_t content_seed() const;
};

/// Registers every option (and the refused mdtest flags) on `app`.
void add_options(CLI::App& app, Config& cfg);
/// Checks and resolves the configuration; the same on every rank, before
/// any I/O. `ranks` is the communicator size. Throws UsageError.
void validate(Config& cfg, int ranks);
/// Every resolved parameter, units in names.
nlohmann::json config_json(const Config& cfg);

/// How mdtest_like's -x uses the shared stonewall status file (the bound
/// against -n/-I/... is checked by the caller, with mdtest's wording).
inline StatusFileUse status_file_use() {
  return {"-x", "items", "run the create phase (-C, with -W) with the same -x first", std::numeric_limits<std::uint64_t>::max(), ""};
}

}  // namespace pfsbench::mdtest_like
