#include "dio_batch_tool.hpp"

#include <ostream>

#include <fmt/format.h>

#include "block_device.hpp"
#include "file_setup.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/stats.hpp"
#include "run_loop.hpp"
#include "summary.hpp"
#include "verify.hpp"

namespace pfsbench::dio_batch {

using nlohmann::json;

std::string DioBatchTool::description() const {
  return "dio_batch: small sequential O_DIRECT requests kept in flight (libaio, io_uring, psync), as in fio "
         "rw=write direct=1 ioengine=libaio iodepth=128 bs=32k. Every rank writes (or reads) --size bytes; "
         "bandwidth = all bytes / (earliest open .. latest close).";
}

void DioBatchTool::add_options(CLI::App& app) { dio_batch::add_options(app, cfg_); }

void DioBatchTool::validate() {
  validate_basic(cfg_);
  fs_type_ = probe_filesystem(cfg_.path).fs_type;
  align_ = probe_dio_alignment(cfg_.path);
  if (cfg_.direct) {
    // The region base of --shared is rank * size: aligned when size is.
    const DioSize sizes[] = {{"--bs", cfg_.bs_bytes, false}, {"--size", cfg_.size_bytes, true}};
    if (auto problem = dio_alignment_problem(sizes, 0, align_, "--direct 0")) throw UsageError(*problem);
  }
}

json DioBatchTool::config_json() const {
  json j = to_json(cfg_);
  j["dio_alignment"] = {{"mem_bytes", align_.mem_bytes}, {"offset_bytes", align_.offset_bytes},
                        {"source", align_.source}};
  return j;
}

namespace {

json latency_or_null(const LatencyHistogram& h) {
  if (h.count() == 0) return nullptr;
  return to_json(summarize(h));
}

json disk_json(const DiskDelta& d) {
  const auto avg = d.avg_request_bytes();
  return {{"requests", d.requests}, {"merges", d.merges}, {"bytes", d.bytes},
          {"avg_request_bytes", avg ? json(*avg) : json(nullptr)}};
}

}  // namespace

void DioBatchTool::run(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  const int rank = comm.rank();
  const auto nranks = static_cast<std::uint64_t>(comm.size());
  const bool write = is_write(cfg_.rw);
  const std::string path = cfg_.file_of(rank);
  const std::uint64_t bs = cfg_.bs_bytes;
  const std::uint64_t region_total = cfg_.shared ? cfg_.size_bytes * nranks : cfg_.size_bytes;
  const std::uint64_t pseed = pattern_seed(cfg_.shared, rank);
  const std::uint64_t oseed = 0x6f666673ull + static_cast<std::uint64_t>(rank);
  const bool does_file_setup = !cfg_.shared || rank == 0;

  if (cfg_.direct && fs_type_ == "tmpfs")
    ctx.warn("O_DIRECT on tmpfs is not direct: tmpfs accepts O_DIRECT (Linux >= 6.6) with no alignment "
             "rule and serves it from memory, so these numbers measure memory copies, not a device");

  // 1. Untimed preparation: what exists decides what to lay out.
  std::int64_t existing = -1;
  ctx.step([&] {
    require_writable_dir(parent_dir(path), "-o", rank);
    if (does_file_setup) existing = file_size_or_missing(path, rank);
  });
  if (cfg_.shared) {
    std::uint64_t v = static_cast<std::uint64_t>(existing + 1);
    comm.bcast(v);
    existing = static_cast<std::int64_t>(v) - 1;
  }
  std::uint64_t region_base = 0;  // where this run's region starts in the file (append: past the old end)
  std::uint64_t laid_out = 0;
  const DataPattern pattern(pseed);
  ctx.step([&] {
    if (write && cfg_.mode == Mode::kCreate) {
      if (does_file_setup) prepare_create(path, cfg_.prealloc, region_total, rank);
      return;
    }
    // overwrite, append and reads need existing data: lay out what is missing.
    const bool missing = existing < 0 || (cfg_.mode != Mode::kAppend || !write
                                              ? static_cast<std::uint64_t>(existing) < region_total
                                              : false);
    if (missing) {
      lay_out(path, cfg_.rank_offset(rank), cfg_.size_bytes, pattern, rank);
      laid_out = cfg_.size_bytes;
    }
    if (write && cfg_.mode == Mode::kAppend)
      region_base = existing < 0 ? region_total : round_up(static_cast<std::uint64_t>(existing), align_.offset_bytes);
  });

  // 2. The phase.
  std::optional<BlockDevice> dev;
  const bool device_reader = ctx.layout.local_rank == 0;
  if (device_reader) dev = resolve_block_device(path);
  PhaseSpec spec;
  spec.cfg = &cfg_;
  spec.path = path;
  spec.rank = rank;
  spec.write = write;
  spec.base = region_base + cfg_.rank_offset(rank);
  spec.blocks = cfg_.size_bytes / bs;
  spec.align = align_;
  spec.pattern_seed = pseed;
  spec.offset_seed = oseed;
  spec.progress = ctx.verbose_root();

  // The device counters are read before the barrier that starts the phase:
  // a rank may leave the barrier and complete writes before the node's
  // reader is scheduled again, and those must fall inside the window.
  std::optional<DiskCounters> before;
  if (dev) before = read_disk_counters(*dev);
  comm.barrier();
  RankPhaseResult rr;
  spec.early_stop = &ctx.early_stop;
  // A failed rank stops everyone together (no rank waits in a reduction
  // for one that will never come) and at once (EarlyStop); an interrupt
  // keeps what finished: the phase is recorded incomplete, then the step
  // after it turns the signal into exit 4.
  ctx.step_keeping_interrupt([&] { rr = run_phase(spec); });
  std::optional<DiskCounters> after;
  if (dev && before) after = read_disk_counters(*dev);

  const Interval local[2] = {rr.span, rr.io};
  const auto spans = reduce_spans(comm, local, ctx.clock);
  reduce_histogram_to_root(comm, rr.clat);
  reduce_histogram_to_root(comm, rr.slat);
  // Align this rank's series (bucket 0 = its own open) to the earliest open.
  const double shift_s = ctx.clock.to_global(rr.span.start_s) - spans[0].earliest_start_s;
  const auto shift = static_cast<std::size_t>(std::max(0.0, shift_s / cfg_.interval_s + 0.5));
  if (shift > 0) rr.series.insert(rr.series.begin(), shift, 0);
  reduce_series_to_root(comm, rr.series);
  const DiskDelta dw = after ? disk_delta(*before, *after, true) : DiskDelta{};
  const DiskDelta dr = after ? disk_delta(*before, *after, false) : DiskDelta{};
  std::vector<std::uint64_t> sums = {rr.bytes,
                                     rr.ops,
                                     rr.interrupted ? 1u : 0u,
                                     static_cast<std::uint64_t>(rr.cpu_user_s * 1e9),
                                     static_cast<std::uint64_t>(rr.cpu_sys_s * 1e9),
                                     after ? 1u : 0u,
                                     dw.requests, dw.merges, dw.bytes,
                                     dr.requests, dr.merges, dr.bytes};
  comm.allreduce_sum(sums);
  const bool complete = sums[2] == 0;

  if (comm.is_root()) {
    Phase ph;
    ph.name = rw_name(cfg_.rw);
    ph.bytes = sums[0];
    ph.ops = sums[1];
    // Headline: all bytes / (earliest open .. latest close), fsync included
    // when asked; IOPS over the same span.
    ph.duration_s = spans[0].span_s();
    ph.bandwidth_bytes_per_s = rate(static_cast<double>(ph.bytes), ph.duration_s);
    ph.ops_per_s = rate(static_cast<double>(ph.ops), ph.duration_s);
    ph.rank_duration_s = spans[0].rank_duration_s;
    if (rr.clat.count() > 0) ph.latency = summarize(rr.clat);
    const double user_s = static_cast<double>(sums[3]) * 1e-9, sys_s = static_cast<double>(sums[4]) * 1e-9;
    const double rank_seconds = ph.duration_s * static_cast<double>(nranks);
    json series = json::array();
    for (auto v : rr.series) series.push_back(static_cast<double>(v) / cfg_.interval_s);
    json device = nullptr;
    if (sums[5] > 0) {
      device = {{"name", dev ? dev->name : ""},
                {"chain", dev ? dev->chain : std::vector<std::string>{}},
                {"nodes_sampled", sums[5]},
                {"write", disk_json({sums[6], sums[7], sums[8]})},
                {"read", disk_json({sums[9], sums[10], sums[11]})},
                {"note", "from /sys/block/<dev>/stat before and after the phase, one reader per node, summed; "
                         "counts every request the device saw in that time, including other processes'"}};
    }
    ph.details = {
        {"engine", cfg_.engine},
        {"rw", rw_name(cfg_.rw)},
        {"mode", write ? mode_name(cfg_.mode) : "existing"},
        {"bs_bytes", bs},
        {"iodepth", cfg_.iodepth},
        {"ranks", nranks},
        {"direct", cfg_.direct},
        {"complete", complete},
        {"region_base_bytes", region_base},
        {"laid_out_bytes_per_rank", laid_out},
        {"io_duration_s", spans[1].span_s()},
        {"io_bandwidth_bytes_per_s", rate(static_cast<double>(ph.bytes), spans[1].span_s()).value_or(0.0)},
        {"submission_latency", latency_or_null(rr.slat)},
        {"time_series", {{"interval_s", cfg_.interval_s}, {"unit", "bytes_per_s"}, {"values", series}}},
        {"cpu",
         {{"user_s", user_s},
          {"sys_s", sys_s},
          {"per_io_ns", ph.ops ? json((user_s + sys_s) * 1e9 / static_cast<double>(ph.ops)) : json(nullptr)},
          {"usr_percent", rank_seconds > 0 ? json(100.0 * user_s / rank_seconds) : json(nullptr)},
          {"sys_percent", rank_seconds > 0 ? json(100.0 * sys_s / rank_seconds) : json(nullptr)}}},
        {"device", device},
    };
    ctx.add_phase(std::move(ph));
  }
  // Turns an interrupt into exit 4 / status interrupted on every rank; the
  // phase above (complete: false) is kept.
  ctx.step([] {});

  // 3. Verification, timed apart from the phase.
  if (!cfg_.verify) return;
  VerifyResult vr;
  ctx.step([&] {
    vr = verify_region(cfg_, path, rank, spec.base, spec.blocks, rr.ops, align_, pseed, oseed);
  });
  const Interval vlocal[1] = {vr.span};
  const auto vspans = reduce_spans(comm, vlocal, ctx.clock);
  std::vector<std::uint64_t> vsum = {vr.bytes_checked};
  comm.allreduce_sum(vsum);
  const auto oks = comm.gather(static_cast<std::uint64_t>(vr.ok ? 1 : 0));
  const auto offs = comm.gather(vr.first_bad_offset);
  const auto exps = comm.gather(static_cast<std::uint64_t>(vr.expected));
  const auto founds = comm.gather(static_cast<std::uint64_t>(vr.found));
  const auto bads = comm.gather(vr.bad_bytes);
  const auto paths = comm.gather(path);
  if (comm.is_root()) {
    VerificationCheck check;
    check.phase = rw_name(cfg_.rw);
    check.bytes_checked = vsum[0];
    check.duration_s = vspans[0].span_s();
    for (std::size_t r = 0; r < oks.size(); ++r) {
      if (oks[r]) continue;
      check.passed = false;
      if (!check.first_mismatch) {
        Mismatch m;
        m.path = paths[r];
        m.offset = offs[r];
        m.expected = static_cast<std::uint32_t>(exps[r]);
        m.found = static_cast<std::uint32_t>(founds[r]);
        m.mismatched_bytes = bads[r];
        m.rank = static_cast<int>(r);
        check.first_mismatch = m;
      }
    }
    ctx.result.verification.enabled = true;
    ctx.result.verification.checks.push_back(check);
    if (!check.passed) {
      const auto& m = *check.first_mismatch;
      ctx.result.errors.push_back(
          {fmt::format("rank {}: verify failed on '{}': first wrong byte at offset {} (block at offset {}), "
                       "expected 0x{:02x} found 0x{:02x}, {} wrong bytes in that rank's region",
                       m.rank, m.path, m.offset, m.offset / bs * bs, m.expected, m.found, m.mismatched_bytes),
           "verify"});
    }
    ctx.checkpoint();
  }
  ctx.step([] {});
}

void DioBatchTool::report(const RunContext& ctx, std::ostream& out) const {
  print_summary(out, cfg_, ctx.result);
}

}  // namespace pfsbench::dio_batch
