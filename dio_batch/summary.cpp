#include "summary.hpp"

#include <fmt/format.h>

#include "pfsbench/units.hpp"

namespace pfsbench::dio_batch {

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

}  // namespace

void print_summary(std::ostream& out, const Config& cfg, const RunResult& r, std::span<const DioPhaseDetails> details) {
  out << fmt::format("dio_batch: (g=0): rw={}, bs={}, ioengine={}, iodepth={}, mode={}, direct={}{}{}\n",
                     rw_name(cfg.rw), format_size_short(cfg.bs_bytes), cfg.engine, cfg.iodepth,
                     is_write(cfg.rw) ? mode_name(cfg.mode) : "existing", cfg.direct ? 1 : 0,
                     cfg.sync == Sync::kSync ? ", sync=1" : cfg.sync == Sync::kDsync ? ", sync=dsync" : "", cfg.shared ? ", shared file" : "");
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    const Phase& ph = r.phases[i];
    const DioPhaseDetails* d = i < details.size() ? &details[i] : nullptr;
    const double bw = ph.bandwidth_bytes_per_s.value_or(0);
    const double iops = ph.ops_per_s.value_or(0);
    out << fmt::format("  {}: IOPS={}, BW={:.0f}MiB/s ({:.0f}MB/s)({:.0f}MiB/{:.0f}msec){}\n", ph.name,
                       short_count(iops), bw / kMiB, bw / 1e6, static_cast<double>(ph.bytes) / kMiB,
                       ph.duration_s * 1e3, d == nullptr || d->complete ? "" : " [interrupted: partial]");
    if (d == nullptr) continue;
    if (d->submission_latency) print_latency(out, "slat", *d->submission_latency);
    if (ph.latency) print_latency(out, "clat", *ph.latency);
    out << fmt::format("    ranks={}: duration min={:.3f}s median={:.3f}s max={:.3f}s; I/O-only span {:.3f}s\n",
                       d->ranks, ph.rank_duration_s.min, ph.rank_duration_s.median, ph.rank_duration_s.max,
                       d->io_duration_s);
    out << fmt::format("    cpu          : usr={:.2f}%, sys={:.2f}%, per I/O={:.2f}usec\n",
                       d->cpu.usr_percent.value_or(0), d->cpu.sys_percent.value_or(0),
                       d->cpu.per_io_ns.value_or(0) / 1e3);
    if (d->device) {
      const DiskDelta& dir = is_write(cfg.rw) ? d->device->write : d->device->read;
      const auto avg = dir.avg_request_bytes();
      out << fmt::format("    disk ({}): requests={}, merges={}, avg request={}\n", d->device->name, dir.requests,
                         dir.merges, avg ? format_bytes(static_cast<std::uint64_t>(*avg)) : std::string("-"));
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
