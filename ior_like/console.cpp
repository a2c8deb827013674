#include "console.hpp"

#include <optional>

#include <fmt/format.h>

#include "ior_output.hpp"
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
  // "check <phase>": no line of ours starts with "write" or "read" but IOR's
  // rows, so `awk '/^write/'` reads what it reads from IOR.
  if (check.passed)
    out << fmt::format("check {:<11} passed: {} verified in {:.3f} s\n", check.phase, format_bytes(check.bytes_checked),
                       check.duration_s);
  else
    out << fmt::format("check {:<11} FAILED: first wrong byte at offset {} of {} (rank {}): expected 0x{:02x}, "
                       "found 0x{:02x}; {} wrong bytes in that rank's data\n",
                       check.phase, check.first_mismatch->offset, check.first_mismatch->path,
                       check.first_mismatch->rank, check.first_mismatch->expected, check.first_mismatch->found,
                       check.first_mismatch->mismatched_bytes);
}

void print_header(std::ostream& out, const Config& cfg, const std::string& api, int ranks, int nodes) {
  out << fmt::format(
      "ior_like: api {}, {} {}, {} ranks on {} node{}, block {}, transfer {}, {} segment{}, {} iteration{}\n",
      api + (cfg.collective ? " (collective)" : ""), cfg.file_per_process ? "file per process" : "shared file",
      cfg.path, ranks, nodes, nodes == 1 ? "" : "s", format_bytes(cfg.block_bytes), format_bytes(cfg.transfer_bytes),
      cfg.segments, cfg.segments == 1 ? "" : "s", cfg.iterations, cfg.iterations == 1 ? "" : "s");
  out << ior_table_header() << std::flush;
}

void print_row(std::ostream& out, const Phase& p, const Config& cfg) { out << ior_table_row(p, cfg) << std::flush; }

void print_summary(const RunResult& result, const Config& cfg, std::ostream& out) {
  out << ior_max_lines(result) << ior_summary_block(result, cfg);
  if (cfg.pfsbench_tables) print_pfsbench_tables(result, out);
  out.flush();
}

void print_pfsbench_tables(const RunResult& result, std::ostream& out) {
  if (result.phases.empty()) return;
  // Labels are "phase=...": no row starts with IOR's "write"/"read".
  Table table({"phase", "iter", "bw(MiB/s)", "io_bw(MiB/s)", "ops/s", "lat_p50(ms)", "lat_p99(ms)", "lat_max(ms)",
               "rank_time_min(s)", "rank_time_max(s)"});
  for (const Phase& p : result.phases) {
    auto pct = [&](double want) -> std::optional<double> {
      if (!p.latency) return std::nullopt;
      for (const auto& [pp, ns] : p.latency->percentiles)
        if (pp == want) return ns / 1e6;
      return std::nullopt;
    };
    const nlohmann::json& io_bw = p.details.value("io_bandwidth_bytes_per_s", nlohmann::json());
    table.add_row({"phase=" + p.name, std::to_string(p.iteration),
                   fixed_or_dash(p.bandwidth_bytes_per_s ? std::optional<double>(*p.bandwidth_bytes_per_s / kMiB)
                                                         : std::nullopt),
                   fixed_or_dash(io_bw.is_number() ? std::optional<double>(io_bw.get<double>() / kMiB) : std::nullopt),
                   fixed_or_dash(p.ops_per_s, 1), fixed_or_dash(pct(50.0), 3), fixed_or_dash(pct(99.0), 3),
                   fixed_or_dash(p.latency ? std::optional<double>(p.latency->max_ns / 1e6) : std::nullopt, 3),
                   fmt::format("{:.4f}", p.rank_duration_s.min), fmt::format("{:.4f}", p.rank_duration_s.max)});
  }
  out << "\npfsbench per phase (bw over first open..last close; io_bw over first..last transfer; latency per "
         "transfer, all ranks merged):\n";
  table.print(out);
}

}  // namespace pfsbench::ior_like
