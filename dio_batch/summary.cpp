#include "summary.hpp"

#include <fmt/format.h>

#include "pfsbench/units.hpp"

namespace pfsbench::dio_batch {

using nlohmann::json;

std::string short_count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

LatencyUnit latency_unit(double max_ns) noexcept {
  if (max_ns >= 1e7) return {"msec", 1e6};
  if (max_ns >= 1e4) return {"usec", 1e3};
  return {"nsec", 1.0};
}

namespace {

void print_latency(std::ostream& out, const char* what, const LatencySummary& s) {
  const LatencyUnit u = latency_unit(s.max_ns);
  out << fmt::format("    {} ({}): min={:.0f}, max={:.0f}, avg={:.2f}\n", what, u.name, s.min_ns / u.divisor,
                     s.max_ns / u.divisor, s.mean_ns / u.divisor);
  std::string pct;
  for (const auto& [p, ns] : s.percentiles)
    pct += fmt::format("{}{:.2f}th=[{:.0f}]", pct.empty() ? "" : ", ", p, ns / u.divisor);
  out << fmt::format("     {} percentiles ({}): {}\n", what, u.name, pct);
}

double num(const json& j, const char* key, double dflt = 0) {
  if (!j.is_object() || !j.contains(key) || !j.at(key).is_number()) return dflt;
  return j.at(key).get<double>();
}

}  // namespace

void print_summary(std::ostream& out, const Config& cfg, const RunResult& r) {
  out << fmt::format("dio_batch: (g=0): rw={}, bs={}, ioengine={}, iodepth={}, mode={}, direct={}{}{}\n",
                     rw_name(cfg.rw), format_size_short(cfg.bs_bytes), cfg.engine, cfg.iodepth,
                     is_write(cfg.rw) ? mode_name(cfg.mode) : "existing", cfg.direct ? 1 : 0,
                     cfg.sync ? ", sync=1" : "", cfg.shared ? ", shared file" : "");
  for (const auto& ph : r.phases) {
    const json& d = ph.details;
    const double bw = ph.bandwidth_bytes_per_s.value_or(0);
    const double iops = ph.ops_per_s.value_or(0);
    out << fmt::format("  {}: IOPS={}, BW={:.0f}MiB/s ({:.0f}MB/s)({:.0f}MiB/{:.0f}msec){}\n", ph.name,
                       short_count(iops), bw / kMiB, bw / 1e6, static_cast<double>(ph.bytes) / kMiB,
                       ph.duration_s * 1e3, d.value("complete", true) ? "" : " [interrupted: partial]");
    if (d.contains("submission_latency") && !d.at("submission_latency").is_null()) {
      LatencySummary s;
      const json& j = d.at("submission_latency");
      s.min_ns = num(j, "min_ns");
      s.max_ns = num(j, "max_ns");
      s.mean_ns = num(j, "mean_ns");
      for (const auto& p : j.at("percentiles")) s.percentiles.emplace_back(num(p, "p"), num(p, "latency_ns"));
      print_latency(out, "slat", s);
    }
    if (ph.latency) print_latency(out, "clat", *ph.latency);
    out << fmt::format("    ranks={}: duration min={:.3f}s median={:.3f}s max={:.3f}s; I/O-only span {:.3f}s\n",
                       d.value("ranks", 1), ph.rank_duration_s.min, ph.rank_duration_s.median,
                       ph.rank_duration_s.max, num(d, "io_duration_s"));
    if (d.contains("cpu")) {
      const json& c = d.at("cpu");
      out << fmt::format("    cpu          : usr={:.2f}%, sys={:.2f}%, per I/O={:.2f}usec\n", num(c, "usr_percent"),
                         num(c, "sys_percent"), num(c, "per_io_ns") / 1e3);
    }
    if (d.contains("device") && d.at("device").is_object()) {
      const json& dev = d.at("device");
      const json& dir = dev.at(ph.name.find("write") != std::string::npos ? "write" : "read");
      out << fmt::format("    disk ({}): requests={}, merges={}, avg request={}\n", dev.value("name", "?"),
                         dir.value("requests", 0ull), dir.value("merges", 0ull),
                         dir.at("avg_request_bytes").is_null()
                             ? std::string("-")
                             : format_bytes(static_cast<std::uint64_t>(num(dir, "avg_request_bytes"))));
    }
  }
  for (const auto& c : r.verification.checks) {
    out << fmt::format("  verify {}: {} checked in {:.3f}s: {}", c.phase, format_bytes(c.bytes_checked),
                       c.duration_s, c.passed ? "passed" : "FAILED");
    if (c.first_mismatch)
      out << fmt::format(" (rank {}, '{}', first wrong byte at offset {})", c.first_mismatch->rank,
                         c.first_mismatch->path, c.first_mismatch->offset);
    out << "\n";
  }
}

}  // namespace pfsbench::dio_batch
