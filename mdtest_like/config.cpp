#include "config.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::mdtest_like {

void add_options(CLI::App& app, Config& c) {
  app.add_option("-d,--dir", c.dir, "Directory in which the tests run (created when missing, removed by -r only "
                                    "when this run created it and it is empty)")
      ->capture_default_str();
  app.add_option("-n,--items", c.items, "Items (files and/or directories) each rank creates/stats/reads/removes")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-I,--items-per-dir", c.items_per_dir, "Items of each rank per tree directory")
      ->check(CLI::NonNegativeNumber);
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

  add_unsupported(app, "-B", "no barriers between phases");
  add_unsupported(app, "-c", "collective creates by rank 0");
  add_unsupported(app, "-f", "first number of tasks", true);
  add_unsupported(app, "-l", "last number of tasks", true);
  add_unsupported(app, "-s", "stride between task counts", true);
  add_unsupported(app, "-S", "shared file access");
  add_unsupported(app, "-t", "time unique working directory overhead");
  add_unsupported(app, "-k", "mknod instead of create");
  add_unsupported(app, "-p", "pre-iteration delay", true);
  add_unsupported(app, "-P", "print rate and time (both are in the JSON document)");
  add_unsupported(app, "-R", "random stat order");
  add_unsupported(app, "--random-seed", "random seed for -R", true);
  add_unsupported(app, "-U", "directory rename phase");
  add_unsupported(app, "-v", "verbosity (progress is on stderr, everything else in the JSON document)");
  add_unsupported(app, "-V", "verbosity level", true);
  add_unsupported(app, "-x", "stonewall status file", true);
  add_unsupported(app, "-y", "sync each file after writing");
  add_unsupported(app, "-Y", "sync after each phase");
  add_unsupported(app, "-Z", "print time instead of rate");
  add_unsupported(app, "-g", "Lustre global directory layout");
  add_unsupported(app, "-G", "data seed", true);
  add_unsupported(app, "--verify-write", "verify after write");
  add_unsupported(app, "--dataPacketType", "data packet type", true);
  add_unsupported(app, "--run-cmd-before-phase", "external command before each phase", true);
  add_unsupported(app, "--run-cmd-after-phase", "external command after each phase", true);
  add_unsupported(app, "--saveRankPerformanceDetails", "per-rank CSV (per-rank times are in the JSON document)",
                  true);
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
  (void)ranks;
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
  };
}

}  // namespace pfsbench::mdtest_like
