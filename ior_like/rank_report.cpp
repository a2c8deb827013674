#include "rank_report.hpp"

#include <cerrno>
#include <fstream>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {

std::vector<RankFigures> gather_rank_figures(const Comm& comm, const RankFigures& mine) {
  return comm.gather_struct(mine);
}

namespace {

double rate_or_zero(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0.0; }

const std::string& host(const std::vector<std::string>& host_of_rank, std::size_t r) {
  static const std::string unknown = "?";
  return r < host_of_rank.size() ? host_of_rank[r] : unknown;
}

}  // namespace

void print_rank_figures(std::ostream& out, const std::vector<RankFigures>& ranks,
                        const std::vector<std::string>& host_of_rank, std::uint64_t transfer_bytes) {
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankFigures& f = ranks[r];
    const double bytes = static_cast<double>(f.transfers * transfer_bytes);
    out << fmt::format("  rank {} ({}): {} transfers, {}, open..close {:.4f} s ({:.2f} MiB/s), transfers {:.4f} s\n", r,
                       host(host_of_rank, r), f.transfers, format_bytes(f.transfers * transfer_bytes), f.duration_s,
                       rate_or_zero(bytes, f.duration_s) / kMiB, f.io_duration_s);
  }
  out.flush();
}

void append_rank_csv(const std::string& path, bool start, const std::string& phase, int iteration,
                     const std::vector<RankFigures>& ranks, const std::vector<std::string>& host_of_rank,
                     std::uint64_t transfer_bytes) {
  std::ofstream out(path, start ? std::ios::trunc : std::ios::app);
  if (!out)
    throw IoError("open (-O saveRankPerformanceDetailsCSV)", path, errno, 0, -1, -1,
                  "check that the directory exists and is writable");
  if (start) out << "phase,iteration,rank,host,transfers,bytes,duration_s,bandwidth_bytes_per_s,io_duration_s\n";
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankFigures& f = ranks[r];
    const std::uint64_t bytes = f.transfers * transfer_bytes;
    out << fmt::format("{},{},{},{},{},{},{:.9f},{:.3f},{:.9f}\n", phase, iteration, r, host(host_of_rank, r),
                       f.transfers, bytes, f.duration_s, rate_or_zero(static_cast<double>(bytes), f.duration_s),
                       f.io_duration_s);
  }
  out.flush();
  if (!out) throw IoError("write (-O saveRankPerformanceDetailsCSV)", path, errno, 0);
}

}  // namespace pfsbench::ior_like
