#include "rank_report.hpp"

#include <cerrno>
#include <fstream>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/stats.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {

namespace {

// A rank that moved nothing in no time reads 0 B/s in a table and a CSV.
double rate_or_zero(double amount, double seconds) { return rate(amount, seconds).value_or(0.0); }

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

void append_rank_csv(const std::string& path, const std::string& access, const std::vector<RankFigures>& ranks,
                     std::uint64_t transfer_bytes) {
  std::ofstream out(path, std::ios::app);
  if (!out)
    throw IoError("open (-O saveRankPerformanceDetailsCSV)", path, errno, 0, -1, -1,
                  "check that the directory exists and is writable");
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const RankFigures& f = ranks[r];
    const auto bytes = static_cast<double>(f.transfers * transfer_bytes);
    out << fmt::format("{},{},{:.10e},{:.10e},{:.10e},{:.10e}\n", access, r, f.duration_s, f.io_duration_s,
                       rate_or_zero(bytes, f.duration_s), rate_or_zero(bytes, f.io_duration_s));
  }
  out.flush();
  if (!out) throw IoError("write (-O saveRankPerformanceDetailsCSV)", path, errno, 0);
}

}  // namespace pfsbench::ior_like
