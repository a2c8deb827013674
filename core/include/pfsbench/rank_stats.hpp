#pragma once
// Cross-rank reductions of timings, histograms and time series. With mpi.hpp
// the only MPI code in core. Every function here is COLLECTIVE.

#include <cstdint>
#include <span>
#include <vector>

#include "pfsbench/histogram.hpp"
#include "pfsbench/mismatch.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/stats.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {

/// Offsets of the ranks' monotonic clocks to rank 0's clock.
struct ClockSync {
  double offset_s = 0;             ///< add to a local time to get rank 0's time
  double max_abs_offset_s = 0;     ///< largest |offset| over ranks (all ranks)
  double max_uncertainty_s = 0;    ///< half the best round trip, worst rank (all ranks)
  double to_global(double local_s) const noexcept { return local_s + offset_s; }
};

/// COLLECTIVE. Each rank r > 0 measures its offset to rank 0 by 8 ping-pongs
/// and keeps the one with the shortest round trip (Cristian's algorithm).
/// Cost about size x 8 round trips, once per run.
ClockSync synchronize_clocks(const Comm& comm);

/// A cross-rank span of one kind of interval (e.g. open..close of a phase).
struct SpanStats {
  double earliest_start_s = 0;  ///< min over ranks of start (rank 0's clock)
  double latest_end_s = 0;      ///< max over ranks of end
  /// latest end - earliest start: the denominator of every headline rate.
  double span_s() const noexcept { return latest_end_s - earliest_start_s; }
  /// min/median/max of the ranks' own durations (end - start); rank 0 only.
  Distribution rank_duration_s;
};

/// COLLECTIVE. Reduces k local intervals (local clock) at once: one
/// MPI_Allreduce(MAX) of 2k values and one MPI_Gather of k durations,
/// however many intervals. Results valid on all ranks, except
/// rank_duration_s which is valid on rank 0.
std::vector<SpanStats> reduce_spans(const Comm& comm, std::span<const Interval> local,
                                    const ClockSync& clock);

/// COLLECTIVE. Merges every rank's histogram into rank 0's (two reductions:
/// counts and sum by SUM, min and max by MAX). Other ranks' histograms are
/// left unchanged.
void reduce_histogram_to_root(const Comm& comm, LatencyHistogram& hist);

/// COLLECTIVE. Sums per-interval counters (a time series of equal-width
/// buckets, which ranks may hold in different lengths) into rank 0's.
void reduce_series_to_root(const Comm& comm, std::vector<std::uint64_t>& series);

/// A mismatch and the rank that found it.
struct RankedMismatch {
  int rank = 0;
  RankMismatch mismatch;
};

/// COLLECTIVE. One gather of every rank's record; on rank 0 the first
/// mismatch (first_mismatch_rank: lowest offset, then lowest rank), nullopt
/// when no rank found one and on every other rank.
std::optional<RankedMismatch> gather_first_mismatch(const Comm& comm, const RankMismatch& mine);

}  // namespace pfsbench
