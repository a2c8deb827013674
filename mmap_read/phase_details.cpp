#include "phase_details.hpp"

#include <fmt/format.h>

#include "pfsbench/json_values.hpp"

namespace pfsbench::mmap_read {

using nlohmann::json;

namespace {

json residency_json(const Residency& r, std::uint64_t file_bytes) {
  const double f = static_cast<double>(file_bytes);
  return {{"resident_bytes", r.min_bytes},
          {"resident_fraction", f > 0 ? static_cast<double>(r.min_bytes) / f : 0.0},
          {"max_resident_fraction", f > 0 ? static_cast<double>(r.max_bytes) / f : 0.0}};
}

const char* drop_name(DropState s) {
  switch (s) {
    case DropState::kDropped: return "dropped";
    case DropState::kNotPermitted: return "not_permitted";
    case DropState::kNotAsked: break;
  }
  return "not_asked";
}

json checksum_json(const std::optional<ChecksumDetails>& c) {
  if (!c) return nullptr;
  return {{"algorithm", "sum64"},
          {"file_sum64", c->file_sum64 ? json(fmt::format("0x{:016x}", *c->file_sum64)) : json(nullptr)},
          {"readers_agree", c->readers_agree},
          {"verified_against_pattern", c->verified_against_pattern},
          {"mismatched_units", c->mismatched_units}};
}

json nodes_json(const std::vector<NodeFigures>& nodes, std::uint64_t file_bytes) {
  const double f = static_cast<double>(file_bytes);
  json out = json::array();
  for (const auto& n : nodes)
    out.push_back({{"host", n.host},
                   {"readers", n.readers},
                   {"resident_fraction_before", f > 0 ? static_cast<double>(n.resident_before_bytes) / f : 0.0},
                   {"resident_fraction_after", f > 0 ? static_cast<double>(n.resident_after_bytes) / f : 0.0}});
  return out;
}

}  // namespace

json to_json(const MmapPhaseDetails& d) {
  const bool is_mmap = d.api == Api::kMmap;
  const PageCacheDetails& pc = d.page_cache;
  return {{"api", name_of(d.api)},
          {"ranks", d.ranks},
          {"threads_per_rank", d.threads_per_rank},
          {"readers", d.readers},
          {"map", is_mmap ? json(name_of(d.map)) : json(nullptr)},
          {"access", name_of(d.access)},
          {"partition", d.partition},
          {"madvise", is_mmap ? json(name_of(d.advice)) : json(nullptr)},
          {"populate", is_mmap && d.populate},
          {"touch", name_of(d.touch)},
          {"file_bytes", d.file_bytes},
          {"unit_bytes", d.unit_bytes},
          {"map_calls", d.map_calls},
          {"reader_bandwidth_bytes_per_s", distribution_json(d.reader_bandwidth_bytes_per_s)},
          {"reader_duration_s", distribution_json(d.reader_duration_s)},
          {"full_span",
           {{"duration_s", finite_or_null(d.full_span_s)},
            {"bandwidth_bytes_per_s", number_or_null(d.full_span_bandwidth_bytes_per_s)}}},
          {"reader_teardown_s", distribution_json(d.reader_teardown_s)},
          {"faults", {{"minor", d.minor_faults}, {"major", d.major_faults}}},
          {"time_per_fault_ns", number_or_null(d.time_per_fault_ns)},
          {"page_cache",
           {{"cache", name_of(pc.cache)},
            {"warm_read_s", number_or_null(pc.warm_read_s)},
            {"fadvise_dontneed", pc.fadvise_dontneed},
            {"drop_caches", drop_name(pc.drop_caches)},
            {"before", residency_json(pc.before, d.file_bytes)},
            {"after", residency_json(pc.after, d.file_bytes)}}},
          {"checksum", checksum_json(d.checksum)},
          {"nodes", nodes_json(d.nodes, d.file_bytes)}};
}

}  // namespace pfsbench::mmap_read
