// One phase: prepare the cache, start the reader threads together on all
// ranks, wait, and reduce what they measured into one Phase (rank 0).
// Only this (main) thread calls MPI.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cache.hpp"
#include "mmap_read_tool.hpp"
#include "pfsbench/environment.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/stats.hpp"
#include "pfsbench/unique_fd.hpp"
#include "plan.hpp"
#include "reader.hpp"

namespace pfsbench::mmap_read {
namespace {

std::string hex64(std::uint64_t v) { return fmt::format("0x{:016x}", v); }

/// One reader's own figures, as they cross ranks (one struct gather).
struct ReaderStat {
  double bandwidth_bytes_per_s = 0;
  double duration_s = 0;
  double teardown_s = 0;
};

}  // namespace

void MmapReadTool::run_phase(RunContext& ctx, const PhaseKey& key) {
  const CacheState cache = prepare_cache(ctx);
  const Residency before = measure_residency(ctx);
  std::atomic<bool> stop_readers{false};  // a reader here or another rank failed
  std::uint64_t my_bytes = 0;             // bytes this rank's readers will read (progress)
  auto readers = build_readers(ctx, key, stop_readers, my_bytes);
  const std::vector<ReaderResult> results = run_readers(ctx, key, readers, stop_readers, my_bytes);
  Reduction red = reduce_readers(ctx, results);
  const std::optional<RankedMismatch> mismatch = locate_mismatch(ctx, results);
  const Residency after = measure_residency(ctx);
  if (ctx.comm.is_root()) record_phase(ctx, key, cache, before, after, red, mismatch);
}

// Cache state, untimed: one rank per node acts on its node's cache.
MmapReadTool::CacheState MmapReadTool::prepare_cache(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  CacheState st;
  std::uint64_t drop = 0;
  ctx.step([&] {
    if (ctx.layout.local_rank != 0) return;
    if (cfg_.cache == CacheMode::kWarm) {
      const double t0 = now_s();
      warm_read(cfg_.path, file_bytes_, comm.rank());
      st.warm_s = now_s() - t0;
    } else {
      fadvise_dontneed(cfg_.path, comm.rank());
      if (cfg_.drop_caches)
        drop = static_cast<std::uint64_t>(drop_caches(comm.rank()) == DropResult::kDropped ? DropState::kDropped
                                                                                          : DropState::kNotPermitted);
    }
  });
  st.drop = static_cast<DropState>(comm.allreduce_max(drop));  // "not permitted" on any node wins
  return st;
}

Residency MmapReadTool::measure_residency(RunContext& ctx) {
  std::uint64_t local = 0;
  ctx.step([&] { local = resident_bytes(cfg_.path, file_bytes_, page_bytes_, ctx.comm.rank()); });
  Residency res{ctx.comm.allreduce_min(local), ctx.comm.allreduce_max(local), {}};
  const std::vector<std::uint64_t> all = ctx.comm.gather(local);
  if (ctx.comm.is_root()) {
    // Each node's view: the first rank of the node (its cache is the node's).
    const auto& node_of = ctx.layout.node_of_rank;
    res.node_bytes.assign(static_cast<std::size_t>(ctx.layout.node_count), 0);
    std::vector<bool> seen(res.node_bytes.size(), false);
    for (std::size_t r = 0; r < all.size(); ++r) {
      const auto n = static_cast<std::size_t>(node_of[r]);
      if (!seen[n]) res.node_bytes[n] = all[r];
      seen[n] = true;
    }
  }
  return res;
}

// Readers are built before the gate (plans, buffers), so spans hold only reading.
std::vector<std::unique_ptr<Reader>> MmapReadTool::build_readers(RunContext& ctx, const PhaseKey& key,
                                                                 const std::atomic<bool>& stop,
                                                                 std::uint64_t& my_bytes) {
  const Comm& comm = ctx.comm;
  const int readers = comm.size() * key.threads;
  std::vector<std::unique_ptr<Reader>> built(static_cast<std::size_t>(key.threads));
  ctx.step([&] {
    for (int t = 0; t < key.threads; ++t) {
      const int global = comm.rank() * key.threads + t;
      ReaderTask task;
      task.api = key.api;
      task.map = cfg_.map;
      task.advice = cfg_.advice;
      task.populate = cfg_.populate;
      task.touch = cfg_.touch;
      task.path = cfg_.path;
      task.file_bytes = file_bytes_;
      task.page_bytes = page_bytes_;
      task.unit_bytes = unit_bytes(cfg_, page_bytes_);
      task.slice = reader_slice(file_bytes_, page_bytes_, global, readers, cfg_.partition);
      task.access = cfg_.access;
      task.seed = reader_seed(cfg_.seed, global);
      task.expected = expected_.get();
      task.shrink_to_bytes = (global == 0 && key.api == Api::kMmap) ? cfg_.shrink_to_bytes : -1;
      task.rank = comm.rank();
      task.thread = t;
      task.stop = &stop;
      my_bytes += task.slice.bytes();
      built[static_cast<std::size_t>(t)] = std::make_unique<Reader>(std::move(task));
    }
  });
  return built;
}

// The timed part: every rank's readers start together after a barrier; the
// main thread waits for this rank's readers, printing progress (rank 0, at
// most every 5 s). A reader that fails (SIGBUS, I/O error) stops this rank's
// other readers at once and, through the step (EarlyStop), the other ranks'
// readers too; the agreement then stops every rank together.
std::vector<ReaderResult> MmapReadTool::run_readers(RunContext& ctx, const PhaseKey& key,
                                                    std::vector<std::unique_ptr<Reader>>& readers,
                                                    std::atomic<bool>& stop, std::uint64_t my_bytes) {
  const auto n = static_cast<std::size_t>(key.threads);
  std::vector<ReaderResult> results(n);
  std::unique_ptr<ReaderProgress[]> progress(new ReaderProgress[n]);
  std::latch gate(1);
  std::mutex mu;
  std::condition_variable cv;
  std::size_t finished = 0, failed = 0;
  std::vector<std::thread> pool;
  std::atomic<bool> cancel{false};
  try {
    ctx.step([&] {
      for (std::size_t t = 0; t < n; ++t)
        pool.emplace_back([&, t] {
          gate.wait();
          if (!cancel) results[t] = readers[t]->run(progress[t]);
          std::lock_guard<std::mutex> lock(mu);
          ++finished;
          if (results[t].code != ExitCode::kOk) ++failed;
          cv.notify_one();
        });
    });
  } catch (...) {  // another rank (or this one) could not start its readers: let them go, unread
    cancel = true;
    gate.count_down();
    for (auto& th : pool) th.join();
    throw;
  }
  ctx.comm.barrier();  // every rank's readers start together
  gate.count_down();

  Progress prog(ctx.verbose_root(), key.name, my_bytes, "bytes");
  ctx.step([&] {
    {
      std::unique_lock<std::mutex> lock(mu);
      while (finished < n) {
        cv.wait_for(lock, std::chrono::milliseconds(10));
        const bool any_failed = failed > 0;
        lock.unlock();
        std::uint64_t done = 0;
        for (std::size_t t = 0; t < n; ++t) done += progress[t].bytes.load(std::memory_order_relaxed);
        const std::uint64_t now = now_ns();
        prog.update(done, now);
        if (!stop.load(std::memory_order_relaxed) && (any_failed || ctx.stop_requested(now)))
          stop.store(true, std::memory_order_relaxed);
        lock.lock();
      }
    }
    for (auto& th : pool) th.join();
    readers.clear();
    for (const auto& r : results)
      if (r.code != ExitCode::kOk) throw Error(r.code, r.error);
  });
  return results;
}

// This rank's aggregates, then across ranks. Two spans per reader
// (reader.hpp): the read span (headline: up to the last unit read) and the
// full span (up to the end of the final munmap and close), reduced together.
MmapReadTool::Reduction MmapReadTool::reduce_readers(RunContext& ctx, const std::vector<ReaderResult>& results) {
  const Comm& comm = ctx.comm;
  Interval rank_span = results.front().read_span();
  Interval rank_full = results.front().span;
  enum { kBytes, kUnits, kMaps, kMinor, kMajor, kBad, kReaderNs, kSum, kCount };
  std::vector<std::uint64_t> totals(kCount, 0);
  std::uint64_t sum_min = ~0ull, sum_max = 0;
  Reduction red;
  std::vector<ReaderStat> mine;
  for (const auto& r : results) {
    rank_span.start_s = std::min(rank_span.start_s, r.span.start_s);
    rank_span.end_s = std::max(rank_span.end_s, r.read_end_s);
    rank_full.start_s = std::min(rank_full.start_s, r.span.start_s);
    rank_full.end_s = std::max(rank_full.end_s, r.span.end_s);
    const double d = r.read_span().duration_s();
    totals[kBytes] += r.bytes;
    totals[kUnits] += r.units;
    totals[kMaps] += r.map_calls;
    totals[kMinor] += r.minor_faults;
    totals[kMajor] += r.major_faults;
    totals[kBad] += r.bad_units;
    totals[kReaderNs] += static_cast<std::uint64_t>(d * 1e9);
    totals[kSum] += r.checksum;  // wraps, as sum64 does: the file's sum is the sum of its slices'
    sum_min = std::min(sum_min, r.checksum);
    sum_max = std::max(sum_max, r.checksum);
    if (r.latency) red.hist.merge(*r.latency);
    mine.push_back({d > 0 ? static_cast<double>(r.bytes) / d : 0.0, d, r.teardown_s()});
  }
  const std::array<Interval, 2> rank_spans{rank_span, rank_full};
  red.spans = reduce_spans(comm, rank_spans, ctx.clock);
  comm.allreduce_sum(totals);
  const std::vector<ReaderStat> all = comm.gather_structs(std::span<const ReaderStat>(mine));
  reduce_histogram_to_root(comm, red.hist);
  red.sum_min = comm.allreduce_min(sum_min);
  red.sum_max = comm.allreduce_max(sum_max);
  red.bytes = totals[kBytes];
  red.units = totals[kUnits];
  red.map_calls = totals[kMaps];
  red.minor = totals[kMinor];
  red.major = totals[kMajor];
  red.bad_units = totals[kBad];
  red.reader_ns = totals[kReaderNs];
  red.sum_total = totals[kSum];
  if (comm.is_root()) {
    std::vector<double> bw, dur, td;
    for (const ReaderStat& s : all) {
      bw.push_back(s.bandwidth_bytes_per_s);
      dur.push_back(s.duration_s);
      td.push_back(s.teardown_s);
    }
    red.reader_bw = distribution(bw);
    red.reader_duration = distribution(dur);
    red.reader_teardown = distribution(td);
  }
  return red;
}

// Where exactly the first wrong byte is (untimed; reads only after a
// mismatch): this rank's lowest bad unit is read again and compared byte by
// byte; the first over ranks is the core definition (lowest offset, then rank).
std::optional<RankedMismatch> MmapReadTool::locate_mismatch(RunContext& ctx, const std::vector<ReaderResult>& results) {
  const ReaderResult* first_bad = nullptr;
  for (const auto& r : results)
    if (r.bad_units > 0 && (first_bad == nullptr || r.first_bad_offset < first_bad->first_bad_offset)) first_bad = &r;
  RankMismatch mine;
  ctx.step([&] {
    if (first_bad == nullptr) return;
    const int rank = ctx.comm.rank();
    const UniqueFd fd(::open(cfg_.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw IoError("open (mismatch check)", cfg_.path, errno, rank);
    std::vector<std::byte> buf(static_cast<std::size_t>(first_bad->first_bad_length));
    IoPolicy policy;
    policy.op = "pread (mismatch check)";
    buf.resize(pread_full(IoFile{fd.get(), cfg_.path, rank}, buf, first_bad->first_bad_offset, policy));
    DataPattern::CheckResult check = pattern_->check(buf, first_bad->first_bad_offset);
    if (check.ok) {  // the unit's sum was wrong, but the bytes are right now: it changed under us
      check.ok = false;
      check.first_bad_offset = first_bad->first_bad_offset;
    }
    mine = RankMismatch{true, check.expected, check.found, check.first_bad_offset, check.bad_bytes, 0};
  });
  return gather_first_mismatch(ctx.comm, mine);
}

MmapPhaseDetails MmapReadTool::phase_details(const PhaseKey& key, const CacheState& cache, const Residency& before,
                                             const Residency& after, const Reduction& red) const {
  MmapPhaseDetails d;
  d.api = key.api;
  d.threads_per_rank = key.threads;
  d.map = cfg_.map;
  d.access = cfg_.access;
  d.partition = cfg_.partition;
  d.advice = cfg_.advice;
  d.populate = cfg_.populate;
  d.touch = cfg_.touch;
  d.file_bytes = file_bytes_;
  d.unit_bytes = unit_bytes(cfg_, page_bytes_);
  d.map_calls = red.map_calls;
  d.reader_bandwidth_bytes_per_s = red.reader_bw;
  d.reader_duration_s = red.reader_duration;
  d.reader_teardown_s = red.reader_teardown;
  d.full_span_s = red.spans[1].span_s();
  d.full_span_bandwidth_bytes_per_s = rate(static_cast<double>(red.bytes), d.full_span_s);
  d.minor_faults = red.minor;
  d.major_faults = red.major;
  const std::uint64_t faults = red.minor + red.major;
  if (cfg_.touch == Touch::kPage && faults > 0)
    d.time_per_fault_ns = static_cast<double>(red.reader_ns) / static_cast<double>(faults);
  d.page_cache.cache = cfg_.cache;
  if (cfg_.cache == CacheMode::kWarm) d.page_cache.warm_read_s = cache.warm_s;
  d.page_cache.fadvise_dontneed = cfg_.cache == CacheMode::kCold;
  d.page_cache.drop_caches = cache.drop;
  d.page_cache.before = before;
  d.page_cache.after = after;
  if (cfg_.touch == Touch::kChecksum) {
    // Additive sums: a partitioned file's sum is the sum of its slices;
    // otherwise every reader read the whole file and must agree.
    ChecksumDetails c;
    c.readers_agree = cfg_.partition || red.sum_min == red.sum_max;
    if (c.readers_agree) c.file_sum64 = cfg_.partition ? red.sum_total : red.sum_max;
    c.verified_against_pattern = expected_ != nullptr;
    c.mismatched_units = red.bad_units;
    d.checksum = c;
  }
  return d;
}

void MmapReadTool::record_phase(RunContext& ctx, const PhaseKey& key, const CacheState& cache,
                                const Residency& before, const Residency& after, Reduction& red,
                                const std::optional<RankedMismatch>& mismatch) {
  Phase ph;
  ph.name = key.name;
  ph.iteration = key.iteration;
  ph.bytes = red.bytes;
  ph.ops = red.units;
  ph.duration_s = red.spans[0].span_s();
  ph.bandwidth_bytes_per_s = rate(static_cast<double>(ph.bytes), ph.duration_s);
  ph.ops_per_s = rate(static_cast<double>(ph.ops), ph.duration_s);
  ph.rank_duration_s = red.spans[0].rank_duration_s;
  if (red.hist.count() > 0) ph.latency = summarize(red.hist);
  MmapPhaseDetails d = phase_details(key, cache, before, after, red);
  d.ranks = ctx.comm.size();
  d.readers = d.ranks * key.threads;
  const auto on_node = ranks_on_nodes(ctx.layout.node_of_rank, ctx.layout.node_count);
  for (std::size_t n = 0; n < ctx.layout.hosts.size(); ++n)
    d.nodes.push_back({ctx.layout.hosts[n], on_node[n] * key.threads,
                       n < before.node_bytes.size() ? before.node_bytes[n] : 0,
                       n < after.node_bytes.size() ? after.node_bytes[n] : 0});

  if (d.checksum && !d.checksum->readers_agree)
    ctx.warn(fmt::format("{}: readers of '{}' computed different checksums ({} to {}): the file changed while "
                         "it was read",
                         key.name, cfg_.path, hex64(red.sum_min), hex64(red.sum_max)));
  if (cfg_.cache == CacheMode::kCold) {
    const double frac = static_cast<double>(before.min_bytes) / static_cast<double>(file_bytes_);
    if (frac > 0.10)
      ctx.warn(fmt::format("{}: the cold read found {:.0f}% of '{}' already in the page cache{}; its figures are "
                           "warm figures",
                           key.name, 100.0 * frac, cfg_.path,
                           fs_type_ == "tmpfs" ? " (on tmpfs the page cache is the storage: it cannot be dropped)"
                                               : " (posix_fadvise(DONTNEED) could not drop it; try --drop-caches "
                                                 "as root)"));
  }
  if (cache.drop == DropState::kNotPermitted)
    ctx.warn("--drop-caches: /proc/sys/vm/drop_caches is not writable here (needs root); only "
             "posix_fadvise(DONTNEED) was used");
  if (d.checksum && d.checksum->verified_against_pattern) {
    VerificationCheck vc;
    vc.phase = key.name;
    vc.iteration = key.iteration;
    vc.bytes_checked = ph.bytes;
    vc.duration_s = 0;  // the checksum is the read itself: inside the phase's span
    vc.passed = red.bad_units == 0;
    if (!vc.passed && mismatch) vc.first_mismatch = to_mismatch(mismatch->mismatch, mismatch->rank, cfg_.path);
    ctx.result.verification.enabled = true;
    ctx.result.verification.checks.push_back(std::move(vc));
  }
  ph.details = to_json(d);
  details_.push_back(std::move(d));
  ctx.add_phase(std::move(ph));
}

}  // namespace pfsbench::mmap_read
