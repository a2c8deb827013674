#include "console.hpp"

#include <optional>

#include <fmt/format.h>

#include "pfsbench/report.hpp"
#include "pfsbench/stats.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {

void print_phase_detail(std::ostream& out, const Phase& p, double deadline_s) {
  const nlohmann::json& d = p.details;
  auto seconds_or = [](const nlohmann::json& v, const char* absent) {
    return v.is_null() ? std::string(absent) : fmt::format("{:.4f} s", v.get<double>());
  };
  std::string text = fmt::format(
      "ior_like: {} iteration {}: {} ranks, open {:.4f} s, transfers {:.4f} s, fsync {}, close {:.4f} s, "
      "open..close {:.4f} s; transfers per rank {}..{}\n",
      p.name, p.iteration, d["ranks"].get<int>(), d["open_duration_s"].get<double>(), d["io_duration_s"].get<double>(),
      seconds_or(d["fsync_duration_s"], "-"), d["close_duration_s"].get<double>(), p.duration_s,
      d["transfers_per_rank"]["min"].get<std::uint64_t>(), d["transfers_per_rank"]["max"].get<std::uint64_t>());
  if (const nlohmann::json& sw = d["stonewall"]; !sw.is_null()) {
    const nlohmann::json& at = sw["transfers_at_stonewall"];
    const nlohmann::json& bw = sw["stonewall_bandwidth_bytes_per_s"];
    text += fmt::format(
        "ior_like: {} stonewall: deadline {} s {}; transfers per rank at it {}..{}; {} in {:.4f} s = {} aggregate; "
        "wear-out {}\n",
        p.name, deadline_s, sw["deadline_hit"].get<bool>() ? "hit" : "not reached", at["min"].get<std::uint64_t>(),
        at["max"].get<std::uint64_t>(), format_bytes(sw["bytes_at_stonewall"].get<std::uint64_t>()),
        sw["stonewall_duration_s"].get<double>(),
        bw.is_null() ? std::string("-") : fmt::format("{:.2f} MiB/s", bw.get<double>() / kMiB),
        seconds_or(sw["wear_out_duration_s"], "off"));
  }
  out << text << std::flush;
}

void print_hints(std::ostream& out, const nlohmann::json& facts) {
  out << fmt::format("MPI-IO hints in effect after open ({} component {}):\n", facts.value("io_component_source", ""),
                          facts["io_component"].is_string() ? facts["io_component"].get<std::string>() : "unknown");
  if (facts["hints_in_effect"].empty()) out << "  (the library reports none)\n";
  for (const auto& [k, v] : facts["hints_in_effect"].items())
    out << fmt::format("  {} = {}\n", k, v.get<std::string>());
  out.flush();
}

void print_check(std::ostream& out, const VerificationCheck& check) {
  if (check.passed)
    out << fmt::format("{:<11} passed: {} verified in {:.3f} s\n", check.phase, format_bytes(check.bytes_checked),
                            check.duration_s);
  else
    out << fmt::format("{:<11} FAILED: first wrong byte at offset {} of {} (rank {}): expected 0x{:02x}, "
                            "found 0x{:02x}; {} wrong bytes in that rank's data\n",
                            check.phase, check.first_mismatch->offset, check.first_mismatch->path,
                            check.first_mismatch->rank, check.first_mismatch->expected,
                            check.first_mismatch->found, check.first_mismatch->mismatched_bytes);
}

void print_header(std::ostream& out, const Config& cfg, const std::string& api, int ranks, int nodes) {
  out << fmt::format(
      "ior_like: api {}, {} {}, {} ranks on {} node{}, block {}, transfer {}, {} segment{}, {} iteration{}\n",
      api + (cfg.collective ? " (collective)" : ""), cfg.file_per_process ? "file per process" : "shared file",
      cfg.path, ranks, nodes,
      nodes == 1 ? "" : "s", format_bytes(cfg.block_bytes), format_bytes(cfg.transfer_bytes), cfg.segments,
      cfg.segments == 1 ? "" : "s", cfg.iterations, cfg.iterations == 1 ? "" : "s");
  out << fmt::format("{:<6} {:>11} {:>10} {:>11} {:>11} {:>11} {:>10} {:>9} {:>9} {:>9} {:>9} {:>4}\n",
                          "access", "bw(MiB/s)", "IOPS", "lat_p50(ms)", "lat_p99(ms)", "block(KiB)", "xfer(KiB)",
                          "open(s)", "wr/rd(s)", "close(s)", "total(s)", "iter");
  out.flush();
}

void print_row(std::ostream& out, const Phase& p, const Config& cfg) {
  auto pct = [&](double want) {
    for (const auto& [pp, ns] : p.latency->percentiles)
      if (pp == want) return ns / 1e6;
    return 0.0;
  };
  out << fmt::format(
      "{:<6} {:>11} {:>10} {:>11.3f} {:>11.3f} {:>11.0f} {:>10.0f} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f} {:>4}\n",
      p.name, fixed_or_dash(p.bandwidth_bytes_per_s ? std::optional<double>(*p.bandwidth_bytes_per_s / kMiB)
                                                    : std::nullopt),
      fixed_or_dash(p.ops_per_s, 1), pct(50.0), pct(99.0), static_cast<double>(cfg.block_bytes) / 1024.0,
      static_cast<double>(cfg.transfer_bytes) / 1024.0, p.details["open_duration_s"].get<double>(),
      p.details["io_duration_s"].get<double>(), p.details["close_duration_s"].get<double>(), p.duration_s,
      p.iteration);
  out.flush();
}

void print_summary(const RunResult& result, std::ostream& out) {
  const auto rows = summarize_phases(result.phases);
  if (rows.empty()) return;
  Table table({"operation", "max(MiB/s)", "min(MiB/s)", "mean(MiB/s)", "stddev", "max(OPs)", "min(OPs)",
               "mean(OPs)", "stddev", "mean(s)", "iterations"});
  for (const auto& bw : rows) {
    if (bw.metric != "bandwidth_bytes_per_s") continue;
    const SummaryRow* ops = nullptr;
    const SummaryRow* dur = nullptr;
    for (const auto& r : rows) {
      if (r.phase != bw.phase) continue;
      if (r.metric == "ops_per_s") ops = &r;
      if (r.metric == "duration_s") dur = &r;
    }
    auto mib = [](double v) { return fmt::format("{:.2f}", v / kMiB); };
    auto sd = [](const std::optional<double>& v, double scale) {
      return v ? fmt::format("{:.2f}", *v / scale) : std::string("-");
    };
    table.add_row({bw.phase, mib(bw.stats.max), mib(bw.stats.min), mib(bw.stats.mean), sd(bw.stats.stddev, kMiB),
                   ops ? fmt::format("{:.2f}", ops->stats.max) : "-", ops ? fmt::format("{:.2f}", ops->stats.min) : "-",
                   ops ? fmt::format("{:.2f}", ops->stats.mean) : "-", ops ? sd(ops->stats.stddev, 1.0) : "-",
                   dur ? fmt::format("{:.4f}", dur->stats.mean) : "-", fmt::format("{}", bw.stats.count)});
  }
  out << "\nSummary over iterations (bandwidth and OPs share one denominator: first open to last close):\n";
  table.print(out);
}

}  // namespace pfsbench::ior_like
