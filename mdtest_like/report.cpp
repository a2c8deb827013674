#include <map>
#include <ostream>

#include <fmt/format.h>

#include "mdtest_tool.hpp"
#include "pfsbench/report.hpp"

namespace pfsbench::mdtest_like {

namespace {

std::string display_name(const std::string& phase) {
  static const std::map<std::string, std::string> names = {
      {"dir_create", "Directory creation"}, {"dir_stat", "Directory stat"},  {"dir_remove", "Directory removal"},
      {"file_create", "File creation"},     {"file_stat", "File stat"},      {"file_read", "File read"},
      {"file_remove", "File removal"},      {"tree_create", "Tree creation"}, {"tree_remove", "Tree removal"}};
  const auto it = names.find(phase);
  return it == names.end() ? phase : it->second;
}

std::string us(double ns) { return fmt::format("{:.1f}", ns / 1000.0); }

}  // namespace

void print_report(const RunResult& r, std::ostream& out, bool with_time) {
  if (r.phases.empty()) {
    out << "mdtest_like: no phase finished\n";
    return;
  }
  int iterations = 0;
  for (const auto& p : r.phases) iterations = std::max(iterations, p.iteration + 1);
  out << fmt::format("\nSUMMARY rate, ops/s (of {} iteration{}; time = slowest rank between barriers):\n",
                     iterations, iterations == 1 ? "" : "s");
  Table rates({"Operation", "Max", "Min", "Mean", "Std Dev"});
  for (const auto& row : summarize_phases(r.phases)) {
    if (row.metric != "ops_per_s") continue;
    rates.add_row({display_name(row.phase), fmt::format("{:.3f}", row.stats.max), fmt::format("{:.3f}", row.stats.min),
                   fmt::format("{:.3f}", row.stats.mean), fixed_or_dash(row.stats.stddev, 3)});
  }
  rates.print(out);
  if (with_time) {
    out << fmt::format("\nSUMMARY time, s (of {} iteration{}; slowest rank between barriers):\n", iterations,
                       iterations == 1 ? "" : "s");
    Table times({"Operation", "Max", "Min", "Mean", "Std Dev"});
    for (const auto& row : summarize_phases(r.phases)) {
      if (row.metric != "duration_s") continue;
      times.add_row({display_name(row.phase), fmt::format("{:.6f}", row.stats.max),
                     fmt::format("{:.6f}", row.stats.min), fmt::format("{:.6f}", row.stats.mean),
                     fixed_or_dash(row.stats.stddev, 6)});
    }
    times.print(out);
  }

  out << "\nLatency per operation, us (all ranks merged; last iteration of each operation):\n";
  std::map<std::string, const Phase*> last;
  std::vector<std::string> order;
  for (const auto& p : r.phases) {
    if (!last.count(p.name)) order.push_back(p.name);
    last[p.name] = &p;
  }
  Table lat({"Operation", "Items", "p50", "p90", "p99", "p99.9", "Max"});
  for (const auto& name : order) {
    const Phase& p = *last[name];
    std::vector<std::string> row = {display_name(name), std::to_string(p.ops)};
    if (p.latency) {
      for (const auto& [pct, ns] : p.latency->percentiles) row.push_back(us(ns));
      row.push_back(us(p.latency->max_ns));
    } else {
      row.insert(row.end(), {"-", "-", "-", "-", "-"});
    }
    lat.add_row(row);
  }
  lat.print(out);
}

}  // namespace pfsbench::mdtest_like
