#pragma once
// The walk shared by MPI ranks with work stealing (pfind's and libcircle's
// scheme): a rank with no work asks a random rank for some; the victim
// answers between two of its steps with the older half of its queue (or
// nothing). Termination: Dijkstra's token ring (EWD840) with colours: a rank
// that gives work away turns black; rank 0 ends the walk when a white token
// comes back to it while it is white and idle, and tells every rank. Work
// travels only in answers to steal requests, so a rank holds the token
// while its own request is out (EWD840 assumes messages arrive at once).
//
// A stop (signal, another rank's failure, a local error) drops the rank's
// queue and tells the others; the protocol then ends normally, so no rank
// leaves the others waiting. After the end, every outstanding request is
// answered and every message received before returning (no message left
// unmatched at MPI_Finalize).

#include <cstdint>
#include <functional>
#include <string>

#include <mpi.h>

#include "pfsbench/timing.hpp"
#include "walker.hpp"

namespace pfsbench::find_like {

/// Per-rank figures of the sharing (trivially copyable: gathered as one struct).
struct ShareCounters {
  std::uint64_t steal_requests = 0;   ///< requests this rank sent
  std::uint64_t steals_ok = 0;        ///< of them, answered with work
  std::uint64_t items_received = 0;
  std::uint64_t requests_served = 0;  ///< requests this rank answered
  std::uint64_t items_given = 0;
  std::uint64_t dropped_items = 0;    ///< items dropped by a stop
  double idle_s = 0;                  ///< time without work between start and end
};

struct ShareOutcome {
  Interval span;             ///< this rank's start .. the moment it learnt the walk was over (local clock)
  ShareCounters counters;
  bool stopped = false;      ///< the walk was stopped (incomplete)
  std::string local_error;   ///< a local failure (e.g. the output could not be written), "" if none
};

/// COLLECTIVE over `comm` (a communicator of its own: the walk uses its
/// tags freely). Rank 0's walker must hold the root (Walker::start).
/// `should_stop` is asked every step (it must be cheap); `progress` gets
/// the clock after each step.
ShareOutcome parallel_walk(Walker& walker, MPI_Comm comm, const std::function<bool(std::uint64_t)>& should_stop,
                           const std::function<void(std::uint64_t)>& progress);

/// Local: the same walker alone, no messages (--serial's baseline).
ShareOutcome serial_walk(Walker& walker, const std::function<bool(std::uint64_t)>& should_stop,
                         const std::function<void(std::uint64_t)>& progress);

}  // namespace pfsbench::find_like
