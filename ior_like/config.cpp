#include "config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backends.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace pfsbench::ior_like {

namespace {

void add_refused_ior_flags(CLI::App& app);

// The backend, the layout (-b -t -s), the phases and their checks.
void add_layout_and_phase_options(CLI::App& app, Config& cfg) {
  std::string apis;
  for (const auto& row : backend_rows())
    apis += fmt::format("\n  {:<6} {}{}", row.ior_name, row.summary, row.built ? "" : " [not built]");
  app.add_option("-a,--api", cfg.api, "I/O backend (case-insensitive):" + apis)->capture_default_str();
  app.add_flag("-c,--collective", cfg.collective,
               "Collective transfers (MPI_File_write_at_all, collective H5Dwrite); MPIIO and HDF5 only");
  add_size_option(app, "-b,--block-size", cfg.block_bytes, "Contiguous bytes each rank writes per segment");
  add_size_option(app, "-t,--transfer-size", cfg.transfer_bytes, "Bytes per I/O call; must divide -b");
  app.add_option("-s,--segments", cfg.segments, "Segments (IOR layout: offset = (seg*ranks + rank)*b + j*t)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-i,--iterations", cfg.iterations, "Repetitions of the whole test")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--inter-test-delay", cfg.delay_s,
                 "Seconds of idle before each iteration after the first (IOR's interTestDelay)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("-w,--write", cfg.write, "Write phase (neither -w nor -r: both)");
  app.add_flag("-r,--read", cfg.read, "Read phase (neither -w nor -r: both)");
  app.add_flag("-k,--keep", cfg.keep, "Keep the file(s) after the run (otherwise the files this run wrote are removed)");
  app.add_flag("-e,--fsync", cfg.fsync, "fsync before close; its time is inside the phase's span");
  app.add_flag("-Y,--fsync-per-write", cfg.fsync_per_write,
               "fsync after every write transfer (inside its latency and the phase's span); local backends only");
  app.add_flag("-F,--file-per-process", cfg.file_per_process, "One file per rank, named PATH.<8-digit rank>");
  app.add_flag("-W,--check-write", cfg.check_write, "After the write phase, read back and verify (timed apart)");
  app.add_flag("-R,--check-read", cfg.check_read,
               "Verify every transfer of the read phase against the pattern as it is read, inside the phase's "
               "time (as IOR's -R); the document also gives the figure without the check time");
  app.add_flag("--check-apart", cfg.check_apart,
               "With -R: read the data again after the read phase and verify it in a pass timed apart, so the read "
               "phase's figure is I/O only");
}

// Whose data a rank reads and in which order, which ranks do I/O, how
// long and how verbosely the run goes.
void add_order_and_run_options(CLI::App& app, Config& cfg) {
  app.add_flag("-C,--reorder-tasks", cfg.reorder,
               "Read the data of the rank one node further with the same place on its node (block mapping: rank + "
               "ranks per node), against client caches");
  app.add_flag("-Z,--reorder-tasks-random", cfg.reorder_random,
               "Read the data of a seeded random other rank (a permutation with no rank reading its own data)");
  app.add_option("-Q,--task-per-node-offset", cfg.task_per_node_offset,
                 "With -C: read the data of the rank this many nodes further (IOR's taskPerNodeOffset)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("-z,--random-offset", cfg.random_offsets,
               "Random offsets: each block's transfers in a seeded random order (still verifiable; -b must hold "
               "more than one -t). Twice (-z -z, IOR's randomOffset=2): each segment reads one random, possibly "
               "repeated, -b block of the file's existing size (reads only; -b may equal -t)");
  app.add_option("--random-offset-seed", cfg.random_offset_seed, "Seed of -z's order (-1: the -G seed)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{-1}, std::numeric_limits<std::int64_t>::max()));
  app.add_option("-G,--seed", cfg.seed, "Seed of the data pattern and of -Z's permutation")->capture_default_str();
  app.add_flag("-g,--intra-test-barriers", cfg.intra_test_barriers,
               "Barriers between open, transfers (with -e, their fsync) and close: the three are timed apart; "
               "the waits stay inside the phase's span");
  app.add_flag("-E,--use-existing", cfg.use_existing,
               "Use the existing file(s) at -o: never truncated, never removed (created if absent, then kept)");
  app.add_option("-N,--num-tasks", cfg.num_tasks, "Only the first N ranks do I/O; the others wait (-1: all)")
      ->capture_default_str()
      ->check(CLI::Range(-1, std::numeric_limits<int>::max()));
  app.add_flag("-v,--verbose", cfg.verbosity,
               "More detail on stderr (repeat for more): -v each phase's spans and stonewall counts, -vv also "
               "every rank's transfers and time");
  app.add_flag("-q,--quit-on-error", cfg.quit_on_error,
               "Stop the run at the first failed -W/-R check (exit 3) instead of going on to the next phase");
  app.add_option("-T,--max-time", cfg.max_time_min,
                 "Minutes after which no new iteration starts (IOR's maxTimeDuration; 0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("-l,--dataPacketType", cfg.data_packet_type,
                 "IOR's data packet type; accepted and recorded, but ior_like always writes its own seeded, "
                 "offset-keyed pattern (a warning says so)")
      ->check(CLI::IsMember({"offset", "o", "incompressible", "i", "timestamp", "t", "random", "r"},
                            CLI::ignore_case));
  app.add_flag("--pfsbench-tables", cfg.pfsbench_tables,
               "After IOR's output, also print pfsbench's own per-phase table (I/O-only bandwidth, latency "
               "percentiles, rank time spread)");
  app.add_option("-o,--test-file", cfg.path, "Test file path (with -F, the prefix of the per-rank files)")
      ->capture_default_str();
}

// Each backend's options and hints, stonewalling (-D, -O) and the watchdog.
void add_backend_and_stonewall_options(CLI::App& app, Config& cfg) {
  app.add_flag("--posix.odirect,-B", cfg.backend.odirect, "POSIX: open with O_DIRECT (sizes must be aligned)")
      ->group("POSIX backend options (-a POSIX)");
  app.add_option("-U,--hints-file", cfg.hints_file,
                 "MPI-IO hints file (IOR's format: IOR_HINT__MPI__<key>=<value> per line) for MPIIO or HDF5");
  app.add_flag("-H,--show-hints", cfg.show_hints, "Print the MPI-IO hints in effect after open (MPIIO, HDF5)");
  for (const auto& row : backend_rows())
    if (row.add_options) row.add_options(app, cfg.backend);
  app.add_option("--progress-interval", cfg.progress_interval_s, "Seconds between progress lines on stderr")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  app.add_option("-D,--deadline", cfg.deadline_s,
                 "Stonewalling: seconds after its open at which each rank stops issuing transfers (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("-O,--ior-option", cfg.ior_options,
                 "IOR's key=value options: stoneWallingWearOut=1 (after the deadline every rank continues to the "
                 "largest count), stoneWallingWearOutIterations=N (a read does N transfers per rank), "
                 "stoneWallingStatusFile=F (the write phase stores its count there; a read-only run loads it), "
                 "minTimeDuration=S (repeat the access pattern until S seconds), summaryFormat=default|JSON|CSV "
                 "(IOR's output formats, on stdout or in summaryFile=F; --json keeps pfsbench's document), "
                 "saveRankPerformanceDetailsCSV=F (IOR's "
                 "per-rank CSV lines, appended: access,rank,total_s,access_s,total_bw,access_bw)")
      ->expected(1)
      ->take_all();
  app.add_option("--collective-timeout", cfg.collective_timeout_s,
                 "Seconds one collective MPI-IO or HDF5 call (open, transfer, sync, close) may take before the job "
                 "is aborted as stuck, with the document written (0: wait forever). Open MPI's OMPIO and HDF5 can "
                 "hang inside a collective call after an I/O error")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

}  // namespace

void add_options(CLI::App& app, Config& cfg) {
  add_layout_and_phase_options(app, cfg);
  add_order_and_run_options(app, cfg);
  add_backend_and_stonewall_options(app, cfg);
  add_refused_ior_flags(app);
}

namespace {

// IOR flags not implemented: an error naming the flag, never silently ignored.
void add_refused_ior_flags(CLI::App& app) {
  add_unsupported(app, "-m", "multiple files");
  add_unsupported(app, "-u", "unique directory per file");
  add_unsupported(app, "-x", "single transfer attempt");
  add_unsupported(app, "-j", "outlier threshold", true);
  add_unsupported(app, "-J", "alignment", true);
  add_unsupported(app, "-n", "no fill");
  add_unsupported(app, "-M", "memory per node", true);
  add_unsupported(app, "-f", "script file", true);
  add_unsupported(app, "-A", "reference number", true);
  add_unsupported(app, "-K", "keep file with errors");
  add_unsupported(app, "-I", "data packet offset", true);
  add_unsupported(app, "-y", "dual mount");
  add_unsupported(app, "-L", "MPI-IO views");
  add_unsupported(app, "-S", "shared file pointer");
  add_unsupported(app, "-X", "IOR's -Z seed (use -G)", true);
}

}  // namespace

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::uint64_t parse_count(const std::string& key, const std::string& value) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    throw UsageError(fmt::format("-O {}={}: the value is not a whole number; give e.g. -O {}=1", key, value, key));
  return n;
}

double parse_seconds(const std::string& key, const std::string& value) {
  double v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !std::isfinite(v) || v < 0)
    throw UsageError(fmt::format("-O {}={}: the value is not a number of seconds >= 0; give e.g. -O {}=30", key,
                                 value, key));
  return v;
}

}  // namespace

void apply_ior_option(Config& cfg, const std::string& key_value) {
  const auto eq = key_value.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError(fmt::format("-O {}: not of the form key=value; write e.g. -O stoneWallingWearOut=1", key_value));
  const std::string key = key_value.substr(0, eq);
  const std::string value = key_value.substr(eq + 1);
  const std::string k = lower(key);
  if (k == "stonewallingwearout") {
    const std::uint64_t n = parse_count(key, value);
    if (n > 1) throw UsageError(fmt::format("-O {}={}: the value is 0 or 1; give 0 or 1", key, value));
    cfg.wear_out = n == 1;
  } else if (k == "stonewallingwearoutiterations") {
    cfg.wear_out_iterations = parse_count(key, value);
  } else if (k == "stonewallingstatusfile") {
    if (value.empty()) throw UsageError(fmt::format("-O {}= is empty; give the status file path", key));
    cfg.status_file = value;
  } else if (k == "mintimeduration") {
    cfg.min_time_s = parse_seconds(key, value);
  } else if (k == "summaryfile") {
    if (value.empty()) throw UsageError(fmt::format("-O {}= is empty; give the path of IOR's summary file", key));
    cfg.summary_file = value;
  } else if (k == "summaryformat") {
    const std::string v = lower(value);
    if (v != "default" && v != "json" && v != "csv")
      throw UsageError(fmt::format("-O {}={}: unknown format; give -O {}=default, JSON or CSV (IOR's formats)", key,
                                   value, key));
    cfg.summary_format = v;
  } else if (k == "saverankperformancedetailscsv") {
    if (value.empty()) throw UsageError(fmt::format("-O {}= is empty; give the CSV file path", key));
    cfg.rank_details_csv = value;
  } else {
    throw UsageError(fmt::format("-O {}: unknown or not implemented key '{}'; ior_like knows stoneWallingWearOut, "
                                 "stoneWallingWearOutIterations, stoneWallingStatusFile, minTimeDuration, "
                                 "summaryFile, summaryFormat and saveRankPerformanceDetailsCSV; remove it",
                                 key_value, key));
  }
}

void apply_ior_options(Config& cfg) {
  for (const auto& given : cfg.ior_options) {
    // IOR accepts several options in one -O, separated by commas.
    std::size_t start = 0;
    while (start <= given.size()) {
      const auto comma = given.find(',', start);
      const std::string one = given.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      apply_ior_option(cfg, one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
}

void validate(const Config& cfg) {
  if (cfg.transfer_bytes > cfg.block_bytes)
    throw UsageError(fmt::format("-t {} is larger than -b {}; a block holds whole transfers; lower -t or raise -b",
                                 format_size_short(cfg.transfer_bytes), format_size_short(cfg.block_bytes)));
  if (cfg.block_bytes % cfg.transfer_bytes != 0)
    throw UsageError(fmt::format(
        "-t {} does not divide -b {} ({} bytes left over); a block is a whole number of transfers; choose "
        "-b as a multiple of -t",
        format_size_short(cfg.transfer_bytes), format_size_short(cfg.block_bytes),
        cfg.block_bytes % cfg.transfer_bytes));
  if (cfg.reorder && cfg.reorder_random)
    throw UsageError("-C and -Z both choose whose data a rank reads; use one of them");
  if (cfg.check_write && !cfg.do_write()) throw UsageError("-W checks the write phase, but -r alone skips it; add -w");
  if (cfg.check_read && !cfg.do_read()) throw UsageError("-R checks the read phase, but -w alone skips it; add -r");
  if (cfg.path.empty()) throw UsageError("-o is empty; give the test file path");
  // IO500's read lines repeat the write line's stoneWallingWearOut=1 without
  // -D: a read-only run takes its count from the status file, and wear-out
  // has no deadline to continue after. A write without -D is a mistake.
  if (cfg.wear_out && cfg.deadline_s <= 0 && cfg.do_write())
    throw UsageError("-O stoneWallingWearOut=1 continues after a deadline, but no -D is given; add -D SECONDS");
  const std::uint64_t per_rank = cfg.layout(1).transfers_per_rank();
  if (cfg.wear_out_iterations > per_rank)
    throw UsageError(fmt::format("-O stoneWallingWearOutIterations={} exceeds the {} transfers per rank of -b/-t/-s; "
                                 "lower it or raise -b or -s",
                                 cfg.wear_out_iterations, per_rank));
  if (cfg.check_apart && !cfg.check_read) throw UsageError("--check-apart says how -R checks, but -R is not given; add -R");
  if (cfg.random_blocks() && cfg.do_write())
    throw UsageError("-z -z reads random blocks over the existing file's size, which a write does not have (IOR "
                     "5fcf0ba divides by zero there); write the file without -z -z first, then read it with -r -z -z");
  if (cfg.random_offsets == 1 && cfg.block_bytes == cfg.transfer_bytes)
    throw UsageError(fmt::format("-z orders the transfers of each block at random, but -b {} holds a single -t; "
                                 "raise -b to several transfers (e.g. -b {})",
                                 format_size_short(cfg.block_bytes), format_size_short(cfg.transfer_bytes * 256)));
  if (cfg.task_per_node_offset != 1 && !cfg.reorder)
    throw UsageError(fmt::format("-Q {} sets how many nodes further -C reads, but -C is not given{}; add -C or "
                                 "drop -Q",
                                 cfg.task_per_node_offset,
                                 cfg.reorder_random ? " (-Z reads a random other rank)" : ""));
  if (cfg.num_tasks == 0) throw UsageError("-N 0 leaves no rank to do I/O; give -N 1 or more, or -1 for all");
  const BackendRow& row = find_backend(cfg.api);
  const BackendCaps& caps = row.caps;
  auto refuse = [&](const std::string& flag, const std::string& what) {
    throw UsageError(fmt::format("{} ({}) is not supported by the {} backend; drop it or choose a backend that "
                                 "has it",
                                 flag, what, row.ior_name));
  };
  if (cfg.backend.odirect && !caps.odirect) refuse("-B/--posix.odirect", "O_DIRECT");
  if (cfg.file_per_process && !caps.file_per_process) refuse("-F", "file per process");
  if (cfg.fsync && !caps.fsync) refuse("-e", "fsync");
  // MPI_File_sync and H5Fflush are collective: no independent sync per write.
  if (cfg.fsync_per_write && (!caps.fsync || caps.collective_open))
    refuse("-Y", "fsync after every write; its sync is collective");
  if (cfg.collective && !caps.collective) refuse("-c", "collective transfers; -a MPIIO or -a HDF5 has them");
  if (cfg.random_offsets && !caps.random_offsets) refuse("-z", "random offsets");
  if (cfg.random_blocks() && !caps.random_blocks)
    refuse("-z -z", "random blocks of the whole file; it opens one segment's dataset at a time, in segment order "
                    "(a single -z shuffles within each block and is supported)");
  if (cfg.use_existing && !caps.use_existing) refuse("-E", "use the existing file; HDF5 recreates it with H5Fcreate");
  if (!cfg.hints_file.empty() && !caps.hints) refuse("-U", "MPI-IO hints");
  if (cfg.show_hints && !caps.hints) refuse("-H", "MPI-IO hints");
  for (const auto& [flag, prefix] : cfg.given_backend_options)
    if (prefix != "--posix." && prefix != row.option_prefix)  // -B is governed by caps.odirect
      throw UsageError(fmt::format("{} is an option of another backend than -a {}; drop it or use that backend",
                                   flag, row.ior_name));
  if (cfg.backend.hdf5.chunk_bytes > 0 && cfg.transfer_bytes % cfg.backend.hdf5.chunk_bytes != 0 &&
      cfg.backend.hdf5.chunk_bytes % cfg.transfer_bytes != 0)
    throw UsageError(fmt::format("--hdf5.chunkSize {} and -t {} do not nest; a chunk should hold whole transfers "
                                 "or a transfer whole chunks; choose one a multiple of the other",
                                 cfg.backend.hdf5.chunk_bytes, cfg.transfer_bytes));
}

void note_given_options(const CLI::App& app, Config& cfg) {
  cfg.given_backend_options.clear();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0) continue;
    for (const auto& name : opt->get_lnames()) {
      const auto dot = name.find('.');
      if (dot == std::string::npos) continue;
      cfg.given_backend_options.emplace_back("--" + name, "--" + name.substr(0, dot + 1));
    }
  }
}

std::string hints_file(const Config& cfg) {
  const std::string api = find_backend(cfg.api).name;
  if (api == "mpiio" && !cfg.backend.mpiio.hints_file.empty()) return cfg.backend.mpiio.hints_file;
  if (api == "hdf5" && !cfg.backend.hdf5.hints_file.empty()) return cfg.backend.hdf5.hints_file;
  return cfg.hints_file;
}

bool show_hints(const Config& cfg) {
  return cfg.show_hints || cfg.backend.mpiio.show_hints || cfg.backend.hdf5.show_hints;
}

nlohmann::json to_json(const Config& cfg) {
  return {{"api", cfg.api},
          {"block_size_bytes", cfg.block_bytes},
          {"transfer_size_bytes", cfg.transfer_bytes},
          {"segments", cfg.segments},
          {"iterations", cfg.iterations},
          {"delay_between_iterations_s", cfg.delay_s},
          {"write", cfg.do_write()},
          {"read", cfg.do_read()},
          {"keep", cfg.keep},
          {"fsync_before_close", cfg.fsync},
          {"fsync_per_write", cfg.fsync_per_write},
          {"file_per_process", cfg.file_per_process},
          {"check_write", cfg.check_write},
          {"check_read", cfg.check_read},
          {"read_order", read_order_name(cfg.read_order())},
          {"task_per_node_offset", cfg.reorder ? nlohmann::json(cfg.task_per_node_offset) : nlohmann::json(nullptr)},
          {"random_offsets", cfg.random_offsets > 0},
          {"random_offset_mode", cfg.random_blocks() ? "random_blocks" : cfg.random_offsets ? "shuffle_in_block" : "sequential"},
          {"check_read_apart", cfg.check_apart},
          {"random_offset_seed", cfg.random_offsets ? nlohmann::json(cfg.offset_seed()) : nlohmann::json(nullptr)},
          {"intra_test_barriers", cfg.intra_test_barriers},
          {"use_existing", cfg.use_existing},
          {"num_tasks", cfg.num_tasks > 0 ? nlohmann::json(cfg.num_tasks) : nlohmann::json(nullptr)},
          {"quit_on_error", cfg.quit_on_error},
          {"max_time_min", cfg.max_time_min > 0 ? nlohmann::json(cfg.max_time_min) : nlohmann::json(nullptr)},
          {"min_time_s", cfg.min_time_s > 0 ? nlohmann::json(cfg.min_time_s) : nlohmann::json(nullptr)},
          {"data_packet_type_requested",
           cfg.data_packet_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.data_packet_type)},
          {"rank_details_csv",
           cfg.rank_details_csv.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.rank_details_csv)},
          {"seed", cfg.seed},
          {"test_file", cfg.path},
          {"odirect", cfg.backend.odirect},
          {"collective", cfg.collective},
          {"collective_timeout_s", cfg.collective_timeout_s},
          {"deadline_s", cfg.deadline_s > 0 ? nlohmann::json(cfg.deadline_s) : nlohmann::json(nullptr)},
          {"stonewall_wear_out", cfg.wear_out},
          {"stonewall_wear_out_iterations",
           cfg.wear_out_iterations > 0 ? nlohmann::json(cfg.wear_out_iterations) : nlohmann::json(nullptr)},
          {"stonewall_status_file", cfg.status_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.status_file)},
          {"hints_file", cfg.hints_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.hints_file)},
          {"mpiio",
           {{"hints_file", cfg.backend.mpiio.hints_file.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(cfg.backend.mpiio.hints_file)},
            {"preallocate", cfg.backend.mpiio.preallocate},
            {"use_file_view", cfg.backend.mpiio.use_file_view}}},
          {"hdf5",
           {{"collective_metadata", cfg.backend.hdf5.collective_metadata},
            {"alignment_bytes", cfg.backend.hdf5.alignment_bytes},
            {"chunk_bytes", cfg.backend.hdf5.chunk_bytes},
            {"no_fill", cfg.backend.hdf5.no_fill},
            {"hints_file", cfg.backend.hdf5.hints_file.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(cfg.backend.hdf5.hints_file)}}}};
}

}  // namespace pfsbench::ior_like
