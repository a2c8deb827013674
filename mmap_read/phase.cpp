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
#include "pfsbench/progress.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/stats.hpp"
#include "plan.hpp"
#include "reader.hpp"

namespace pfsbench::mmap_read {
namespace {

/// Residency of the file over all ranks: min and max of each rank's view.
struct Residency {
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = 0;
};

nlohmann::json residency_json(const Residency& r, std::uint64_t file_bytes) {
  const double f = static_cast<double>(file_bytes);
  return {{"resident_bytes", r.min_bytes},
          {"resident_fraction", f > 0 ? static_cast<double>(r.min_bytes) / f : 0.0},
          {"max_resident_fraction", f > 0 ? static_cast<double>(r.max_bytes) / f : 0.0}};
}

std::string hex64(std::uint64_t v) { return fmt::format("0x{:016x}", v); }

nlohmann::json dist_json(const Distribution& d) { return {{"min", d.min}, {"median", d.median}, {"max", d.max}}; }

}  // namespace

void MmapReadTool::run_phase(RunContext& ctx, Api api, int threads, int iteration) {
  const Comm& comm = ctx.comm;
  const int ranks = comm.size();
  const int readers = ranks * threads;
  const std::string phase_name = fmt::format("{}/threads={}", name_of(api), threads);
  const std::uint64_t unit = unit_bytes(cfg_, page_bytes_);

  // --- cache state, untimed: one rank per node acts on its node's cache.
  const bool node_leader = ctx.layout.local_rank == 0;
  std::uint64_t drop_state = 0;  // 0 not asked, 1 dropped, 2 not permitted
  double warm_s = 0;
  ctx.step([&] {
    if (!node_leader) return;
    if (cfg_.cache == CacheMode::kWarm) {
      const double t0 = now_s();
      warm_read(cfg_.path, file_bytes_, comm.rank());
      warm_s = now_s() - t0;
    } else {
      fadvise_dontneed(cfg_.path, comm.rank());
      if (cfg_.drop_caches) drop_state = drop_caches(comm.rank()) == DropResult::kDropped ? 1 : 2;
    }
  });
  drop_state = comm.allreduce_max(drop_state);  // "not permitted" on any node wins

  auto measure_residency = [&] {
    std::uint64_t local = 0;
    ctx.step([&] { local = resident_bytes(cfg_.path, file_bytes_, page_bytes_, comm.rank()); });
    return Residency{~comm.allreduce_max(~local), comm.allreduce_max(local)};
  };
  const Residency before = measure_residency();

  // --- readers, built before the gate (plans, buffers) so spans hold only reading.
  std::vector<std::unique_ptr<Reader>> built(static_cast<std::size_t>(threads));
  std::atomic<bool> stop_readers{false};  // a reader here or another rank failed
  std::uint64_t my_total = 0;  // bytes this rank's readers will read (progress)
  ctx.step([&] {
    for (int t = 0; t < threads; ++t) {
      const int global = comm.rank() * threads + t;
      ReaderTask task;
      task.api = api;
      task.map = cfg_.map;
      task.advice = cfg_.advice;
      task.populate = cfg_.populate;
      task.touch = cfg_.touch;
      task.path = cfg_.path;
      task.file_bytes = file_bytes_;
      task.page_bytes = page_bytes_;
      task.unit_bytes = unit;
      task.slice = reader_slice(file_bytes_, page_bytes_, global, readers, cfg_.partition);
      task.access = cfg_.access;
      task.seed = reader_seed(cfg_.seed, global);
      task.expected = expected_.get();
      task.shrink_to_bytes = (global == 0 && api == Api::kMmap) ? cfg_.shrink_to_bytes : -1;
      task.rank = comm.rank();
      task.thread = t;
      task.stop = &stop_readers;
      my_total += task.slice.bytes();
      built[static_cast<std::size_t>(t)] = std::make_unique<Reader>(std::move(task));
    }
  });

  std::vector<ReaderResult> results(static_cast<std::size_t>(threads));
  std::unique_ptr<ReaderProgress[]> progress(new ReaderProgress[static_cast<std::size_t>(threads)]);
  std::latch gate(1);
  std::mutex mu;
  std::condition_variable cv;
  int finished = 0, failed = 0;
  std::vector<std::thread> pool;
  std::atomic<bool> cancel{false};
  auto release_and_join = [&] {  // on failure: let the waiting threads go, unread
    cancel = true;
    gate.count_down();
    for (auto& th : pool) th.join();
  };
  try {
    ctx.step([&] {
      for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
          gate.wait();
          if (!cancel) results[static_cast<std::size_t>(t)] = built[static_cast<std::size_t>(t)]->run(progress[t]);
          std::lock_guard<std::mutex> lock(mu);
          ++finished;
          if (results[static_cast<std::size_t>(t)].code != ExitCode::kOk) ++failed;
          cv.notify_one();
        });
    });
  } catch (...) {
    release_and_join();  // another rank (or this one) could not start its readers
    throw;
  }
  comm.barrier();  // every rank's readers start together
  gate.count_down();

  // The main thread waits for this rank's readers, printing progress (rank 0,
  // at most every 5 s). A reader that fails (SIGBUS, I/O error) stops this
  // rank's other readers at once and, through the step (EarlyStop), the
  // other ranks' readers too; the agreement then stops every rank together.
  Progress prog(ctx.verbose_root(), phase_name, my_total, "bytes");
  ctx.step([&] {
    {
      std::unique_lock<std::mutex> lock(mu);
      while (finished < threads) {
        cv.wait_for(lock, std::chrono::milliseconds(10));
        const bool stop = failed > 0;
        lock.unlock();
        std::uint64_t done = 0;
        for (int t = 0; t < threads; ++t) done += progress[t].bytes.load(std::memory_order_relaxed);
        const std::uint64_t now = now_ns();
        prog.update(done, now);
        if (!stop_readers.load(std::memory_order_relaxed) && (stop || ctx.stop_requested(now)))
          stop_readers.store(true, std::memory_order_relaxed);
        lock.lock();
      }
    }
    for (auto& th : pool) th.join();
    built.clear();
    for (const auto& r : results)
      if (r.code != ExitCode::kOk) throw Error(r.code, r.error);
  });

  // --- this rank's aggregates. Two spans per reader (reader.hpp): the read
  // span (headline: up to the last unit read) and the full span (up to the
  // end of the final munmap and close), reduced together.
  Interval rank_span = results.front().read_span();
  Interval rank_full = results.front().span;
  std::uint64_t sum_all = 0, sum_min = ~0ull, sum_max = 0;
  LatencyHistogram hist;
  enum { kBytes, kUnits, kMaps, kMinor, kMajor, kBad, kReaderNs, kCount };
  std::vector<std::uint64_t> totals(kCount, 0);
  const ReaderResult* first_bad = nullptr;
  for (const auto& r : results) {
    rank_span.start_s = std::min(rank_span.start_s, r.span.start_s);
    rank_span.end_s = std::max(rank_span.end_s, r.read_end_s);
    rank_full.start_s = std::min(rank_full.start_s, r.span.start_s);
    rank_full.end_s = std::max(rank_full.end_s, r.span.end_s);
    totals[kBytes] += r.bytes;
    totals[kUnits] += r.units;
    totals[kMaps] += r.map_calls;
    totals[kMinor] += r.minor_faults;
    totals[kMajor] += r.major_faults;
    totals[kBad] += r.bad_units;
    totals[kReaderNs] += static_cast<std::uint64_t>(r.read_span().duration_s() * 1e9);
    sum_all += r.checksum;
    sum_min = std::min(sum_min, r.checksum);
    sum_max = std::max(sum_max, r.checksum);
    if (r.latency) hist.merge(*r.latency);
    if (r.bad_units > 0 && (first_bad == nullptr || r.first_bad_offset < first_bad->first_bad_offset))
      first_bad = &r;
  }

  // --- across ranks (all collective, on the main thread)
  const std::array<Interval, 2> rank_spans{rank_span, rank_full};
  const std::vector<SpanStats> spans = reduce_spans(comm, rank_spans, ctx.clock);
  comm.allreduce_sum(totals);
  std::vector<double> reader_bw, reader_dur, reader_teardown;
  for (const auto& r : results) {
    const double d = r.read_span().duration_s();
    const std::vector<double> bw = comm.gather(d > 0 ? static_cast<double>(r.bytes) / d : 0.0);
    const std::vector<double> du = comm.gather(d);
    const std::vector<double> td = comm.gather(r.teardown_s());
    reader_bw.insert(reader_bw.end(), bw.begin(), bw.end());
    reader_dur.insert(reader_dur.end(), du.begin(), du.end());
    reader_teardown.insert(reader_teardown.end(), td.begin(), td.end());
  }
  reduce_histogram_to_root(comm, hist);
  const std::uint64_t file_sum_partition = comm.allreduce_sum(sum_all);
  const std::uint64_t all_max = comm.allreduce_max(sum_max);
  const std::uint64_t all_min = ~comm.allreduce_max(~sum_min);

  // --- where exactly the first wrong byte is (untimed; only after a mismatch)
  DataPattern::CheckResult check;
  ctx.step([&] {
    if (first_bad == nullptr) return;
    const int fd = ::open(cfg_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError("open (mismatch check)", cfg_.path, errno, comm.rank());
    std::vector<std::byte> buf(static_cast<std::size_t>(first_bad->first_bad_length));
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(first_bad->first_bad_offset));
    const int err = errno;
    ::close(fd);
    if (n < 0)
      throw IoError("pread (mismatch check)", cfg_.path, err, comm.rank(),
                    static_cast<std::int64_t>(first_bad->first_bad_offset));
    buf.resize(static_cast<std::size_t>(n));
    check = pattern_->check(buf, first_bad->first_bad_offset);
    if (check.ok) {  // the unit's sum was wrong, but the bytes are right now: it changed under us
      check.ok = false;
      check.first_bad_offset = first_bad->first_bad_offset;
    }
  });
  const std::vector<std::uint64_t> g_has = comm.gather(static_cast<std::uint64_t>(first_bad != nullptr));
  const std::vector<std::uint64_t> g_off = comm.gather(check.first_bad_offset);
  const std::vector<std::uint64_t> g_exp = comm.gather(static_cast<std::uint64_t>(check.expected));
  const std::vector<std::uint64_t> g_got = comm.gather(static_cast<std::uint64_t>(check.found));
  const std::vector<std::uint64_t> g_bad = comm.gather(check.bad_bytes);

  const Residency after = measure_residency();
  if (!comm.is_root()) return;

  // --- rank 0: the phase
  Phase ph;
  ph.name = phase_name;
  ph.iteration = iteration;
  ph.bytes = totals[kBytes];
  ph.ops = totals[kUnits];
  ph.duration_s = spans[0].span_s();
  ph.bandwidth_bytes_per_s = rate(static_cast<double>(ph.bytes), ph.duration_s);
  ph.ops_per_s = rate(static_cast<double>(ph.ops), ph.duration_s);
  ph.rank_duration_s = spans[0].rank_duration_s;
  if (hist.count() > 0) ph.latency = summarize(hist);

  const std::uint64_t faults = totals[kMinor] + totals[kMajor];
  nlohmann::json time_per_fault = nullptr;
  if (cfg_.touch == Touch::kPage && faults > 0)
    time_per_fault = static_cast<double>(totals[kReaderNs]) / static_cast<double>(faults);
  const bool verified = cfg_.touch == Touch::kChecksum && expected_ != nullptr;
  nlohmann::json checksum = nullptr;
  if (cfg_.touch == Touch::kChecksum) {
    // Additive sums: a partitioned file's sum is the sum of its slices;
    // otherwise every reader read the whole file and must agree.
    const bool agree = cfg_.partition || all_min == all_max;
    checksum = {{"algorithm", "sum64"},
                {"file_sum64", agree ? nlohmann::json(hex64(cfg_.partition ? file_sum_partition : all_max))
                                     : nlohmann::json(nullptr)},
                {"readers_agree", agree},
                {"verified_against_pattern", verified},
                {"mismatched_units", totals[kBad]}};
    if (!agree)
      ctx.warn(fmt::format("{}: readers of '{}' computed different checksums ({} to {}): the file changed while "
                           "it was read",
                           phase_name, cfg_.path, hex64(all_min), hex64(all_max)));
  }
  const bool is_mmap = api == Api::kMmap;
  const std::optional<double> full_bw = rate(static_cast<double>(ph.bytes), spans[1].span_s());
  ph.details = {
      {"api", name_of(api)},
      {"ranks", ranks},
      {"threads_per_rank", threads},
      {"readers", readers},
      {"map", is_mmap ? nlohmann::json(name_of(cfg_.map)) : nlohmann::json(nullptr)},
      {"access", name_of(cfg_.access)},
      {"partition", cfg_.partition},
      {"madvise", is_mmap ? nlohmann::json(name_of(cfg_.advice)) : nlohmann::json(nullptr)},
      {"populate", is_mmap && cfg_.populate},
      {"touch", name_of(cfg_.touch)},
      {"file_bytes", file_bytes_},
      {"unit_bytes", unit},
      {"map_calls", totals[kMaps]},
      {"reader_bandwidth_bytes_per_s", dist_json(distribution(reader_bw))},
      {"reader_duration_s", dist_json(distribution(reader_dur))},
      {"full_span",
       {{"duration_s", spans[1].span_s()},
        {"bandwidth_bytes_per_s", full_bw ? nlohmann::json(*full_bw) : nlohmann::json(nullptr)}}},
      {"reader_teardown_s", dist_json(distribution(reader_teardown))},
      {"faults", {{"minor", totals[kMinor]}, {"major", totals[kMajor]}}},
      {"time_per_fault_ns", time_per_fault},
      {"page_cache",
       {{"cache", name_of(cfg_.cache)},
        {"warm_read_s", cfg_.cache == CacheMode::kWarm ? nlohmann::json(warm_s) : nlohmann::json(nullptr)},
        {"fadvise_dontneed", cfg_.cache == CacheMode::kCold},
        {"drop_caches", drop_state == 0 ? "not_asked" : drop_state == 1 ? "dropped" : "not_permitted"},
        {"before", residency_json(before, file_bytes_)},
        {"after", residency_json(after, file_bytes_)}}},
      {"checksum", checksum}};

  if (cfg_.cache == CacheMode::kCold) {
    const double frac = static_cast<double>(before.min_bytes) / static_cast<double>(file_bytes_);
    if (frac > 0.10)
      ctx.warn(fmt::format("{}: the cold read found {:.0f}% of '{}' already in the page cache{}; its figures are "
                           "warm figures",
                           phase_name, 100.0 * frac, cfg_.path,
                           fs_type_ == "tmpfs" ? " (on tmpfs the page cache is the storage: it cannot be dropped)"
                                               : " (posix_fadvise(DONTNEED) could not drop it; try --drop-caches "
                                                 "as root)"));
  }
  if (drop_state == 2)
    ctx.warn("--drop-caches: /proc/sys/vm/drop_caches is not writable here (needs root); only "
             "posix_fadvise(DONTNEED) was used");

  if (verified) {
    VerificationCheck vc;
    vc.phase = phase_name;
    vc.iteration = iteration;
    vc.bytes_checked = ph.bytes;
    vc.duration_s = 0;  // the checksum is the read itself: inside the phase's span
    vc.passed = totals[kBad] == 0;
    for (std::size_t r = 0; r < g_has.size() && !vc.passed; ++r)
      if (g_has[r] != 0) {
        vc.first_mismatch = Mismatch{cfg_.path,
                                     g_off[r],
                                     static_cast<std::uint32_t>(g_exp[r]),
                                     static_cast<std::uint32_t>(g_got[r]),
                                     g_bad[r],
                                     static_cast<int>(r)};
        break;
      }
    ctx.result.verification.enabled = true;
    ctx.result.verification.checks.push_back(std::move(vc));
  }
  ctx.add_phase(std::move(ph));
}

}  // namespace pfsbench::mmap_read
