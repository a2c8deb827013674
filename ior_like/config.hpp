#pragma once
// ior_like's configuration: IOR's short flags keep IOR's meaning.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "backend.hpp"
#include "plan.hpp"

namespace pfsbench::ior_like {

struct Config {
  std::string api = "posix";                 ///< -a
  std::uint64_t block_bytes = 1ull << 20;    ///< -b (IOR default 1m)
  std::uint64_t transfer_bytes = 256ull << 10;  ///< -t (IOR default 256k)
  std::uint64_t segments = 1;                ///< -s
  int iterations = 1;                        ///< -i
  double delay_s = 0;                        ///< -d: seconds of idle between iterations
  bool write = false;                        ///< -w
  bool read = false;                         ///< -r
  bool keep = false;                         ///< -k
  bool fsync = false;                        ///< -e: fsync before close, inside the timed span
  bool fsync_per_write = false;              ///< -Y: fsync after every write transfer, inside its latency
  bool file_per_process = false;             ///< -F
  bool check_write = false;                  ///< -W
  bool check_read = false;                   ///< -R: compare each read transfer inside the timed read (IOR's READCHECK)
  bool check_apart = false;                  ///< --check-apart: -R checks in a pass of its own after the read
  bool reorder = false;                      ///< -C
  bool reorder_random = false;               ///< -Z
  int task_per_node_offset = 1;              ///< -Q: -C reads the data of the rank Q nodes further
  /// -z, counted as IOR does: 1, a seeded permutation of each block's
  /// transfers; 2 or more (-z -z, IOR's randomOffset > 1), each segment a
  /// random, possibly repeated, -b block of the file's existing size (reads only).
  int random_offsets = 0;
  std::int64_t random_offset_seed = -1;      ///< --random-offset-seed: -z's seed (-1: the -G seed)
  bool intra_test_barriers = false;          ///< -g: barriers between open, transfers and close
  bool use_existing = false;                 ///< -E: existing files are the user's: never removed
  int num_tasks = -1;                        ///< -N: only the first N ranks do I/O (-1: all)
  int verbosity = 0;                         ///< -v, repeatable: more detail on stderr
  bool quit_on_error = false;                ///< -q: stop the run at the first failed -W/-R check
  double max_time_min = 0;                   ///< -T: no new iteration after this many minutes (0: none)
  std::string data_packet_type;              ///< -l/--dataPacketType as given (recorded, not applied)
  std::uint64_t seed = 0;                    ///< -G: pattern and -Z permutation seed
  std::string path = "testFile";             ///< -o
  bool collective = false;                   ///< -c: collective transfers (MPIIO, HDF5)
  std::string hints_file;                    ///< -U: hints file of whichever backend takes hints
  bool show_hints = false;                   ///< -H
  BackendOptions backend;                    ///< -B and the --mpiio.* / --hdf5.* options
  /// Backend options given on the command line, by flag ("--hdf5.noFill"),
  /// with the prefix that owns them; filled after parsing, checked by validate().
  std::vector<std::pair<std::string, std::string>> given_backend_options;
  /// -D: seconds after a phase's open at which each rank stops issuing
  /// transfers (IOR's stonewalling deadline); 0: none.
  double deadline_s = 0;
  /// -O key=value strings as given; applied by apply_ior_options().
  std::vector<std::string> ior_options;
  bool wear_out = false;                      ///< -O stoneWallingWearOut=1
  std::uint64_t wear_out_iterations = 0;      ///< -O stoneWallingWearOutIterations=N: transfers per rank a read does
  std::string status_file;                    ///< -O stoneWallingStatusFile=F
  double min_time_s = 0;                      ///< -O minTimeDuration=S: repeat the pattern until S seconds
  std::string summary_file;                   ///< -O summaryFile=F: IOR's output in summary_format goes there
  std::string summary_format;                 ///< -O summaryFormat: "" (not given), "default", "json" or "csv"
  bool pfsbench_tables = false;               ///< --pfsbench-tables: our own table after IOR's output
  std::string rank_details_csv;               ///< -O saveRankPerformanceDetailsCSV=F
  double progress_interval_s = 5.0;
  /// --collective-timeout: seconds one collective MPI-IO/HDF5 call may take
  /// before the job is aborted as stuck (0: never).
  double collective_timeout_s = 600.0;

  /// Neither -w nor -r means both, as in IOR.
  bool do_write() const noexcept { return write || !read; }
  bool do_read() const noexcept { return read || !write; }
  /// -z's seed: --random-offset-seed, else -G.
  std::uint64_t offset_seed() const noexcept {
    return random_offset_seed >= 0 ? static_cast<std::uint64_t>(random_offset_seed) : seed;
  }
  bool random_blocks() const noexcept { return random_offsets >= 2; }
  ReadOrder read_order() const noexcept {
    return reorder_random ? ReadOrder::kRandom : reorder ? ReadOrder::kShift : ReadOrder::kOwn;
  }
  Layout layout(int ranks) const noexcept {
    return Layout{block_bytes, transfer_bytes, segments, ranks, file_per_process};
  }
};

/// Registers every option (and the IOR flags we refuse) on `app`.
void add_options(CLI::App& app, Config& cfg);

/// Applies one IOR "-O key=value" string to `cfg` (keys case-insensitive, as
/// IOR). Throws UsageError naming an unknown key or a bad value.
void apply_ior_option(Config& cfg, const std::string& key_value);

/// After parsing: applies cfg.ior_options in order; throws UsageError.
void apply_ior_options(Config& cfg);

/// After parsing: records which backend options were given (by prefix).
void note_given_options(const CLI::App& app, Config& cfg);

/// Checks that need no filesystem and no rank count, against the backend's
/// registry row (nothing is built); throws UsageError.
void validate(const Config& cfg);

/// The hints file in effect: --mpiio.hintsFileName / --hdf5.hintsFileName
/// for their backend, else -U; "" when none.
std::string hints_file(const Config& cfg);
bool show_hints(const Config& cfg);

/// Every resolved parameter, units in names.
nlohmann::json to_json(const Config& cfg);

}  // namespace pfsbench::ior_like
