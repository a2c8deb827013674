#include "phase_io.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>

#include <mpi.h>

#include "pfsbench/collective_stop.hpp"

namespace pfsbench::ior_like {
namespace {

double ns_to_s(std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

// The transfer loop and what follows it, on one rank, inside one step.
class PhaseRun {
 public:
  PhaseRun(RunContext& ctx, const PhaseIo& io, LatencyHistogram& latency)
      : ctx_(ctx), io_(io), latency_(latency), caps_(io.backend.caps()),
        lockstep_(io.request.collective && io.file_comm.size() > 1),
        keep_failures_(caps_.collective_open || io.barriers),
        segments_(caps_.segment_points && io.transfers_per_segment > 0),
        agree_segments_(segments_ && !lockstep_ && io.file_comm.size() > 1) {}

  PhaseTimes run() {
    t_open_ = now_ns();
    if (io_.deadline_s > 0) deadline_ns_ = t_open_ + static_cast<std::uint64_t>(io_.deadline_s * 1e9);
    if (io_.min_duration_s > 0) min_end_ns_ = t_open_ + static_cast<std::uint64_t>(io_.min_duration_s * 1e9);
    std::unique_ptr<FileHandle> fh;
    if (caps_.collective_open) open_collectively(fh);
    if (io_.wear_out && deadline_ns_ != 0 && !lockstep_) return run_with_wear_out(fh);
    std::optional<CollectiveStop> stop;
    if (lockstep_) stop.emplace(io_.file_comm);  // collective: before the step's local code
    // After the step, failed or not, every rank is here: the stop rounds
    // any rank started are completed (never freed while pending).
    const auto settle = [&] {
      if (stop) stop->settle(io_.file_comm);
    };
    try {
      transfer_step(fh, stop);
    } catch (const CollectiveError&) {
      settle();
      throw;
    }
    settle();
    return times_;
  }

 private:
  enum class LoopEnd { kCount, kDeadline, kStopped };

  // The open of a backend whose open is collective, as two agreed steps:
  //  1. the library's open alone: after it, every rank holds a handle or
  //     every rank throws (those that opened abandon their handle in its
  //     destructor, which calls no collective);
  //  2. the set-up (file view, preallocation, HDF5's first dataset), entered
  //     only when every rank's open succeeded, so no collective set-up call
  //     waits for a peer that never comes. When it fails on any rank, every
  //     rank holds an open handle and reaches the same point: they close it
  //     together (errors of that close are dropped; the set-up's is
  //     reported), then throw.
  // The open span runs from the open's start to the set-up's end, the
  // agreement between them included (IOR's MPI-IO open sets the view and
  // preallocates too); the agreement after the set-up lies between open
  // and the first transfer, inside the headline span.
  void open_collectively(std::unique_ptr<FileHandle>& fh) {
    ctx_.step([&] {
      const WatchedCall watched(io_.watchdog, "the collective open");
      fh = io_.backend.open(io_.file_comm, io_.request);
    });
    try {
      ctx_.step([&] {
        const WatchedCall watched(io_.watchdog, "the collective set-up after open");
        fh->setup();
        opened_ns_ = now_ns();
      });
    } catch (const CollectiveError&) {
      try {
        const WatchedCall watched(io_.watchdog, "the collective close after a failed set-up");
        fh->close();
      } catch (const std::exception&) {
      }
      throw;
    }
  }

  // The step of open (local), transfers, fsync and close.
  void transfer_step(std::unique_ptr<FileHandle>& fh, std::optional<CollectiveStop>& stop) {
    ctx_.step([&] {
      open_local(fh);
      // A collective open leaves a handle on every rank, and a failure at
      // a -g meeting is known to all: the lockstep loop is entered by all
      // ranks or by none.
      if (may_transfer(fh)) transfer_loop(*fh, stop ? &*stop : nullptr, 0, loop_end(), deadline_ns_);
      mark_stonewall();
      times_.io = {ns_to_s(t_io_start_), ns_to_s(last_)};
      finish(fh.get());
      times_.total = {ns_to_s(t_open_), times_.close.end_s};
      if (failure_) std::rethrow_exception(failure_);
    });
  }

  void open_local(std::unique_ptr<FileHandle>& fh) {
    guard([&] {
      if (!fh) {
        fh = io_.backend.open(io_.file_comm, io_.request);
        fh->setup();  // a local handle's set-up is local too
      }
      times_.facts = fh->facts();
    });
    last_ = now_ns();
    times_.open = {ns_to_s(t_open_), ns_to_s(opened_ns_ != 0 ? opened_ns_ : last_)};
    if (meet()) last_ = now_ns();  // -g: the transfers are timed from after the meeting
    t_io_start_ = last_;
  }

  bool may_transfer(const std::unique_ptr<FileHandle>& fh) const {
    return fh != nullptr && failure_ == nullptr && !others_failed_;
  }

  // The loop's end: one pass, or (-O minTimeDuration) as many passes as
  // fit, the loop itself ending them.
  std::uint64_t loop_end() const noexcept {
    if (io_.transfers == 0) return 0;
    return min_end_ns_ != 0 ? std::numeric_limits<std::uint64_t>::max() : io_.transfers;
  }

  // -g: one agreement over all ranks (a barrier that also carries whether
  // anyone has failed so far). Every rank reaches it: with -g no failure
  // throws before close (keep_failures_). Returns whether it met.
  bool meet() {
    if (!io_.barriers) return false;
    if (!ctx_.comm.all_ok(failure_ == nullptr, [this] { ctx_.early_stop.service(); })) others_failed_ = true;
    return true;
  }

  void mark_stonewall() {
    times_.stonewall_transfers = times_.transfers_done;
    times_.stonewall = {ns_to_s(t_open_), ns_to_s(last_)};
    times_.wear_out = {ns_to_s(last_), ns_to_s(last_)};
  }

  // Independent transfers with wear-out: step 1 runs to the deadline (a
  // signal does not fail it, so the handle still closes in step 2); between
  // the steps all ranks agree on the largest count (and on whether anyone
  // stopped for another reason); step 2 continues to that count, then
  // fsync and close. The agreement is the only collective added to the
  // phase: no per-transfer cost.
  PhaseTimes run_with_wear_out(std::unique_ptr<FileHandle>& fh) {
    bool stopped = false;
    ctx_.step_keeping_interrupt([&] {
      open_local(fh);
      if (may_transfer(fh))
        stopped = transfer_loop(*fh, nullptr, 0, loop_end(), deadline_ns_) == LoopEnd::kStopped;
      stopped = stopped || !may_transfer(fh);
      mark_stonewall();
    });
    const std::uint64_t target = ctx_.comm.allreduce_max(times_.transfers_done);
    const bool anyone_stopped = ctx_.comm.allreduce_max(std::uint64_t{stopped ? 1u : 0u}) != 0;
    ctx_.step([&] {
      const std::uint64_t stonewall_ns = last_;
      // The tail has no deadline (a rank that did nothing before it still
      // catches up) and no minimum time: it ends at the agreed count.
      min_end_ns_ = 0;
      const std::uint64_t tail_end = io_.min_duration_s > 0 ? target : std::min(target, io_.transfers);
      if (!anyone_stopped && io_.transfers > 0) transfer_loop(*fh, nullptr, times_.transfers_done, tail_end, 0);
      times_.wear_out = {ns_to_s(stonewall_ns), ns_to_s(last_)};
      times_.io = {ns_to_s(t_io_start_), ns_to_s(last_)};
      finish(fh.get());
      times_.total = {ns_to_s(t_open_), times_.close.end_s};
      if (failure_) std::rethrow_exception(failure_);
    });
    return times_;
  }

  // Transfers [from, to) unless stopped; transfer i is index i % transfers
  // of the pattern. `deadline_ns` (0: none) and the minimum time are
  // checked against the clock read after the previous transfer, so they
  // cost a comparison per transfer.
  LoopEnd transfer_loop(FileHandle& fh, CollectiveStop* stop, std::uint64_t from, std::uint64_t to,
                        std::uint64_t deadline_ns) {
    LoopEnd end = LoopEnd::kCount;
    bool agreed_stop = false;  // a segment agreement stopped the loop
    const char* call = io_.request.mode == OpenMode::kWrite ? "a collective write" : "a collective read";
    const std::uint64_t pass = io_.transfers;
    const std::uint64_t per_segment = io_.transfers_per_segment;
    std::uint64_t j = pass != 0 ? from % pass : 0;  // index within the pass, wrapped without a division
    for (std::uint64_t i = from; i < to; ++i, j = j + 1 == pass ? 0 : j + 1) {
      const WatchedCall watched(stop != nullptr ? io_.watchdog : nullptr, call);
      const bool past_deadline = deadline_ns != 0 && last_ >= deadline_ns;
      const bool past_min_time = min_end_ns_ != 0 && last_ >= min_end_ns_;
      // The first transfer of a segment not begun yet (segment 0 of the
      // first pass is the set-up's; a wear-out tail may start on a segment
      // begun before it).
      const bool new_segment = segments_ && j % per_segment == 0 && i != begun_at_;
      if (stop != nullptr) {
        // Everyone leaves before the same transfer, or nobody does. The
        // minimum time is wished one transfer early (a wish takes effect
        // one transfer later), so the agreed stop falls on a pass boundary.
        const bool pass_ends = j + 1 == pass;
        if (stop->stop_before_next(failure_ != nullptr || past_deadline || (past_min_time && pass_ends) ||
                                   ctx_.stop_requested(last_))) {
          end = deadline_ns != 0 ? LoopEnd::kDeadline : LoopEnd::kStopped;
          break;
        }
      } else if (new_segment && agree_segments_) {
        // Independent transfers on a shared file: the segment change is
        // collective, so the ranks agree first. Stop wishes are taken here
        // (and between boundaries below, which then come here through
        // trail_segments); the minimum time ends a pass only when every
        // rank has had it, so the passes stay whole and the same everywhere.
        const WatchedCall agreeing(io_.watchdog, "the collective segment change");
        const bool asked = ctx_.stop_requested(last_);
        if (asked) tell_others();
        const bool stop_now = failure_ != nullptr || past_deadline || asked;
        const bool more = !(past_min_time && j == 0);
        const SegmentDecision d = agree_segment(stop_now, more, j / per_segment);
        if (d.stop) {
          end = failure_ != nullptr || asked || deadline_ns == 0 ? LoopEnd::kStopped : LoopEnd::kDeadline;
          agreed_stop = true;
          break;
        }
        if (d.done) break;  // every rank has had its minimum time
        begin_segment(fh, d.segment, i);
        if (failure_) break;  // meet the others in the next agreement, fsync and close
      } else if (past_deadline) {
        end = LoopEnd::kDeadline;
        break;
      } else if (past_min_time && i != 0 && j == 0) {
        break;  // a whole number of passes, as IOR's minTimeDuration
      } else if (ctx_.stop_requested(last_)) {
        tell_others();
        end = LoopEnd::kStopped;
        break;
      }
      if (new_segment && !agree_segments_) {
        // In step already (lockstep: the stop check above is shared), or
        // alone on the file (-F).
        begin_segment(fh, j / per_segment, i);
        if (failure_ && stop == nullptr) break;
      }
      const std::size_t size = failure_ ? 0 : io_.transfer_bytes;
      try {
        io_.transfer(j, fh, size);
      } catch (...) {
        if (!keep_failures_) throw;  // local handle, no -g: closes itself
        failure_ = std::current_exception();
        tell_others();
        if (stop == nullptr) break;  // independent: meet the others in fsync/close
        continue;                    // lockstep: empty transfers until the agreed stop
      }
      const std::uint64_t now = now_ns();
      if (size == 0) continue;
      latency_.record(now - last_);
      last_ = now;
      ++times_.transfers_done;
      if (io_.progress) io_.progress(times_.transfers_done * io_.transfer_bytes, now);
    }
    if (agree_segments_) trail_segments(fh, end != LoopEnd::kCount);
    if (stop != nullptr) {
      const WatchedCall watched(io_.watchdog, call);
      stop->finish();
    }
    // In lockstep (or at a segment agreement) a shared stop that fails
    // nothing was the deadline (or the minimum time); only ranks past the
    // deadline say they hit it.
    if (end == LoopEnd::kDeadline)
      times_.deadline_hit = (stop == nullptr && !agreed_stop) || last_ >= deadline_ns;
    return end;
  }

  struct SegmentDecision {
    bool stop = false;       ///< some rank wants to stop: nobody begins another segment
    bool done = false;       ///< nobody wants another segment
    std::uint64_t segment = 0;  ///< else: the segment every rank begins now
  };

  // COLLECTIVE over the file communicator: one all-reduce (MPI_MAX) of
  // "stop" (the top value), "segment s next" (s + 1) or "nothing more" (0),
  // waited for politely. Every rank gets the same decision; after a stop or
  // "done" the sequence is closed and no rank calls this again in the phase.
  SegmentDecision agree_segment(bool stop_now, bool want_more, std::uint64_t segment) {
    constexpr std::uint64_t kStop = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t mine = stop_now ? kStop : want_more ? segment + 1 : 0;
    std::uint64_t all = 0;
    MPI_Request req;
    MPI_Iallreduce(&mine, &all, 1, MPI_UINT64_T, MPI_MAX, io_.file_comm.raw(), &req);
    wait_politely(req, [this] { ctx_.early_stop.service(); });
    SegmentDecision d;
    d.stop = all == kStop;
    d.done = all == 0;
    d.segment = all - 1;
    if (d.stop || d.done) segments_closed_ = true;
    return d;
  }

  // A rank whose loop ended (its count done, a stop wish, a failure) while
  // the segment sequence is still open: it takes part in the agreements and
  // segment changes the others still make, moving nothing, until one closes
  // the sequence. A rank that stopped asks everyone to stop at the next one.
  void trail_segments(FileHandle& fh, bool stopped) {
    while (!segments_closed_) {
      const WatchedCall agreeing(io_.watchdog, "the collective segment change");
      const bool stop_now = stopped || failure_ != nullptr || ctx_.stop_requested();
      const SegmentDecision d = agree_segment(stop_now, false, 0);
      if (d.stop || d.done) break;
      guard([&] { fh.begin_segment(d.segment); });
    }
  }

  // The segment change itself (collective with segment_points); a failure
  // is kept like a transfer's.
  void begin_segment(FileHandle& fh, std::uint64_t segment, std::uint64_t at) {
    begun_at_ = at;
    guard([&] { fh.begin_segment(segment); });
  }

  // fsync, the -g meeting, close: with a collective open every rank calls
  // fsync and close whatever happened before, keeping the first error for
  // after close. `fh` is null only when a local open failed under -g.
  void finish(FileHandle* fh) {
    std::uint64_t t = now_ns();
    const bool fsync = io_.fsync && io_.request.mode == OpenMode::kWrite;
    const CollectiveLimit* dog = caps_.collective_open ? io_.watchdog : nullptr;
    if (fh != nullptr && fsync && (caps_.collective_open || !failure_)) {
      const WatchedCall watched(dog, "the collective fsync");
      guard([&] { fh->fsync(); });
    }
    std::uint64_t now = now_ns();
    times_.fsync = {ns_to_s(t), ns_to_s(fsync ? now : t)};
    if (meet()) now = now_ns();
    t = now;
    if (fh != nullptr) {
      const WatchedCall watched(dog, "the collective close");
      guard([&] { fh->close(); });
    }
    times_.close = {ns_to_s(t), ns_to_s(now_ns())};
  }

  template <class Fn>
  void guard(Fn&& fn) {
    if (!keep_failures_) return fn();
    try {
      fn();
    } catch (...) {
      if (!failure_) failure_ = std::current_exception();
      tell_others();
    }
  }

  // Another rank may be waiting for us in a collective call (fsync, close,
  // a -g meeting): tell it now rather than at the step's agreement.
  void tell_others() {
    if (keep_failures_) ctx_.early_stop.notify();
  }

  RunContext& ctx_;
  const PhaseIo& io_;
  LatencyHistogram& latency_;
  const BackendCaps caps_;
  const bool lockstep_;
  const bool keep_failures_;  // failures wait for close: collective open, or -g
  const bool segments_;        // the backend's begin_segment() is called at segment boundaries
  const bool agree_segments_;  // ... and is collective among ranks not in step: agreed first
  std::uint64_t begun_at_ = 0;     // loop index of the last segment begun (0: the set-up's)
  bool segments_closed_ = false;   // an agreement ended the phase's segment sequence
  PhaseTimes times_;
  std::uint64_t t_open_ = 0;
  std::uint64_t t_io_start_ = 0;
  std::uint64_t opened_ns_ = 0;  // end of a collective open's library call (0: local open)
  std::uint64_t deadline_ns_ = 0;  // 0: no deadline
  std::uint64_t min_end_ns_ = 0;   // 0: one pass
  std::uint64_t last_ = 0;
  bool others_failed_ = false;     // a -g meeting said another rank failed
  std::exception_ptr failure_;
};

}  // namespace

PhaseTimes run_phase_io(RunContext& ctx, const PhaseIo& io, LatencyHistogram& latency) {
  return PhaseRun(ctx, io, latency).run();
}

}  // namespace pfsbench::ior_like
