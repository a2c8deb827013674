#include "phase_io.hpp"

#include <exception>
#include <optional>

#include "pfsbench/collective_stop.hpp"

namespace pfsbench::ior_like {
namespace {

double ns_to_s(std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

// The transfer loop and what follows it, on one rank, inside one step.
class PhaseRun {
 public:
  PhaseRun(RunContext& ctx, const PhaseIo& io, LatencyHistogram& latency)
      : ctx_(ctx), io_(io), latency_(latency), caps_(io.backend.caps()),
        lockstep_(io.request.collective && io.file_comm.size() > 1) {}

  PhaseTimes run() {
    const std::uint64_t t_open = now_ns();
    std::uint64_t opened = 0;
    std::unique_ptr<FileHandle> fh;
    if (caps_.collective_open) {
      // Its own step: after it, every rank holds a handle or every rank
      // throws (those that opened abandon their handle in its destructor).
      // The open span is the library's open; the agreement after it lies
      // between open and the first transfer, inside the headline span.
      ctx_.step([&] {
        const WatchedCall watched(io_.watchdog, "the collective open");
        fh = io_.backend.open(io_.file_comm, io_.request);
        opened = now_ns();
      });
    }
    std::optional<CollectiveStop> stop;
    if (lockstep_) stop.emplace(io_.file_comm);  // collective: before the step's local code
    ctx_.step([&] {
      if (!fh) fh = io_.backend.open(io_.file_comm, io_.request);
      times_.facts = fh->facts();
      last_ = now_ns();
      times_.open = {ns_to_s(t_open), ns_to_s(opened != 0 ? opened : last_)};
      transfer_loop(*fh, stop ? &*stop : nullptr);
      finish(*fh);
      times_.total = {ns_to_s(t_open), times_.close.end_s};
      if (failure_) std::rethrow_exception(failure_);
    });
    return times_;
  }

 private:
  void transfer_loop(FileHandle& fh, CollectiveStop* stop) {
    const std::uint64_t io_start = last_;
    std::uint64_t done = 0;
    const char* call = io_.request.mode == OpenMode::kWrite ? "a collective write" : "a collective read";
    for (std::uint64_t i = 0; i < io_.transfers; ++i) {
      const WatchedCall watched(stop != nullptr ? io_.watchdog : nullptr, call);
      if (stop != nullptr) {
        // Everyone leaves before the same transfer, or nobody does.
        if (stop->stop_before_next(failure_ != nullptr || ctx_.stop_requested(last_))) break;
      } else if (ctx_.stop_requested(last_)) {
        tell_others();
        break;
      }
      const std::size_t size = failure_ ? 0 : io_.transfer_bytes;
      try {
        io_.transfer(i, fh, size);
      } catch (...) {
        if (!caps_.collective_open) throw;  // local handle: closes itself
        failure_ = std::current_exception();
        tell_others();
        if (stop == nullptr) break;  // independent: meet the others in fsync/close
        continue;                    // lockstep: empty transfers until the agreed stop
      }
      const std::uint64_t now = now_ns();
      if (size == 0) continue;
      latency_.record(now - last_);
      last_ = now;
      done += size;
      ++times_.transfers_done;
      if (io_.progress) io_.progress(done, now);
    }
    if (stop != nullptr) {
      const WatchedCall watched(io_.watchdog, call);
      stop->finish();
    }
    times_.io = {ns_to_s(io_start), ns_to_s(last_)};
  }

  // fsync and close: with a collective open every rank calls both whatever
  // happened before, keeping the first error for after close.
  void finish(FileHandle& fh) {
    std::uint64_t t = now_ns();
    const bool fsync = io_.fsync && io_.request.mode == OpenMode::kWrite;
    CollectiveWatchdog* dog = caps_.collective_open ? io_.watchdog : nullptr;
    if (fsync && (caps_.collective_open || !failure_)) {
      const WatchedCall watched(dog, "the collective fsync");
      guard([&] { fh.fsync(); });
    }
    std::uint64_t now = now_ns();
    times_.fsync = {ns_to_s(t), ns_to_s(fsync ? now : t)};
    t = now;
    {
      const WatchedCall watched(dog, "the collective close");
      guard([&] { fh.close(); });
    }
    times_.close = {ns_to_s(t), ns_to_s(now_ns())};
  }

  template <class Fn>
  void guard(Fn&& fn) {
    if (!caps_.collective_open) return fn();
    try {
      fn();
    } catch (...) {
      if (!failure_) failure_ = std::current_exception();
      tell_others();
    }
  }

  // Another rank may be waiting for us in a collective call (fsync, close):
  // tell it now rather than at the step's agreement.
  void tell_others() {
    if (caps_.collective_open) ctx_.early_stop.notify();
  }

  RunContext& ctx_;
  const PhaseIo& io_;
  LatencyHistogram& latency_;
  const BackendCaps caps_;
  const bool lockstep_;
  PhaseTimes times_;
  std::uint64_t last_ = 0;
  std::exception_ptr failure_;
};

}  // namespace

PhaseTimes run_phase_io(RunContext& ctx, const PhaseIo& io, LatencyHistogram& latency) {
  return PhaseRun(ctx, io, latency).run();
}

}  // namespace pfsbench::ior_like
