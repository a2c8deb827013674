#pragma once
// Per-rank figures of a phase, gathered only when asked for: -vv prints
// them on stderr, -O saveRankPerformanceDetailsCSV=F appends them to F.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "pfsbench/mpi.hpp"

namespace pfsbench::ior_like {

/// One rank's share of a phase (its own clock, so no skew enters).
struct RankFigures {
  std::uint64_t transfers = 0;  ///< transfers it completed
  double duration_s = 0;        ///< its open start .. its close end
  double io_duration_s = 0;     ///< its first transfer start .. last transfer end
};

/// COLLECTIVE. Every rank's figures, in rank order, on rank 0 (empty elsewhere).
std::vector<RankFigures> gather_rank_figures(const Comm& comm, const RankFigures& mine);

/// Rank 0: one line per rank on `out` (-vv).
void print_rank_figures(std::ostream& out, const std::vector<RankFigures>& ranks,
                        const std::vector<std::string>& host_of_rank, std::uint64_t transfer_bytes);

/// Rank 0: appends one CSV line per rank to `path`, with the header first
/// when `start` (the run's first phase truncates the file). Columns:
/// phase,iteration,rank,host,transfers,bytes,duration_s,bandwidth_bytes_per_s,io_duration_s.
/// Throws IoError naming the path.
void append_rank_csv(const std::string& path, bool start, const std::string& phase, int iteration,
                     const std::vector<RankFigures>& ranks, const std::vector<std::string>& host_of_rank,
                     std::uint64_t transfer_bytes);

}  // namespace pfsbench::ior_like
