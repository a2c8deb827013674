#include "run_loop.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "file_setup.hpp"
#include "offsets.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/signals.hpp"
#include "submitter.hpp"

namespace pfsbench::dio_batch {
namespace {

double seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; }

struct Failure {
  std::string op;
  int err = 0;                 ///< errno, 0 for a short transfer
  std::uint64_t offset = 0;
  std::int64_t result = 0;     ///< bytes of a short transfer
};

std::string hint_for(int err, bool write) {
  switch (err) {
    case ENOSPC: return "the filesystem is full; free space or lower --size";
    case EDQUOT: return "the quota is exhausted; free space or lower --size";
    case EIO: return "the device reported an I/O error; check the kernel log (dmesg)";
    case EINVAL: return "the request was refused (alignment or O_DIRECT not supported); try --direct 0";
    case EAGAIN: return write ? "the engine could not accept more requests; lower --iodepth" : "";
    default: return {};
  }
}

}  // namespace

RankPhaseResult run_phase(const PhaseSpec& spec) {
  const Config& cfg = *spec.cfg;
  const unsigned depth = cfg.iodepth;
  const auto bs = static_cast<std::uint32_t>(cfg.bs_bytes);
  RankPhaseResult res;

  // Everything the loop needs is allocated here, before the span starts:
  // one aligned buffer per slot, holding the pattern for its next offset.
  SlotBuffers buffers(depth, bs, dio_buffer_alignment(spec.align));
  const DataPattern pattern(spec.pattern_seed);
  std::vector<PatternBuffer> pbufs;
  pbufs.reserve(depth);
  for (unsigned s = 0; s < depth; ++s) pbufs.emplace_back(pattern, buffers.spans()[s]);
  if (spec.write)
    for (unsigned s = 0; s < depth; ++s) pbufs[s].prepare(spec.base);
  std::vector<std::uint32_t> free_slots(depth);
  for (unsigned s = 0; s < depth; ++s) free_slots[s] = depth - 1 - s;
  std::vector<std::uint32_t> staged(depth);
  std::size_t nstaged = 0;
  std::vector<std::uint64_t> slot_offset(depth), slot_time(depth);
  std::vector<Completion> done(depth);
  const auto interval_ns = static_cast<std::uint64_t>(cfg.interval_s * 1e9);
  res.series.assign(cfg.time_based ? static_cast<std::size_t>(cfg.runtime_s / cfg.interval_s) + 16 : 4096, 0);
  OffsetGenerator gen(spec.base, bs, spec.blocks, is_random(cfg.rw), spec.offset_seed);
  const std::uint64_t target_ops = cfg.time_based ? std::numeric_limits<std::uint64_t>::max() : spec.blocks;
  Progress progress(spec.progress, fmt::format("dio_batch {}", rw_name(cfg.rw)),
                    cfg.time_based ? 0 : spec.blocks * bs, "bytes");

  rusage ru0 {}, ru1 {};
  getrusage(RUSAGE_SELF, &ru0);
  const std::uint64_t t_open = now_ns();
  UniqueFd fd = open_target(cfg, spec.path, spec.write, spec.rank);
  EngineSetup setup{fd.get(), spec.write, depth, cfg.fixedbufs, buffers.spans()};
  auto engine = make_engine(cfg.engine, setup, spec.path, spec.rank);
  const std::uint64_t deadline =
      cfg.time_based ? t_open + static_cast<std::uint64_t>(cfg.runtime_s * 1e9) : std::numeric_limits<std::uint64_t>::max();

  std::optional<Failure> failure;
  bool stop = false;
  std::uint64_t issued = 0, in_flight = 0;
  bool have_pending = false;
  std::uint64_t pending = 0;
  std::uint64_t t_first = 0, t_last = 0;

  // A finished request: latency, bytes, time series; a failed or short one
  // stops issuing (the ones in flight are still drained).
  auto complete = [&](std::uint32_t slot, std::int64_t result, std::uint64_t t_start, std::uint64_t t_end) {
    res.clat.record(t_end - t_start);
    t_last = t_end;
    if (result == static_cast<std::int64_t>(bs)) {
      res.bytes += bs;
      ++res.ops;
      const std::size_t bucket = static_cast<std::size_t>((t_end - t_open) / interval_ns);
      if (bucket >= res.series.size()) res.series.resize(bucket * 2 + 1, 0);  // rare: amortized doubling
      res.series[bucket] += bs;
    } else if (!failure) {
      failure = Failure{spec.write ? "write" : "read", result < 0 ? static_cast<int>(-result) : 0,
                        slot_offset[slot], result};
      stop = true;
    }
  };

  // Hands the staged requests to the kernel in one call.
  auto commit = [&] {
    if (nstaged == 0) return;
    const int n = engine->commit();
    const std::uint64_t t = now_ns();
    if (n < 0) {
      if (!failure) failure = Failure{spec.write ? "submit write" : "submit read", -n, slot_offset[staged[0]], n};
      stop = true;
      // Never reached the kernel: their slots are free again.
      for (std::size_t i = 0; i < nstaged; ++i) free_slots.push_back(staged[i]);
      nstaged = 0;
      return;
    }
    const auto un = static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < un; ++i) {
      const std::uint32_t slot = staged[i];
      res.slat.record(t - slot_time[slot]);
      slot_time[slot] = t;
    }
    for (std::size_t i = un; i < nstaged; ++i) staged[i - un] = staged[i];
    nstaged -= un;
    in_flight += un;
  };
  const std::size_t batch = cfg.batch_submit == 0 ? depth : cfg.batch_submit;

  while (true) {
    // Fill every free slot.
    while (!stop && issued < target_ops && !free_slots.empty()) {
      if (interrupt_requested()) {  // a load of a sig_atomic_t flag
        res.interrupted = true;
        stop = true;
        break;
      }
      if (!have_pending) {
        pending = gen.next();
        have_pending = true;
      }
      const std::uint32_t slot = free_slots.back();
      if (spec.write) pbufs[slot].prepare(pending);  // one store per 4 KiB
      const std::uint64_t t = now_ns();
      std::int64_t result = 0;
      const QueueStatus st = engine->queue({buffers.slot(slot), pending, bs, slot}, result);
      if (st == QueueStatus::kBusy) break;
      if (t_first == 0) t_first = t;
      have_pending = false;
      free_slots.pop_back();
      ++issued;
      slot_offset[slot] = pending;
      if (st == QueueStatus::kCompleted) {
        const std::uint64_t t_end = now_ns();
        complete(slot, result, t, t_end);
        free_slots.push_back(slot);
        progress.update(res.bytes, t_end);
        // A synchronous engine (psync) never leaves this loop while slots
        // are free: test for another rank's failure here too.
        if (t_end >= deadline || (spec.early_stop && spec.early_stop->poll(t_end))) stop = true;
      } else {
        slot_time[slot] = t;
        staged[nstaged++] = slot;
        if (nstaged >= batch) commit();
      }
    }
    commit();
    if (in_flight == 0 && nstaged == 0 && (stop || issued >= target_ops)) break;
    if (interrupt_requested() && !stop) {
      res.interrupted = true;
      stop = true;
    }
    // Another rank failed: drain what is in flight and leave; the step's
    // agreement reports that rank's error (this rank's phase is not kept).
    if (!stop && spec.early_stop && spec.early_stop->poll()) stop = true;
    if (in_flight > 0) {
      const int n = engine->reap(1, done);
      const std::uint64_t t = now_ns();
      if (n < 0) {
        // Cannot wait for the rest: the engine's destructor cancels/waits.
        if (!failure) failure = Failure{"reap", -n, 0, n};
        stop = true;
        break;
      }
      for (int i = 0; i < n; ++i) {
        const Completion& c = done[static_cast<std::size_t>(i)];
        complete(c.slot, c.result, slot_time[c.slot], t);
        free_slots.push_back(c.slot);
      }
      in_flight -= static_cast<std::uint64_t>(n);
      progress.update(res.bytes, t);
      if (t >= deadline) stop = true;
    }
  }

  if (!failure && cfg.fsync_at_end && spec.write) {
    if (::fsync(fd.get()) != 0) failure = Failure{"fsync", errno, 0, -1};
  }
  engine.reset();
  const int close_err = fd.close();
  const std::uint64_t t_close = now_ns();
  getrusage(RUSAGE_SELF, &ru1);

  if (failure) {
    if (failure->err == 0)
      throw Error(ExitCode::kRuntime,
                  fmt::format("rank {}: short {} on '{}' at offset {}: {} of {} bytes; {}", spec.rank, failure->op,
                              spec.path, failure->offset, failure->result, bs,
                              spec.write ? "the filesystem accepted less than asked (full, or a quota?); check "
                                           "free space or lower --size"
                                         : "the file ended early (shortened while the run read it?) or the "
                                           "filesystem returned less than asked; check the file's size"));
    throw IoError(failure->op, spec.path, failure->err, spec.rank,
                  failure->op == "reap" || failure->op == "fsync" ? -1 : static_cast<std::int64_t>(failure->offset),
                  failure->op == "reap" || failure->op == "fsync" ? -1 : static_cast<std::int64_t>(bs),
                  hint_for(failure->err, spec.write));
  }
  if (close_err != 0) throw IoError("close", spec.path, close_err, spec.rank);

  res.span = {static_cast<double>(t_open) * 1e-9, static_cast<double>(t_close) * 1e-9};
  res.io = {static_cast<double>(t_first ? t_first : t_open) * 1e-9,
            static_cast<double>(t_last ? t_last : t_open) * 1e-9};
  res.cpu_user_s = seconds(ru1.ru_utime) - seconds(ru0.ru_utime);
  res.cpu_sys_s = seconds(ru1.ru_stime) - seconds(ru0.ru_stime);
  // Trim trailing empty buckets past the span.
  const std::size_t used = static_cast<std::size_t>((t_close - t_open) / interval_ns) + 1;
  if (res.series.size() > used) res.series.resize(used);
  return res;
}

}  // namespace pfsbench::dio_batch
