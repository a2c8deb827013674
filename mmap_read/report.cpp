// The human summary: one row per phase (a scaling table when --threads is a
// list). Formatting only; every number comes from the phases and their
// typed details.

#include <ostream>

#include <fmt/format.h>

#include "mmap_read_tool.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::mmap_read {
namespace {

std::string mib(std::optional<double> v) { return v ? fmt::format("{:.1f}", *v / kMiB) : std::string("-"); }

std::string pct(std::uint64_t part, std::uint64_t whole) {
  return whole > 0 ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole))
                   : std::string("-");
}

}  // namespace

void MmapReadTool::report(const RunContext& ctx, std::ostream& out) const {
  const RunResult& r = ctx.result;
  if (r.phases.empty()) return;
  Table t({"phase", "iter", "readers", "bytes", "time_s", "agg_MiB/s", "full_MiB/s", "reader_min", "reader_med",
           "reader_max", "minflt", "majflt", "cached_before", "cached_after"});
  for (std::size_t i = 0; i < r.phases.size() && i < details_.size(); ++i) {
    const Phase& p = r.phases[i];
    const MmapPhaseDetails& d = details_[i];
    const PageCacheDetails& pc = d.page_cache;
    t.add_row({p.name, std::to_string(p.iteration), std::to_string(d.readers), format_bytes(p.bytes),
               fmt::format("{:.3f}", p.duration_s), mib(p.bandwidth_bytes_per_s),
               mib(d.full_span_bandwidth_bytes_per_s), mib(d.reader_bandwidth_bytes_per_s.min),
               mib(d.reader_bandwidth_bytes_per_s.median), mib(d.reader_bandwidth_bytes_per_s.max),
               std::to_string(d.minor_faults), std::to_string(d.major_faults),
               pct(pc.before.min_bytes, d.file_bytes), pct(pc.after.min_bytes, d.file_bytes)});
  }
  out << fmt::format("mmap_read: {} ({}, {} cache, map {}, access {}{}, touch {})\n", cfg_.path,
                     format_bytes(file_bytes_), name_of(cfg_.cache), name_of(cfg_.map), name_of(cfg_.access),
                     cfg_.partition ? ", partitioned" : ", every reader reads the whole file", name_of(cfg_.touch));
  t.print(out);
  out << "agg = bytes of all readers / (latest end of reading - earliest start over ranks); full = the same up to "
         "the latest end of the final munmap and close; reader_* = per-reader MiB/s\n";
}

}  // namespace pfsbench::mmap_read
