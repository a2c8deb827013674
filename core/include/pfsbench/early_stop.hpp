#pragma once
// Early stop: a rank that fails inside a step tells the others at once, so
// they leave their I/O loops within milliseconds instead of finishing the
// phase first. Without it, one rank hitting EIO at the start of a 256 GiB
// per-rank write would let the other 383 ranks write for the best part of an
// hour before the step's agreement reports the failure.
//
// Protocol (point-to-point on a private duplicate of the communicator, one
// message tag per step, so a late notice can never stop a later step):
//   arm()       every rank, at the start of a step: rank 0 posts a receive
//               from any rank, the others a receive from rank 0.
//   notify()    a rank whose step failed: rank 0 relays to every rank at
//               once, any other rank sends one notice to rank 0, which
//               relays it the next time it polls. O(ranks) messages per
//               failure, never ranks^2 when every rank fails at once.
//   poll()      in I/O loops (main thread only: MPI_THREAD_FUNNELED): true
//               once a stop was received. It tests the receive at most every
//               `poll_interval_ns` of the caller's clock, so a loop of
//               microsecond operations pays one comparison per call.
//   service()   while rank 0 waits in the step's agreement: relays a notice
//               that arrives after rank 0 finished its own work.
//   disarm()    every rank, after the agreement: cancels or completes the
//               outstanding requests.
// The agreement stays the only decision: a rank that stopped early reports
// "ok" and the failing rank's error wins the agreement, as before.

#include <cstdint>
#include <vector>

#include <mpi.h>

namespace pfsbench {

class EarlyStop {
 public:
  /// COLLECTIVE (duplicates the communicator).
  explicit EarlyStop(MPI_Comm comm, std::uint64_t poll_interval_ns = 10'000'000);
  ~EarlyStop();
  EarlyStop(EarlyStop&& other) noexcept;
  EarlyStop& operator=(EarlyStop&&) = delete;
  EarlyStop(const EarlyStop&) = delete;
  EarlyStop& operator=(const EarlyStop&) = delete;

  void arm();
  void notify();
  /// Tests for a notice when `now_ns` (any monotonic clock in ns) is at
  /// least poll_interval_ns past the last test; always true once stopped.
  bool poll(std::uint64_t now_ns) {
    if (stopped_) return true;
    if (!armed_ || now_ns < next_test_ns_) return false;
    next_test_ns_ = now_ns + poll_interval_ns_;
    return test();
  }
  /// poll() with a cheap clock of its own (CLOCK_MONOTONIC_COARSE).
  bool poll();
  void service();
  void disarm();

  bool stopped() const noexcept { return stopped_; }
  bool armed() const noexcept { return armed_; }

 private:
  bool test();
  void relay();

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  int tag_ub_ = 32767;
  int tag_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t poll_interval_ns_;
  std::uint64_t next_test_ns_ = 0;
  bool armed_ = false;
  bool stopped_ = false;
  bool relayed_ = false;
  int recv_buf_ = 0;
  int send_buf_ = 1;
  MPI_Request recv_ = MPI_REQUEST_NULL;
  std::vector<MPI_Request> sends_;
};

}  // namespace pfsbench
