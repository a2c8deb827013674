#pragma once
// One phase's I/O as a sequence of collective points: open, the transfer
// loop, fsync, close. The same code serves every backend:
//
//  - Local backends (POSIX, MMAP, null): the whole sequence is one step; an
//    error throws at once, the handle closes locally, the step's agreement
//    tells the other ranks (and EarlyStop stops their loops at once).
//  - Backends whose open/fsync/close are collective (MPI-IO, HDF5): open is
//    a step of its own, so either every rank holds a handle or every rank
//    knows it failed (ranks that opened abandon their handle, which never
//    calls a collective); the handle's set-up (file view, preallocation,
//    HDF5 dataset) is the next step, entered only after every open
//    succeeded (a failed set-up closes the handle on every rank). Inside
//    the transfer step a rank never skips fsync
//    or close: an error is kept, the others are told (EarlyStop), the rank
//    leaves its independent loop, meets the others in fsync and close, and
//    only then throws.
//  - Collective transfers (-c, more than one rank on the file): nobody leaves
//    the loop alone. Every stop wish (an error, a signal, another rank's
//    failure, a deadline) goes through CollectiveStop, so all ranks leave
//    before the same transfer; a rank that failed takes part in the
//    remaining collective calls with empty transfers until then.

#include <cstdint>
#include <functional>

#include "backend.hpp"
#include "pfsbench/histogram.hpp"
#include "pfsbench/timing.hpp"
#include "pfsbench/tool.hpp"
#include "pfsbench/watchdog.hpp"

namespace pfsbench::ior_like {

/// One rank's timestamps of a phase (seconds on its own monotonic clock).
struct PhaseTimes {
  Interval total;  ///< open start .. close end: the headline span
  Interval open, io, fsync, close;
  std::uint64_t transfers_done = 0;  ///< transfers this rank completed (all passes)
  /// The stonewall: where this rank's main loop ended (at the -D deadline,
  /// or after all its transfers when the deadline was not reached).
  std::uint64_t stonewall_transfers = 0;
  bool deadline_hit = false;  ///< the loop ended because of the deadline
  Interval stonewall;         ///< open start .. the stonewall
  Interval wear_out;          ///< the stonewall .. end of the wear-out transfers (empty without)
  nlohmann::json facts;              ///< the handle's facts() after open (null when none)
};

struct PhaseIo {
  IoBackend& backend;
  const Comm& file_comm;  ///< all ranks for a shared file, MPI_COMM_SELF for -F
  OpenRequest request;
  std::uint64_t transfers = 0;  ///< per rank: the transfers of one pass over the access pattern
  std::size_t transfer_bytes = 0;
  bool fsync = false;           ///< -e (writes only)
  /// Does transfer `index` (within the pass) through `fh`, moving `size` bytes (0 for a
  /// rank that only takes part in a collective call). Throws on failure.
  std::function<void(std::uint64_t index, FileHandle& fh, std::size_t size)> transfer;
  /// Called after each transfer with the bytes done and the clock (ns).
  std::function<void(std::uint64_t bytes_done, std::uint64_t now_ns)> progress;
  /// Armed around every collective library call (open, collective
  /// transfers, fsync, close); null: not watched.
  const CollectiveLimit* watchdog = nullptr;  ///< collective backends: the library calls' limit
  /// -D: seconds after this rank's open start at which it stops issuing
  /// transfers; 0: no deadline. Collective transfers stop on the same index
  /// everywhere (the deadline is one more stop wish).
  double deadline_s = 0;
  /// Wear-out (independent transfers): after the deadline, ranks agree on
  /// the largest count done (COLLECTIVE over ctx.comm, between two steps)
  /// and every rank continues up to it, so all do the same count.
  bool wear_out = false;
  /// -g: every rank meets the others (one agreement over ctx.comm) after
  /// open, and after the transfers and their fsync, before close. The
  /// three are timed apart; the waits lie between them, inside the total
  /// span. A rank's failure is kept until after close, so nobody skips a
  /// meeting, and a failure known at a meeting skips the work after it.
  bool barriers = false;
  /// -O minTimeDuration: while less than this many seconds have passed
  /// since this rank's open started, another pass over the `transfers`
  /// starts after the last one (0: one pass). Collective transfers decide
  /// at the end of each pass, together (one stop wish). A wear-out tail
  /// only catches up to the agreed count.
  double min_duration_s = 0;
  /// -b/-t: the transfers of one segment. With a backend whose caps say
  /// segment_points, the loop calls begin_segment() before the first
  /// transfer of each segment it reaches. On a shared file with independent
  /// transfers the ranks first agree (one all-reduce per segment, over the
  /// file communicator) whether anyone stops and which segment comes next;
  /// a rank that left its loop (done, stopped, failed) keeps taking part
  /// in those agreements, and in the segment changes they decide, until one
  /// ends the sequence, so every rank makes the same collective calls. With
  /// collective transfers the ranks are in step already (CollectiveStop).
  /// On a shared file every rank must then run the same `transfers` per pass.
  std::uint64_t transfers_per_segment = 0;
};

/// COLLECTIVE over ctx.comm (and io.file_comm). Runs the phase and returns
/// this rank's times; every failure is agreed and thrown as CollectiveError
/// on every rank. `latency` records one sample per transfer (ns from the end
/// of the previous call, or of open, to the end of this one).
PhaseTimes run_phase_io(RunContext& ctx, const PhaseIo& io, LatencyHistogram& latency);

}  // namespace pfsbench::ior_like
