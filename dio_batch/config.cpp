#include "config.hpp"

#include <map>

#include <fmt/format.h>

#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"
#include "submitter.hpp"

namespace pfsbench::dio_batch {

const char* rw_name(Rw rw) noexcept {
  switch (rw) {
    case Rw::kWrite: return "write";
    case Rw::kRead: return "read";
    case Rw::kRandWrite: return "randwrite";
    case Rw::kRandRead: return "randread";
  }
  return "?";
}
const char* mode_name(Mode m) noexcept {
  switch (m) {
    case Mode::kCreate: return "create";
    case Mode::kOverwrite: return "overwrite";
    case Mode::kAppend: return "append";
  }
  return "?";
}
const char* sync_name(Sync s) noexcept {
  switch (s) {
    case Sync::kNone: return "none";
    case Sync::kSync: return "sync";
    case Sync::kDsync: return "dsync";
  }
  return "?";
}
const char* prealloc_name(Prealloc p) noexcept {
  switch (p) {
    case Prealloc::kNone: return "none";
    case Prealloc::kFallocate: return "fallocate";
    case Prealloc::kTruncate: return "truncate";
  }
  return "?";
}

std::string Config::file_of(int rank) const { return shared ? path : fmt::format("{}.{}", path, rank); }

void add_options(CLI::App& app, Config& cfg) {
  std::string engines;
  for (const auto& e : available_engines()) engines += (engines.empty() ? "" : ", ") + e;
  app.add_option("--engine", cfg.engine, "I/O engine: " + engines)->capture_default_str();
  add_size_option(app, "--bs", cfg.bs_bytes, "Request size (a multiple of the O_DIRECT alignment)");
  app.add_option("--iodepth", cfg.iodepth, "Requests kept in flight per rank (psync: 1)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 65536u));
  app.add_option("--iodepth-batch-submit,--iodepth-batch", cfg.batch_submit,
                 "Requests per submit call (fio iodepth_batch_submit; 0 = all staged requests at once)")
      ->capture_default_str();
  add_size_option(app, "--size", cfg.size_bytes, "Bytes per rank (the region each rank writes or reads)");
  add_choice_option(app, "--rw", cfg.rw,
                    {{"write", Rw::kWrite}, {"read", Rw::kRead}, {"randwrite", Rw::kRandWrite},
                     {"randread", Rw::kRandRead}},
                    "Sequential write or read, or random write or read (a seeded permutation of the blocks)");
  add_choice_option(app, "--mode", cfg.mode,
                    {{"create", Mode::kCreate}, {"overwrite", Mode::kOverwrite}, {"append", Mode::kAppend}},
                    "create: a new empty file the writes extend (an existing file is refused unless "
                    "--replace-existing); overwrite: an existing fully written "
                    "file (laid out first, untimed, when missing or short); append: writes past the "
                    "end of an existing file");
  app.add_flag("--replace-existing", cfg.replace_existing,
               "With --mode create: empty a file that exists before the run and write it as new (it is kept "
               "at the end, as every file this run did not create); without it such a file is refused");
  add_choice_option(app, "--prealloc", cfg.prealloc,
                    {{"none", Prealloc::kNone}, {"fallocate", Prealloc::kFallocate}, {"truncate", Prealloc::kTruncate}},
                    "For --mode create, untimed: none, fallocate (fio's default) or truncate (ftruncate "
                    "to the final size)");
  // fio's sync=: a bare --sync is sync=1, which fio opens with O_SYNC
  // (data and metadata); O_DSYNC (data only) is --sync=dsync, as fio's
  // sync=dsync.
  app.add_flag("--sync{sync}", cfg.sync_text,
               "Synchronous writes, as fio's sync=: --sync (= --sync=sync, fio sync=1) opens with O_SYNC, "
               "--sync=dsync with O_DSYNC, --sync=none (the default) with neither")
      ->type_name("[=none|sync|dsync]");
  app.add_flag("--fsync-at-end", cfg.fsync_at_end, "fsync each file before close, inside the timed span");
  add_choice_option(app, "--direct", cfg.direct, {{"1", true}, {"0", false}}, "1: O_DIRECT (default), 0: buffered");
  app.add_option("-o,--path", cfg.path,
                 "Target file; a file per rank PATH.<rank> unless --shared")
      ->capture_default_str();
  app.add_flag("--shared", cfg.shared, "All ranks in one file, rank r at offset r * size");
  app.add_flag("--time-based", cfg.time_based,
               "Run for --runtime seconds, wrapping around the --size region");
  app.add_option_function<std::string>(
         "--runtime", [&cfg](const std::string& s) { cfg.runtime_s = parse_duration_s(s, "--runtime"); },
         "With --time-based: seconds to run (30, 1.5, 500ms, 2m)")
      ->type_name("DURATION");
  app.add_flag("--verify", cfg.verify, "Read the data back after the phase (timed separately) and check it");
  app.add_flag("-k,--keep", cfg.keep,
               "Keep the file(s) this run created; without it they are removed at the end, also after a failure "
               "(ENOSPC...) or a signal. A file that existed before the run is never removed");
  app.add_flag("--fixedbufs", cfg.fixedbufs, "io_uring: register the buffers with the kernel (fio fixedbufs)");
  app.add_option_function<std::string>(
         "--interval",
         [&cfg](const std::string& s) { cfg.interval_s = parse_duration_s(s, "--interval"); },
         "Width of a throughput time-series bucket (default 100ms)")
      ->type_name("DURATION");
}

void validate_basic(const Config& cfg) {
  const auto engines = available_engines();
  if (std::find(engines.begin(), engines.end(), cfg.engine) == engines.end()) {
    std::string list;
    for (const auto& e : engines) list += (list.empty() ? "" : ", ") + e;
    throw UsageError(fmt::format("unknown --engine '{}', this build has: {}; pick one of those", cfg.engine, list));
  }
  const EngineCaps caps = engine_caps(cfg.engine);
  if (cfg.iodepth > caps.max_depth)
    throw UsageError(fmt::format("--iodepth {} with --engine {}, which keeps at most {} request(s) in "
                                 "flight; use --iodepth {} or an async engine (libaio, io_uring)",
                                 cfg.iodepth, cfg.engine, caps.max_depth, caps.max_depth));
  if (cfg.fixedbufs && !caps.fixed_buffers)
    throw UsageError(fmt::format("--fixedbufs with --engine {}, which has no registered buffers; use "
                                 "--engine io_uring or drop --fixedbufs",
                                 cfg.engine));
  if (cfg.bs_bytes > (1ull << 30))
    throw UsageError(fmt::format("--bs {} is larger than 1 GiB, one request must fit a buffer per "
                                 "in-flight slot; use a smaller --bs",
                                 cfg.bs_bytes));
  if (cfg.size_bytes % cfg.bs_bytes != 0)
    throw UsageError(fmt::format("--size {} is not a multiple of --bs {}, every request has the same "
                                 "size; use a --size that is a multiple of --bs",
                                 cfg.size_bytes, cfg.bs_bytes));
  if (cfg.bs_bytes * cfg.iodepth > (8ull << 30))
    throw UsageError(fmt::format("--bs {} x --iodepth {} needs {} of buffers per rank, more than 8 GiB; "
                                 "lower --iodepth or --bs",
                                 cfg.bs_bytes, cfg.iodepth, format_bytes(cfg.bs_bytes * cfg.iodepth)));
  if (cfg.time_based && !(cfg.runtime_s > 0))
    throw UsageError("--time-based without a positive --runtime, the run would end at once; add "
                     "e.g. --runtime 10");
  if (!cfg.time_based && cfg.runtime_s > 0)
    throw UsageError("--runtime without --time-based, dio_batch stops after --size unless time-based "
                     "(as fio's runtime only caps a size-based job); add --time-based or drop --runtime");
  if (cfg.prealloc != Prealloc::kNone && cfg.mode != Mode::kCreate)
    throw UsageError(fmt::format("--prealloc {} with --mode {}, preallocation applies to a new file "
                                 "only; use --mode create or drop --prealloc",
                                 prealloc_name(cfg.prealloc), mode_name(cfg.mode)));
  if (!is_write(cfg.rw) && cfg.mode != Mode::kOverwrite && cfg.mode != Mode::kCreate)
    throw UsageError(fmt::format("--rw {} with --mode {}, reads need existing data; use --mode "
                                 "overwrite (the default for reads) ",
                                 rw_name(cfg.rw), mode_name(cfg.mode)));
  if (!(cfg.interval_s >= 0.001))
    throw UsageError("--interval below 1ms, the time series would be larger than the run; use e.g. 100ms");
  if (cfg.path.empty()) throw UsageError("-o is empty, dio_batch needs a target file; pass -o PATH");
}

void resolve_sync(Config& cfg) {
  const std::string& t = cfg.sync_text;
  if (t.empty() || t == "none" || t == "0")
    cfg.sync = Sync::kNone;
  else if (t == "sync" || t == "1")
    cfg.sync = Sync::kSync;
  else if (t == "dsync")
    cfg.sync = Sync::kDsync;
  else
    throw UsageError(fmt::format("--sync={} is not one of none, sync, dsync (fio's sync= values); use --sync for "
                                 "O_SYNC (fio sync=1) or --sync=dsync for O_DSYNC",
                                 t));
  if (cfg.replace_existing && cfg.mode != Mode::kCreate)
    throw UsageError(fmt::format("--replace-existing with --mode {}, it lets --mode create empty an existing "
                                 "file; drop it (overwrite and append always use the existing file)",
                                 mode_name(cfg.mode)));
}

nlohmann::json to_json(const Config& cfg) {
  return {{"engine", cfg.engine},
          {"bs_bytes", cfg.bs_bytes},
          {"iodepth", cfg.iodepth},
          {"iodepth_batch_submit", cfg.batch_submit},
          {"size_bytes_per_rank", cfg.size_bytes},
          {"rw", rw_name(cfg.rw)},
          {"mode", is_write(cfg.rw) ? mode_name(cfg.mode) : "existing"},
          {"prealloc", prealloc_name(cfg.prealloc)},
          // false as before when off (so documents of earlier builds match),
          // else fio's name: "sync" (O_SYNC) or "dsync" (O_DSYNC).
          {"sync", cfg.sync == Sync::kNone ? nlohmann::json(false) : nlohmann::json(sync_name(cfg.sync))},
          {"replace_existing", cfg.replace_existing},
          {"fsync_at_end", cfg.fsync_at_end},
          {"direct", cfg.direct},
          {"path", cfg.path},
          {"shared_file", cfg.shared},
          {"time_based", cfg.time_based},
          {"runtime_s", cfg.time_based ? nlohmann::json(cfg.runtime_s) : nlohmann::json(nullptr)},
          {"verify", cfg.verify},
          {"fixedbufs", cfg.fixedbufs},
          {"interval_s", cfg.interval_s},
          {"keep", cfg.keep}};
}

}  // namespace pfsbench::dio_batch
