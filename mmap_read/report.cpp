// The human summary: one row per phase (a scaling table when --threads is a
// list). Formatting only; every number comes from the document's phases.

#include <ostream>

#include <fmt/format.h>

#include "mmap_read_tool.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::mmap_read {
namespace {

std::string mib(const nlohmann::json& v) {
  return v.is_number() ? fmt::format("{:.1f}", v.get<double>() / kMiB) : std::string("-");
}

std::string pct(const nlohmann::json& v) {
  return v.is_number() ? fmt::format("{:.0f}%", 100.0 * v.get<double>()) : std::string("-");
}

}  // namespace

void MmapReadTool::report(const RunContext& ctx, std::ostream& out) const {
  const RunResult& r = ctx.result;
  if (r.phases.empty()) return;
  Table t({"phase", "iter", "readers", "bytes", "time_s", "agg_MiB/s", "full_MiB/s", "reader_min", "reader_med",
           "reader_max", "minflt", "majflt", "cached_before", "cached_after"});
  for (const Phase& p : r.phases) {
    const nlohmann::json& d = p.details;
    const nlohmann::json& bw = d.value("reader_bandwidth_bytes_per_s", nlohmann::json::object());
    const nlohmann::json& pc = d.value("page_cache", nlohmann::json::object());
    const nlohmann::json& full = d.value("full_span", nlohmann::json::object());
    t.add_row({p.name, std::to_string(p.iteration), std::to_string(d.value("readers", 0)), format_bytes(p.bytes),
               fmt::format("{:.3f}", p.duration_s),
               p.bandwidth_bytes_per_s ? fmt::format("{:.1f}", *p.bandwidth_bytes_per_s / kMiB) : "-",
               mib(full.value("bandwidth_bytes_per_s", nlohmann::json())),
               mib(bw.value("min", nlohmann::json())), mib(bw.value("median", nlohmann::json())),
               mib(bw.value("max", nlohmann::json())),
               std::to_string(d.value("faults", nlohmann::json::object()).value("minor", 0ull)),
               std::to_string(d.value("faults", nlohmann::json::object()).value("major", 0ull)),
               pct(pc.value("before", nlohmann::json::object()).value("resident_fraction", nlohmann::json())),
               pct(pc.value("after", nlohmann::json::object()).value("resident_fraction", nlohmann::json()))});
  }
  out << fmt::format("mmap_read: {} ({}, {} cache, map {}, access {}{}, touch {})\n", cfg_.path,
                     format_bytes(file_bytes_), name_of(cfg_.cache), name_of(cfg_.map), name_of(cfg_.access),
                     cfg_.partition ? ", partitioned" : ", every reader reads the whole file", name_of(cfg_.touch));
  t.print(out);
  out << "agg = bytes of all readers / (latest end of reading - earliest start over ranks); full = the same up to "
         "the latest end of the final munmap and close; reader_* = per-reader MiB/s\n";
}

}  // namespace pfsbench::mmap_read
