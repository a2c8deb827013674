#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include <fmt/format.h>

#include "file_content.hpp"
#include "name_buffer.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::mdtest_like {

const char* path_resolution_name(PathResolution p) { return p == PathResolution::kFull ? "full" : "dirfd"; }

std::uint64_t Config::content_seed() const {
  return data_seed ? static_cast<std::uint64_t>(*data_seed) : kContentSeed;
}

namespace {

/// A non-negative integer option; junk is a usage error. (mdtest's "-G=123"
/// form, as IO500's driver passes it, is split by tool_main before parsing:
/// split_short_equals.)
template <class T>
CLI::Option* add_count_option(CLI::App& app, const std::string& names, T& target, const std::string& help) {
  auto* opt = app.add_option_function<std::string>(
      names,
      [&target, names](const std::string& text) {
        std::uint64_t value = 0;
        const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size())
          throw UsageError(fmt::format("{} '{}' is not a non-negative integer", names, text));
        target = value;
      },
      help);
  opt->type_name("N");
  return opt;
}

/// mdtest's -G: a signed int (IO500 passes negative ones, "-G -1557317757"
/// and "-G=-1557307069"); junk or a value outside int is a usage error.
CLI::Option* add_signed_int_option(CLI::App& app, const std::string& names, std::optional<std::int64_t>& target,
                                   const std::string& help) {
  auto* opt = app.add_option_function<std::string>(
      names,
      [&target, names](const std::string& text) {
        std::int64_t value = 0;
        const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size() ||
            value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max())
          throw UsageError(fmt::format("{} '{}' is not an integer from {} to {} (mdtest's -G is a signed int)", names,
                                       text, std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max()));
        target = value;
      },
      help);
  opt->type_name("SEED");
  return opt;
}

void add_mdtest_options(CLI::App& app, Config& c) {
  app.add_flag("-P,--print-rate-and-time", c.print_rate_and_time,
               "The summary gives each phase's time beside its rate (both are always in the JSON document)");
  app.add_flag("--pfsbench-tables", c.pfsbench_tables,
               "After mdtest's summary, also print pfsbench's latency percentiles per phase");
  add_signed_int_option(app, "-G,--data-seed", c.data_seed,
                        "Seed of the bytes -w writes and -X checks, a signed int as mdtest's -G (default: a fixed "
                        "seed, so that a later -E -X run checks an earlier -C -w run); give the same -G to both");
  app.add_option("--dataPacketType", c.data_packet_type,
                 "mdtest's data packet type: recorded and warned about; mdtest_like always writes its own seeded "
                 "pattern (-G), tagged per file")
      ->check(CLI::IsMember({"offset", "o", "incompressible", "i", "timestamp", "t", "random", "r"}));
  app.add_option("--saveRankPerformanceDetails", c.rank_details_csv,
                 "Write mdtest's per-rank CSV to FILE: header 'rank,items,rate-<op>,time-<op>...' for mdtest's 11 "
                 "operations, an 'all' row of the first iteration (items of all ranks / slowest rank's time between "
                 "barriers), then one row per iteration and rank (its items / its time before the closing barrier)")
      ->type_name("FILE");
  app.add_option("-x,--stonewall-status-file", c.status_file,
                 "Stonewall status file (mdtest's): a create phase writes the items per rank it agreed on (after "
                 "-W's wear-out); a run without -C reads it and stats/reads/removes that many items per rank. "
                 "Needs -F or -D (it carries one count)")
      ->type_name("FILE");
  app.add_flag("-Y,--sync-after-phase", c.sync_after_phase,
               "Call sync() at the end of each item phase, inside the phase's time (as mdtest -Y: it flushes the "
               "whole node)");
  app.add_flag("-y,--fsync-after-write", c.fsync_after_write,
               "fsync() each file after writing it (-w), inside its create");
  app.add_flag("-t,--time-dir-overhead", c.time_dir_overhead,
               "Time the working-directory set-up of each item phase (with --path-resolution dirfd: opening the "
               "item directories; full: building their paths); by default it is done before the phase's time starts");
  app.add_flag("-R,--random-order", c.random_order,
               "Stat and read each rank's items in a random order (a permutation per rank, from --random-seed + rank)");
  add_count_option(app, "--random-seed", c.random_seed,
                 "Seed of -R's order (implies -R, as mdtest); default: chosen by rank 0 at run time and recorded in "
                 "each phase's details")
      ->type_name("SEED");
  add_choice_option(app, "--path-resolution", c.path_resolution,
                    {{"full", PathResolution::kFull}, {"dirfd", PathResolution::kDirFd}},
                    "full: every create/stat/read/remove resolves the item's whole path from -d, as mdtest does, so "
                    "rates compare with mdtest's; dirfd: one name under a directory fd opened before the phase "
                    "(lighter work per item, higher rates)");
}

/// Longest item path in full-path mode (an upper bound), for the check
/// against PATH_MAX before any I/O.
std::uint64_t longest_item_path(const Config& c, int ranks) {
  const std::uint64_t dirs = c.tree.dir_count();
  const std::uint64_t component = std::string("mdtest_tree.").size() + 20 + 1 + std::to_string(dirs).size() + 1;
  return c.dir.size() + 1 + iteration_dir_name(c.iterations).size() + 1 + (c.depth + 1ull) * component +
         item_prefix(ItemKind::kFile, ranks).size() + 20;
}

}  // namespace

void add_options(CLI::App& app, Config& c) {
  app.add_option("-d,--dir", c.dir, "Directory in which the tests run (created when missing, removed by -r only "
                                    "when this run created it and it is empty)")
      ->capture_default_str();
  add_count_option(app, "-n,--items", c.items,
                   "Items (files and/or directories) each rank creates/stats/reads/removes");
  add_count_option(app, "-I,--items-per-dir", c.items_per_dir, "Items of each rank per tree directory");
  app.add_option("-i,--iterations", c.iterations, "Iterations (each in its own DIR/test-dir.<i>)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("-C,--create", c.create, "Create phases (tree, directories, files); with no phase flag all run");
  app.add_flag("-T,--stat", c.stat, "Stat phases");
  app.add_flag("-E,--read", c.read, "File read phase");
  app.add_flag("-r,--remove", c.remove, "Remove phases: only the items and directories of this layout");
  app.add_flag("-F,--files-only", c.files_only, "Files only (no directory items)");
  app.add_flag("-D,--dirs-only", c.dirs_only, "Directories only (no files)");
  app.add_flag("-u,--unique-dir", c.unique_dir,
               "A tree per rank (default: all ranks share one tree, i.e. one directory with -z 0)");
  app.add_option("-z,--depth", c.depth, "Depth of the directory tree (0 = only its root)")->capture_default_str();
  app.add_option("-b,--branch", c.branch, "Branching factor of the directory tree")->capture_default_str();
  app.add_flag("-L,--leaf-only", c.leaf_only, "Items only in the leaf directories of the tree");
  add_size_option(app, "-w,--write-bytes", c.write_bytes, "Bytes written to each file at create", true);
  add_size_option(app, "-e,--read-bytes", c.read_bytes, "Bytes read from each file in the read phase", true);
  app.add_option("-N,--stride", c.stride,
                 "Rank r stats/reads/removes the items of rank (r+N) mod ranks, to defeat client caches")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option_function<std::string>(
         "-W,--stonewall",
         [&c](const std::string& s) { c.stonewall_s = parse_duration_s(s, "-W"); },
         "Stonewall for the create phases, in seconds: each rank stops after this time, the ranks agree on the "
         "largest count reached and every rank creates up to it (wear-out)")
      ->type_name("SECONDS");
  app.add_flag("-X,--verify-read", c.verify_read, "Verify the bytes read (-e) against what -w wrote");
  app.add_option_function<std::string>(
         "--series-interval",
         [&c](const std::string& s) { c.series_interval_s = parse_duration_s(s, "--series-interval"); },
         "Width of the buckets of the file-create rate time series")
      ->type_name("DURATION")
      ->default_str("100ms");
  app.add_option("-a,--api", c.api, "I/O interface (only POSIX)")->capture_default_str();
  add_mdtest_options(app, c);

  add_unsupported(app, "-B", "no barriers between phases");
  add_unsupported(app, "-c", "collective creates by rank 0");
  add_unsupported(app, "-f", "first number of tasks", true);
  add_unsupported(app, "-l", "last number of tasks", true);
  add_unsupported(app, "-s", "stride between task counts", true);
  add_unsupported(app, "-S", "shared file access");
  add_unsupported(app, "-k", "mknod instead of create");
  add_unsupported(app, "-p", "pre-iteration delay", true);
  add_unsupported(app, "-U", "directory rename phase");
  add_unsupported(app, "-v", "verbosity (progress is on stderr, everything else in the JSON document)");
  add_unsupported(app, "-V", "verbosity level", true);
  add_unsupported(app, "-Z", "print time instead of rate");
  add_unsupported(app, "-g", "Lustre global directory layout");
  add_unsupported(app, "--verify-write", "verify after write");
  add_unsupported(app, "--run-cmd-before-phase", "external command before each phase", true);
  add_unsupported(app, "--run-cmd-after-phase", "external command after each phase", true);
  add_unsupported(app, "--savePerOpDataCSV", "per-operation CSV", true);
  add_unsupported(app, "--showRankStatistics", "per-rank statistics (min/median/max are in the JSON document)");
  add_unsupported(app, "--print-all-procs", "per-process output");
  add_unsupported(app, "--warningAsErrors", "warnings as errors");
}

void validate(Config& c, int ranks) {
  std::string api = c.api;
  std::transform(api.begin(), api.end(), api.begin(), [](unsigned char ch) { return std::toupper(ch); });
  if (api != "POSIX")
    throw UsageError(fmt::format("-a {}: mdtest_like only has the POSIX interface; use -a POSIX or leave -a out",
                                 c.api));
  c.api = api;
  if (c.dir.empty()) throw UsageError("-d is empty: give the directory the tests run in, e.g. -d /gpfs/scratch/md");
  if (c.files_only && c.dirs_only)
    throw UsageError("-F and -D together leave nothing to test: -F is files only, -D directories only; give one");
  c.do_files = !c.dirs_only;
  c.do_dirs = !c.files_only;
  if (!c.any_phase_flag()) c.create = c.stat = c.read = c.remove = true;
  if (c.read && !c.do_files && !(c.create || c.stat || c.remove))
    throw UsageError("-E with -D: only files can be read; drop -D or add -C/-T/-r");
  c.tree = TreeGeometry{c.depth, c.branch};
  c.layout = resolve_items(c.tree, c.leaf_only, c.items, c.items_per_dir, &c.items_rounded_down);
  if (c.stride < 0) throw UsageError(fmt::format("-N {}: the stride must be 0 or more", c.stride));
  if (c.stonewall_s < 0) throw UsageError("-W must be 0 (off) or a positive number of seconds");
  if (c.series_interval_s < 1e-3)
    throw UsageError("--series-interval must be at least 1ms (the create-rate time series has one counter per "
                     "interval); e.g. --series-interval 100ms");
  if (c.read_bytes > 0 && !c.do_files)
    throw UsageError("-e with -D: only files can be read; drop -e or -D");
  if (c.create && c.do_files && c.read && c.read_bytes > c.write_bytes)
    throw UsageError(fmt::format("-e {} is more than -w {}: the read phase would read past the end of the files "
                                 "this run creates; use -e {} or less, or a larger -w",
                                 c.read_bytes, c.write_bytes, c.write_bytes));
  if (c.verify_read && (!c.read || !c.do_files || c.read_bytes == 0))
    throw UsageError("-X verifies the bytes of the read phase: it needs the read phase (-E or no phase flag), "
                     "files (no -D) and -e BYTES > 0");
  if (c.random_seed) c.random_order = true;  // as mdtest: a seed alone asks for the random order
  if (c.random_order && !c.stat && !c.read)
    throw UsageError("-R orders the stat and read phases, and none runs: add -T or -E, or drop -R/--random-seed");
  if (c.fsync_after_write && !(c.create && c.do_files && c.write_bytes > 0))
    throw UsageError("-y syncs each file after its write: it needs the file create phase (-C or no phase flag, no "
                     "-D) and -w BYTES > 0");
  if (!c.status_file.empty() && c.do_files == c.do_dirs)
    throw UsageError("-x carries one count, of files or of directories: give -F (as IO500's mdtest lines do) or -D");
  if (c.path_resolution == PathResolution::kFull && longest_item_path(c, ranks) > NameBuffer::kMaxPrefix)
    throw UsageError(fmt::format("-d {}... makes item paths longer than {} bytes, too long to resolve whole; use a "
                                 "shorter -d (cd there and give a relative one) or --path-resolution dirfd",
                                 c.dir.substr(0, 40), NameBuffer::kMaxPrefix));
}

nlohmann::json config_json(const Config& c) {
  return {
      {"api", c.api},
      {"directory", c.dir},
      {"items_per_rank", c.layout.items_per_rank},
      {"items_per_rank_requested", c.items},
      {"items_per_dir", c.layout.items_per_dir},
      {"item_dirs_used", c.layout.used_dir_count()},
      {"iterations", c.iterations},
      {"phases",
       {{"create", c.create}, {"stat", c.stat}, {"read", c.read}, {"remove", c.remove}}},
      {"files", c.do_files},
      {"directories", c.do_dirs},
      {"unique_dir_per_rank", c.unique_dir},
      {"tree_depth", c.depth},
      {"tree_branch", c.branch},
      {"tree_dirs", c.tree.dir_count()},
      {"leaf_only", c.leaf_only},
      {"write_bytes", c.write_bytes},
      {"read_bytes", c.read_bytes},
      {"stride_ranks", c.stride},
      {"stonewall_s", c.stonewall_s > 0 ? nlohmann::json(c.stonewall_s) : nlohmann::json(nullptr)},
      {"verify_read", c.verify_read},
      {"series_interval_s", c.series_interval_s},
      {"path_resolution", path_resolution_name(c.path_resolution)},
      {"print_rate_and_time", c.print_rate_and_time},
      {"data_seed", c.data_seed ? nlohmann::json(*c.data_seed) : nlohmann::json(c.content_seed())},
      {"data_packet_type_requested",
       c.data_packet_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.data_packet_type)},
      {"rank_details_csv", c.rank_details_csv.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.rank_details_csv)},
      {"stonewall_status_file", c.status_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.status_file)},
      {"sync_after_phase", c.sync_after_phase},
      {"fsync_after_write", c.fsync_after_write},
      {"time_working_dir_overhead", c.time_dir_overhead},
      {"random_order", c.random_order},
      {"random_seed", c.random_seed ? nlohmann::json(*c.random_seed) : nlohmann::json(nullptr)},
  };
}

}  // namespace pfsbench::mdtest_like
