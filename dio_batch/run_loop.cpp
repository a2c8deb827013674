#include "run_loop.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <new>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "file_setup.hpp"
#include "offsets.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/unique_fd.hpp"
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

// One rank's phase as a small state machine: the constructor allocates
// everything (untimed), run() is the timed span, open to close. Slots cycle
// free -> staged (queued, not yet committed) -> in flight -> free.
class PhaseLoop {
 public:
  explicit PhaseLoop(const PhaseSpec& spec);
  ~PhaseLoop() { release_engine(); }
  PhaseLoop(const PhaseLoop&) = delete;
  PhaseLoop& operator=(const PhaseLoop&) = delete;
  RankPhaseResult run();

 private:
  void open();
  bool fill_slots();
  void complete(std::uint32_t slot, std::int64_t result, std::uint64_t t_start, std::uint64_t t_end);
  void commit();
  bool reap();
  bool should_stop_now();
  void close_and_report();
  void release_engine() noexcept;
  [[noreturn]] void throw_failure() const;

  const PhaseSpec& spec_;
  const Config& cfg_;
  const unsigned depth_;
  const std::uint32_t bs_;
  const std::size_t batch_;
  const std::uint64_t interval_ns_;
  const std::uint64_t target_ops_;
  RankPhaseResult res_;
  SlotBuffers buffers_;
  DataPattern pattern_;
  std::vector<PatternBuffer> pbufs_;
  std::vector<std::uint32_t> free_slots_, staged_;
  std::size_t nstaged_ = 0;
  std::vector<std::uint64_t> slot_offset_, slot_time_;
  std::vector<Completion> done_;
  OffsetGenerator gen_;
  Progress progress_;
  UniqueFd fd_;
  std::unique_ptr<Submitter> engine_;
  rusage ru0_{};
  std::uint64_t t_open_ = 0, deadline_ = 0, t_first_ = 0, t_last_ = 0;
  std::optional<Failure> failure_;
  bool stop_ = false, have_pending_ = false;
  std::uint64_t issued_ = 0, in_flight_ = 0, pending_ = 0;
};

PhaseLoop::PhaseLoop(const PhaseSpec& spec)
    : spec_(spec),
      cfg_(*spec.cfg),
      depth_(cfg_.iodepth),
      bs_(static_cast<std::uint32_t>(cfg_.bs_bytes)),
      batch_(cfg_.batch_submit == 0 ? depth_ : cfg_.batch_submit),
      interval_ns_(static_cast<std::uint64_t>(cfg_.interval_s * 1e9)),
      target_ops_(cfg_.time_based ? std::numeric_limits<std::uint64_t>::max() : spec.blocks),
      // One aligned buffer per slot, holding the pattern for its next offset.
      buffers_(depth_, bs_, dio_buffer_alignment(spec.align)),
      pattern_(spec.pattern_seed),
      free_slots_(depth_),
      staged_(depth_),
      slot_offset_(depth_),
      slot_time_(depth_),
      done_(depth_),
      gen_(spec.base, bs_, spec.blocks, is_random(cfg_.rw), spec.offset_seed),
      progress_(spec.progress, fmt::format("dio_batch {}", rw_name(cfg_.rw)),
                cfg_.time_based ? 0 : spec.blocks * bs_, "bytes") {
  pbufs_.reserve(depth_);
  for (unsigned s = 0; s < depth_; ++s) {
    pbufs_.emplace_back(pattern_, buffers_.spans()[s]);
    if (spec.write) pbufs_[s].prepare(spec.base);
    free_slots_[s] = depth_ - 1 - s;
  }
  res_.series.assign(cfg_.time_based ? static_cast<std::size_t>(cfg_.runtime_s / cfg_.interval_s) + 16 : 4096, 0);
}

void PhaseLoop::open() {
  getrusage(RUSAGE_SELF, &ru0_);
  t_open_ = now_ns();
  fd_ = open_target(cfg_, spec_.path, spec_.write, spec_.rank);
  const EngineSetup setup{fd_.get(), spec_.write, depth_, cfg_.fixedbufs, buffers_.spans()};
  engine_ = spec_.engine_factory ? spec_.engine_factory(setup) : make_engine(cfg_.engine, setup, spec_.path, spec_.rank);
  deadline_ = cfg_.time_based ? t_open_ + static_cast<std::uint64_t>(cfg_.runtime_s * 1e9)
                              : std::numeric_limits<std::uint64_t>::max();
}

// A finished request: latency, bytes, time series; a failed or short one
// stops issuing (the ones in flight are still drained).
void PhaseLoop::complete(std::uint32_t slot, std::int64_t result, std::uint64_t t_start, std::uint64_t t_end) {
  res_.clat.record(t_end - t_start);
  t_last_ = t_end;
  if (result == static_cast<std::int64_t>(bs_)) {
    res_.bytes += bs_;
    ++res_.ops;
    const std::size_t bucket = static_cast<std::size_t>((t_end - t_open_) / interval_ns_);
    if (bucket >= res_.series.size()) res_.series.resize(bucket * 2 + 1, 0);  // rare: amortized doubling
    res_.series[bucket] += bs_;
  } else if (!failure_) {
    failure_ = Failure{spec_.write ? "write" : "read", result < 0 ? static_cast<int>(-result) : 0,
                       slot_offset_[slot], result};
    stop_ = true;
  }
}

// Hands the staged requests to the kernel in one call.
void PhaseLoop::commit() {
  if (nstaged_ == 0) return;
  const int n = engine_->commit();
  const std::uint64_t t = now_ns();
  if (n < 0) {
    if (!failure_) failure_ = Failure{spec_.write ? "submit write" : "submit read", -n, slot_offset_[staged_[0]], n};
    stop_ = true;
    // Never reached the kernel: their slots are free again.
    for (std::size_t i = 0; i < nstaged_; ++i) free_slots_.push_back(staged_[i]);
    nstaged_ = 0;
    return;
  }
  const auto un = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < un; ++i) {
    const std::uint32_t slot = staged_[i];
    res_.slat.record(t - slot_time_[slot]);
    slot_time_[slot] = t;
  }
  for (std::size_t i = un; i < nstaged_; ++i) staged_[i - un] = staged_[i];
  nstaged_ -= un;
  in_flight_ += un;
}

// Queues a request into every free slot, until the engine is busy, the
// region is covered or the phase stops. False when interrupted.
bool PhaseLoop::fill_slots() {
  while (!stop_ && issued_ < target_ops_ && !free_slots_.empty()) {
    if (interrupt_requested()) return false;  // a load of a sig_atomic_t flag
    if (!have_pending_) {
      pending_ = gen_.next();
      have_pending_ = true;
    }
    const std::uint32_t slot = free_slots_.back();
    if (spec_.write) pbufs_[slot].prepare(pending_);  // one store per 4 KiB
    const std::uint64_t t = now_ns();
    std::int64_t result = 0;
    const QueueStatus st = engine_->queue({buffers_.slot(slot), pending_, bs_, slot}, result);
    if (st == QueueStatus::kBusy) break;
    if (t_first_ == 0) t_first_ = t;
    have_pending_ = false;
    free_slots_.pop_back();
    ++issued_;
    slot_offset_[slot] = pending_;
    if (st == QueueStatus::kCompleted) {
      const std::uint64_t t_end = now_ns();
      complete(slot, result, t, t_end);
      free_slots_.push_back(slot);
      progress_.update(res_.bytes, t_end);
      // A synchronous engine (psync) never leaves this loop while slots
      // are free: test for another rank's failure here too.
      if (t_end >= deadline_ || (spec_.early_stop && spec_.early_stop->poll(t_end))) stop_ = true;
    } else {
      slot_time_[slot] = t;
      staged_[nstaged_++] = slot;
      if (nstaged_ >= batch_) commit();
    }
  }
  return true;
}

// Waits for at least one completion and frees its slots. False when the
// engine cannot wait: the loop must end.
bool PhaseLoop::reap() {
  const int n = engine_->reap(1, done_);
  const std::uint64_t t = now_ns();
  if (n < 0) {
    // Cannot wait for the rest this way: release_engine() cancels them and
    // waits, bounded, before the buffers go.
    if (!failure_) failure_ = Failure{"reap", -n, 0, n};
    stop_ = true;
    return false;
  }
  for (int i = 0; i < n; ++i) {
    const Completion& c = done_[static_cast<std::size_t>(i)];
    complete(c.slot, c.result, slot_time_[c.slot], t);
    free_slots_.push_back(c.slot);
  }
  in_flight_ -= static_cast<std::uint64_t>(n);
  progress_.update(res_.bytes, t);
  if (t >= deadline_) stop_ = true;
  return true;
}

// A signal, or another rank's failure (drain what is in flight and leave;
// the step's agreement reports that rank's error, this phase is not kept).
bool PhaseLoop::should_stop_now() {
  if (interrupt_requested()) {
    res_.interrupted = true;
    return true;
  }
  return spec_.early_stop && spec_.early_stop->poll();
}

RankPhaseResult PhaseLoop::run() {
  open();
  while (true) {
    if (!fill_slots()) {
      res_.interrupted = true;
      stop_ = true;
    }
    commit();
    if (in_flight_ == 0 && nstaged_ == 0 && (stop_ || issued_ >= target_ops_)) break;
    if (!stop_ && should_stop_now()) stop_ = true;
    if (in_flight_ > 0 && !reap()) break;
  }
  close_and_report();
  return std::move(res_);
}

void PhaseLoop::close_and_report() {
  if (!failure_ && cfg_.fsync_at_end && spec_.write) {
    if (::fsync(fd_.get()) != 0) failure_ = Failure{"fsync", errno, 0, -1};
  }
  release_engine();
  const int close_err = fd_.close();
  const std::uint64_t t_close = now_ns();
  rusage ru1{};
  getrusage(RUSAGE_SELF, &ru1);
  if (failure_) throw_failure();
  if (close_err != 0) throw IoError("close", spec_.path, close_err, spec_.rank);

  res_.span = {static_cast<double>(t_open_) * 1e-9, static_cast<double>(t_close) * 1e-9};
  res_.io = {static_cast<double>(t_first_ ? t_first_ : t_open_) * 1e-9,
             static_cast<double>(t_last_ ? t_last_ : t_open_) * 1e-9};
  res_.cpu_user_s = seconds(ru1.ru_utime) - seconds(ru0_.ru_utime);
  res_.cpu_sys_s = seconds(ru1.ru_stime) - seconds(ru0_.ru_stime);
  // Trim trailing empty buckets past the span.
  const std::size_t used = static_cast<std::size_t>((t_close - t_open_) / interval_ns_) + 1;
  if (res_.series.size() > used) res_.series.resize(used);
}

// The engine goes only when nothing it was given is in flight: requests
// still queued in the kernel (a failed reap, an exception out of the loop)
// are cancelled and waited for, up to drain_timeout_s. What is still in
// flight then keeps its buffers: they are leaked on purpose, since an
// O_DIRECT read landing later in freed (reused) memory would corrupt it.
void PhaseLoop::release_engine() noexcept {
  if (!engine_) return;
  const unsigned left = in_flight_ > 0 ? engine_->quiesce(spec_.drain_timeout_s) : 0;
  if (left > 0) {
    (void)new (std::nothrow) SlotBuffers(std::move(buffers_));  // never freed: see above
    // The engine too: libaio's io_destroy would block until they complete.
    (void)engine_.release();
    if (!failure_ || failure_->op != "drain")
      failure_ = Failure{"drain", ETIMEDOUT, 0, static_cast<std::int64_t>(left)};
  }
  in_flight_ = 0;
  engine_.reset();
}

void PhaseLoop::throw_failure() const {
  const Failure& f = *failure_;
  if (f.err == 0)
    throw Error(ExitCode::kRuntime,
                fmt::format("rank {}: short {} on '{}' at offset {}: {} of {} bytes; {}", spec_.rank, f.op, spec_.path,
                            f.offset, f.result, bs_,
                            spec_.write ? "the filesystem accepted less than asked (full, or a quota?); check "
                                          "free space or lower --size"
                                        : "the file ended early (shortened while the run read it?) or the "
                                          "filesystem returned less than asked; check the file's size"));
  if (f.op == "drain")
    throw Error(ExitCode::kRuntime,
                fmt::format("rank {}: {} requests on '{}' were still in flight {:g} s after they were cancelled; "
                            "their buffers were left allocated so no late transfer lands in freed memory; the "
                            "device or filesystem is not completing I/O: check it (dmesg) before another run",
                            spec_.rank, f.result, spec_.path, spec_.drain_timeout_s));
  const bool located = f.op != "reap" && f.op != "fsync";
  throw IoError(f.op, spec_.path, f.err, spec_.rank, located ? static_cast<std::int64_t>(f.offset) : -1,
                located ? static_cast<std::int64_t>(bs_) : -1, hint_for(f.err, spec_.write));
}

}  // namespace

RankPhaseResult run_phase(const PhaseSpec& spec) {
  PhaseLoop loop(spec);
  return loop.run();
}

}  // namespace pfsbench::dio_batch
