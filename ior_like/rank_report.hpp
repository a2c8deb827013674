#pragma once
// Per-rank figures of a phase, gathered only when asked for: -vv prints
// them on stderr, -O saveRankPerformanceDetailsCSV=F appends them to F.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>


namespace pfsbench::ior_like {

/// One rank's share of a phase (its own clock, so no skew enters); crosses
/// ranks as one Comm::gather_struct.
struct RankFigures {
  std::uint64_t transfers = 0;  ///< transfers it completed
  double duration_s = 0;        ///< its open start .. its close end
  double io_duration_s = 0;     ///< its first transfer start .. last transfer end
};

/// Rank 0: one line per rank on `out` (-vv).
void print_rank_figures(std::ostream& out, const std::vector<RankFigures>& ranks,
                        const std::vector<std::string>& host_of_rank, std::uint64_t transfer_bytes);

/// Rank 0: appends one CSV line per rank to `path` in IOR's format for
/// -O saveRankPerformanceDetailsCSV (no header, the file is appended to,
/// as IOR does): access,rank,total_s,access_s,total_bandwidth,access_bandwidth
/// with `access` "write" or "read", total = the rank's open..close, access =
/// its first..last transfer, bandwidths in bytes/s of the rank's own bytes
/// (IOR divides the aggregate evenly; the same with wear-out). Throws
/// IoError naming the path.
void append_rank_csv(const std::string& path, const std::string& access, const std::vector<RankFigures>& ranks,
                     std::uint64_t transfer_bytes);

}  // namespace pfsbench::ior_like
