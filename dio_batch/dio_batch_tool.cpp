#include "dio_batch_tool.hpp"

#include <unistd.h>

#include <cerrno>
#include <ostream>

#include <fmt/format.h>

#include "file_setup.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/mismatch.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/stats.hpp"
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
  resolve_sync(cfg_);
  validate_basic(cfg_);
}

void DioBatchTool::check_target() {
  // Per rank: node-local mounts, a different filesystem under a rank's
  // file, a device with another logical block size. tool_main agrees on
  // the outcome, so a refusal on any rank is exit 2 on all.
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

void DioBatchTool::run(RunContext& ctx) {
  path_ = cfg_.file_of(ctx.comm.rank());
  if (cfg_.direct && fs_type_ == "tmpfs")
    ctx.warn("O_DIRECT on tmpfs is not direct: tmpfs accepts O_DIRECT (Linux >= 6.6) with no alignment "
             "rule and serves it from memory, so these numbers measure memory copies, not a device");
  // The device counters are the machine's: read by one rank per kernel,
  // so nodes that share a machine (fake nodes, containers) never add the
  // same counters twice.
  device_readers_ = kernel_leaders(ctx.comm, ctx.layout);
  try {
    prepare_files(ctx);
    const PhaseSpec spec = phase_spec(ctx);
    DeviceSample sample;
    RankPhaseResult rr = timed_phase(ctx, spec, sample);
    reduce_phase(ctx, rr, sample);
    // Turns an interrupt into exit 4 / status interrupted on every rank; the
    // phase above (complete: false) is kept.
    ctx.step([] {});
    if (cfg_.verify) verify(ctx, spec, rr.ops);
  } catch (const CollectiveError&) {
    // Agreed failure, ENOSPC or signal: every rank is here. Leave nothing
    // this run created behind, unless --keep; the run's error stands.
    if (!cfg_.keep && i_create_) {
      i_create_ = false;
      if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
        ctx.warn(fmt::format("could not remove '{}', which this run created: {}", path_, errno_text(errno)));
    }
    throw;
  }
  remove_created(ctx);
}

void DioBatchTool::prepare_files(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  const int rank = comm.rank();
  const bool write = is_write(cfg_.rw);
  const bool owner = !cfg_.shared || rank == 0;  // who creates (and removes) the file
  const std::uint64_t region_total =
      cfg_.shared ? cfg_.size_bytes * static_cast<std::uint64_t>(comm.size()) : cfg_.size_bytes;
  // Untimed preparation: what exists decides what to lay out, and what this
  // run may remove (only what was missing before it).
  std::int64_t existing = -1;
  ctx.step([&] {
    require_writable_dir(parent_dir(path_), "-o", rank);
    if (owner) existing = file_size_or_missing(path_, rank);
    i_create_ = owner && existing < 0;
    // create empties the file: never one this run did not create, unless asked.
    if (write && cfg_.mode == Mode::kCreate && existing >= 0 && !cfg_.replace_existing)
      throw UsageError(fmt::format("rank {}: --mode create and '{}' already exists ({} bytes); dio_batch does not "
                                   "empty a file it did not create; remove it, choose another -o, or pass "
                                   "--replace-existing to write it as new (or --mode overwrite to write over it)",
                                   rank, path_, existing));
  });
  if (cfg_.shared) {
    std::uint64_t v = static_cast<std::uint64_t>(existing + 1);
    comm.bcast(v);
    existing = static_cast<std::int64_t>(v) - 1;
  }
  const DataPattern pattern(pattern_seed(cfg_.shared, rank));
  ctx.step([&] {
    if (write && cfg_.mode == Mode::kCreate) {
      if (owner) prepare_create(path_, cfg_.prealloc, region_total, rank);
      return;
    }
    // overwrite, append and reads need existing data: lay out what is missing.
    const bool missing = existing < 0 || (cfg_.mode != Mode::kAppend || !write
                                              ? static_cast<std::uint64_t>(existing) < region_total
                                              : false);
    if (missing) {
      lay_out(path_, cfg_.rank_offset(rank), cfg_.size_bytes, pattern, rank);
      laid_out_ = cfg_.size_bytes;
    }
    if (write && cfg_.mode == Mode::kAppend)
      region_base_ = existing < 0 ? region_total : round_up(static_cast<std::uint64_t>(existing), align_.offset_bytes);
  });
}

PhaseSpec DioBatchTool::phase_spec(RunContext& ctx) const {
  const int rank = ctx.comm.rank();
  PhaseSpec spec;
  spec.cfg = &cfg_;
  spec.path = path_;
  spec.rank = rank;
  spec.write = is_write(cfg_.rw);
  spec.base = region_base_ + cfg_.rank_offset(rank);
  spec.blocks = cfg_.size_bytes / cfg_.bs_bytes;
  spec.align = align_;
  spec.pattern_seed = pattern_seed(cfg_.shared, rank);
  spec.offset_seed = 0x6f666673ull + static_cast<std::uint64_t>(rank);
  spec.progress = ctx.verbose_root();
  spec.early_stop = &ctx.early_stop;
  return spec;
}

RankPhaseResult DioBatchTool::timed_phase(RunContext& ctx, const PhaseSpec& spec, DeviceSample& sample) {
  if (device_readers_.mine) sample.dev = resolve_block_device(path_);
  // The device counters are read before the barrier that starts the phase:
  // a rank may leave the barrier and complete writes before the node's
  // reader is scheduled again, and those must fall inside the window.
  if (sample.dev) sample.before = read_disk_counters(*sample.dev);
  ctx.comm.barrier();
  RankPhaseResult rr;
  // A failed rank stops everyone together (no rank waits in a reduction
  // for one that will never come) and at once (EarlyStop); an interrupt
  // keeps what finished: the phase is recorded incomplete, then the step
  // after it turns the signal into exit 4.
  ctx.step_keeping_interrupt([&] { rr = run_phase(spec); });
  if (sample.dev && sample.before) sample.after = read_disk_counters(*sample.dev);
  return rr;
}

void DioBatchTool::reduce_phase(RunContext& ctx, RankPhaseResult& rr, const DeviceSample& sample) {
  const Comm& comm = ctx.comm;
  const Interval local[2] = {rr.span, rr.io};
  const auto spans = reduce_spans(comm, local, ctx.clock);
  reduce_histogram_to_root(comm, rr.clat);
  reduce_histogram_to_root(comm, rr.slat);
  // Align this rank's series (bucket 0 = its own open) to the earliest open.
  const double shift_s = ctx.clock.to_global(rr.span.start_s) - spans[0].earliest_start_s;
  const auto shift = static_cast<std::size_t>(std::max(0.0, shift_s / cfg_.interval_s + 0.5));
  if (shift > 0) rr.series.insert(rr.series.begin(), shift, 0);
  reduce_series_to_root(comm, rr.series);
  const bool sampled = sample.after.has_value();
  const DiskDelta dw = sampled ? disk_delta(*sample.before, *sample.after, true) : DiskDelta{};
  const DiskDelta dr = sampled ? disk_delta(*sample.before, *sample.after, false) : DiskDelta{};
  enum { kBytes, kOps, kInterrupted, kUserNs, kSysNs, kNodes, kWReq, kWMerge, kWBytes, kRReq, kRMerge, kRBytes };
  std::vector<std::uint64_t> sums = {rr.bytes,
                                     rr.ops,
                                     rr.interrupted ? 1u : 0u,
                                     static_cast<std::uint64_t>(rr.cpu_user_s * 1e9),
                                     static_cast<std::uint64_t>(rr.cpu_sys_s * 1e9),
                                     sampled ? 1u : 0u,
                                     dw.requests, dw.merges, dw.bytes,
                                     dr.requests, dr.merges, dr.bytes};
  comm.allreduce_sum(sums);
  if (!comm.is_root()) return;

  const auto nranks = static_cast<std::uint64_t>(comm.size());
  Phase ph;
  ph.name = rw_name(cfg_.rw);
  ph.bytes = sums[kBytes];
  ph.ops = sums[kOps];
  // Headline: all bytes / (earliest open .. latest close), fsync included
  // when asked; IOPS over the same span.
  ph.duration_s = spans[0].span_s();
  ph.bandwidth_bytes_per_s = rate(static_cast<double>(ph.bytes), ph.duration_s);
  ph.ops_per_s = rate(static_cast<double>(ph.ops), ph.duration_s);
  ph.rank_duration_s = spans[0].rank_duration_s;
  if (rr.clat.count() > 0) ph.latency = summarize(rr.clat);

  DioPhaseDetails d;
  d.engine = cfg_.engine;
  d.rw = rw_name(cfg_.rw);
  d.mode = is_write(cfg_.rw) ? mode_name(cfg_.mode) : "existing";
  d.bs_bytes = cfg_.bs_bytes;
  d.iodepth = cfg_.iodepth;
  d.ranks = nranks;
  d.direct = cfg_.direct;
  d.complete = sums[kInterrupted] == 0;
  d.region_base_bytes = region_base_;
  d.laid_out_bytes_per_rank = laid_out_;
  d.io_duration_s = spans[1].span_s();
  d.io_bandwidth_bytes_per_s = rate(static_cast<double>(ph.bytes), spans[1].span_s()).value_or(0.0);
  if (rr.slat.count() > 0) d.submission_latency = summarize(rr.slat);
  d.interval_s = cfg_.interval_s;
  for (auto v : rr.series) d.series_bytes_per_s.push_back(static_cast<double>(v) / cfg_.interval_s);
  d.cpu.user_s = static_cast<double>(sums[kUserNs]) * 1e-9;
  d.cpu.sys_s = static_cast<double>(sums[kSysNs]) * 1e-9;
  const double rank_seconds = ph.duration_s * static_cast<double>(nranks);
  if (ph.ops > 0) d.cpu.per_io_ns = (d.cpu.user_s + d.cpu.sys_s) * 1e9 / static_cast<double>(ph.ops);
  if (rank_seconds > 0) {
    d.cpu.usr_percent = 100.0 * d.cpu.user_s / rank_seconds;
    d.cpu.sys_percent = 100.0 * d.cpu.sys_s / rank_seconds;
  }
  if (sums[kNodes] > 0)
    d.device = DeviceUse{sample.dev ? sample.dev->name : "",
                         sample.dev ? sample.dev->chain : std::vector<std::string>{},
                         sums[kNodes],
                         static_cast<std::uint64_t>(device_readers_.nodes - device_readers_.kernels),
                         {sums[kWReq], sums[kWMerge], sums[kWBytes]},
                         {sums[kRReq], sums[kRMerge], sums[kRBytes]}};
  ph.details = to_json(d);
  details_.push_back(std::move(d));
  ctx.add_phase(std::move(ph));
}

void DioBatchTool::verify(RunContext& ctx, const PhaseSpec& spec, std::uint64_t blocks_done) {
  const Comm& comm = ctx.comm;
  VerifyResult vr;
  ctx.step([&] {
    vr = verify_region(cfg_, path_, spec.rank, spec.base, spec.blocks, blocks_done, align_, spec.pattern_seed,
                       spec.offset_seed);
  });
  const Interval vlocal[1] = {vr.span};
  const auto vspans = reduce_spans(comm, vlocal, ctx.clock);
  const std::uint64_t checked = comm.allreduce_sum(vr.bytes_checked);
  RankMismatch mine;
  mine.any = !vr.ok;
  mine.offset = vr.first_bad_offset;
  mine.expected = vr.expected;
  mine.found = vr.found;
  mine.mismatched_bytes = vr.bad_bytes;
  const auto first = gather_first_mismatch(comm, mine);
  if (comm.is_root()) {
    VerificationCheck check;
    check.phase = rw_name(cfg_.rw);
    check.bytes_checked = checked;
    check.duration_s = vspans[0].span_s();
    if (first) {
      check.passed = false;
      check.first_mismatch = to_mismatch(first->mismatch, first->rank, cfg_.file_of(first->rank));
      const Mismatch& m = *check.first_mismatch;
      const std::uint64_t bs = cfg_.bs_bytes;
      ctx.result.errors.push_back(
          {fmt::format("rank {}: verify failed on '{}': first wrong byte at offset {} (block at offset {}), "
                       "expected 0x{:02x} found 0x{:02x}, {} wrong bytes in that rank's region",
                       m.rank, m.path, m.offset, m.offset / bs * bs, m.expected, m.found, m.mismatched_bytes),
           "verify"});
    }
    ctx.result.verification.enabled = true;
    ctx.result.verification.checks.push_back(check);
    ctx.checkpoint();
  }
  ctx.step([] {});
}

void DioBatchTool::remove_created(RunContext& ctx) {
  if (cfg_.keep) return;
  const int rank = ctx.comm.rank();
  ctx.step([&] {
    if (!i_create_) return;
    i_create_ = false;
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
      throw IoError("unlink", path_, errno, rank, -1, -1,
                    "could not remove the file this run created; remove it by hand, or pass --keep");
  });
}

void DioBatchTool::report(const RunContext& ctx, std::ostream& out) const {
  print_summary(out, cfg_, ctx.result, details_);
}

}  // namespace pfsbench::dio_batch
