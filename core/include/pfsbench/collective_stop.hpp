#pragma once
// The shared decision to leave a loop of collective calls.
//
// A loop of MPI_File_write_at_all (or collective H5Dwrite) calls must be
// entered by every rank of the file's communicator the same number of times.
// A rank that wants to stop (its own I/O error, SIGINT/SIGTERM, a deadline,
// another rank's failure) therefore may not just leave: all ranks must leave
// before the same transfer index. IOR hung exactly here when stonewalling
// met collective I/O.
//
// Protocol, one round per transfer index i, pipelined by one transfer:
//   before transfer i every rank starts round i, a non-blocking MPI_MAX
//   all-reduce of its wish to stop, then completes round i-1 (started one
//   transfer earlier, so it ran while transfer i-1's collective call
//   progressed MPI). When round i-1 says "stop", every rank leaves before
//   transfer i: the same index everywhere, because every rank saw the same
//   reduced value. A wish raised before transfer i takes effect at i+1, so
//   a rank that wants out takes part in at most one more collective call;
//   it does so with an empty transfer (zero bytes), which MPI-IO and HDF5
//   allow in a collective call.
// Cost: one small non-blocking all-reduce per collective transfer, hidden
// behind the transfer itself. Independent transfers never use this (their
// ranks stop on their own; see EarlyStop).

#include <cstdint>

#include <mpi.h>

namespace pfsbench {

class Comm;

class CollectiveStop {
 public:
  /// COLLECTIVE over comm (duplicates it, so the rounds never meet the
  /// caller's own collectives).
  explicit CollectiveStop(const Comm& comm);
  /// Frees the duplicate; not a collective. A round still pending here
  /// (settle() was skipped: a bug) is neither freed nor waited for: the
  /// request and the duplicate are left to the job's end, which on that
  /// path is MPI_Abort (tool_main).
  ~CollectiveStop();
  CollectiveStop(const CollectiveStop&) = delete;
  CollectiveStop& operator=(const CollectiveStop&) = delete;

  /// COLLECTIVE over comm: every rank calls it before every transfer, the
  /// same number of times, until it returns true. `want_stop` is this
  /// rank's wish. True means: leave now, before this transfer; the decision
  /// is the same on every rank at the same call.
  bool stop_before_next(bool want_stop);

  /// COLLECTIVE: completes the round still in flight. Call once after the
  /// loop on every rank (whether it ended by stop_before_next or by count).
  /// Returns true when that last round asked to stop.
  bool finish();

  /// COLLECTIVE over `comm` (the communicator given to the constructor):
  /// every rank calls it once after the step that ran the loop, whether the
  /// step succeeded or threw, at a point every rank reaches. It completes
  /// every round any rank started: a rank that left the loop early (an
  /// exception between rounds) starts the rounds it missed, wishing to stop,
  /// and every rank waits for them. Afterwards nothing is pending. MPI
  /// forbids freeing a pending nonblocking collective (MPI 3.1 5.12), and
  /// waiting for one on a rank alone may block: this is the place where all
  /// ranks arrive.
  void settle(const Comm& comm);

  /// Transfers the loop ran before the agreed stop (the index it stopped at).
  std::uint64_t rounds() const noexcept { return rounds_; }
  /// Rounds this rank started (the all-reduces, one per stop_before_next
  /// that did not stop).
  std::uint64_t started() const noexcept { return started_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Request pending_ = MPI_REQUEST_NULL;
  int send_ = 0;
  int recv_ = 0;
  std::uint64_t rounds_ = 0;
  std::uint64_t started_ = 0;
};

}  // namespace pfsbench
