#include "pfsbench/rank_stats.hpp"

#include <algorithm>
#include <cmath>

namespace pfsbench {

ClockSync synchronize_clocks(const Comm& comm) {
  constexpr int kRounds = 8;
  constexpr int kTag = 7301;
  ClockSync sync;
  double best_rtt = 0;
  if (comm.rank() == 0) {
    for (int r = 1; r < comm.size(); ++r)
      for (int i = 0; i < kRounds; ++i) {
        char ping = 0;
        MPI_Recv(&ping, 1, MPI_CHAR, r, kTag, comm.raw(), MPI_STATUS_IGNORE);
        const double t0 = now_s();
        MPI_Send(&t0, 1, MPI_DOUBLE, r, kTag, comm.raw());
      }
  } else {
    best_rtt = 1e30;
    for (int i = 0; i < kRounds; ++i) {
      const char ping = 1;
      const double ta = now_s();
      MPI_Send(&ping, 1, MPI_CHAR, 0, kTag, comm.raw());
      double t0 = 0;
      MPI_Recv(&t0, 1, MPI_DOUBLE, 0, kTag, comm.raw(), MPI_STATUS_IGNORE);
      const double tb = now_s();
      if (tb - ta < best_rtt) {
        best_rtt = tb - ta;
        sync.offset_s = t0 - (ta + tb) / 2.0;
      }
    }
  }
  std::vector<double> v = {std::fabs(sync.offset_s), best_rtt / 2.0};
  comm.allreduce_max(v);
  sync.max_abs_offset_s = v[0];
  sync.max_uncertainty_s = v[1];
  return sync;
}

std::vector<SpanStats> reduce_spans(const Comm& comm, std::span<const Interval> local,
                                    const ClockSync& clock) {
  const std::size_t k = local.size();
  // Negated starts so that one MAX reduction yields min(start) and max(end).
  std::vector<double> ends(2 * k);
  for (std::size_t i = 0; i < k; ++i) {
    ends[2 * i] = -clock.to_global(local[i].start_s);
    ends[2 * i + 1] = clock.to_global(local[i].end_s);
  }
  comm.allreduce_max(ends);
  std::vector<double> durations(k);
  for (std::size_t i = 0; i < k; ++i) durations[i] = local[i].duration_s();
  std::vector<double> all(comm.is_root() ? k * static_cast<std::size_t>(comm.size()) : 0);
  MPI_Gather(durations.data(), static_cast<int>(k), MPI_DOUBLE, all.data(), static_cast<int>(k),
             MPI_DOUBLE, 0, comm.raw());
  std::vector<SpanStats> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    out[i].earliest_start_s = -ends[2 * i];
    out[i].latest_end_s = ends[2 * i + 1];
    if (comm.is_root()) {
      std::vector<double> per_rank(static_cast<std::size_t>(comm.size()));
      for (std::size_t r = 0; r < per_rank.size(); ++r) per_rank[r] = all[r * k + i];
      out[i].rank_duration_s = distribution(per_rank);
    }
  }
  return out;
}

void reduce_histogram_to_root(const Comm& comm, LatencyHistogram& hist) {
  std::vector<std::uint64_t> fields = hist.sum_fields();
  comm.reduce_sum_to_root(fields);
  // min as its complement so that MAX gives both extremes in one call.
  std::uint64_t ext[2] = {~hist.raw_min_ns(), hist.max_ns()};
  std::uint64_t out[2] = {0, 0};
  MPI_Reduce(ext, out, 2, MPI_UINT64_T, MPI_MAX, 0, comm.raw());
  if (comm.is_root()) {
    hist.set_sum_fields(fields);
    hist.set_min_max(~out[0], out[1]);
  }
}

void reduce_series_to_root(const Comm& comm, std::vector<std::uint64_t>& series) {
  const std::uint64_t len = comm.allreduce_max(static_cast<std::uint64_t>(series.size()));
  series.resize(len, 0);
  comm.reduce_sum_to_root(series);
}

std::optional<RankedMismatch> gather_first_mismatch(const Comm& comm, const RankMismatch& mine) {
  const std::vector<RankMismatch> all = comm.gather_struct(mine);
  const auto r = first_mismatch_rank(all);
  if (!r) return std::nullopt;
  return RankedMismatch{static_cast<int>(*r), all[*r]};
}

}  // namespace pfsbench
