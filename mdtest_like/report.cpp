#include <map>
#include <ostream>

#include <fmt/format.h>

#include "mdtest_tool.hpp"
#include "pfsbench/report.hpp"

namespace pfsbench::mdtest_like {

namespace {

// mdtest's operation names, in the order its summary lists them
// (hpc/ior src/mdtest.c); tree rows have a wider name column there.
struct OpName {
  const char* phase;
  const char* mdtest;
  bool tree;
};
constexpr OpName kOps[] = {
    {"dir_create", "Directory creation", false}, {"dir_stat", "Directory stat", false},
    {"dir_rename", "Directory rename", false},   {"dir_remove", "Directory removal", false},
    {"file_create", "File creation", false},     {"file_stat", "File stat", false},
    {"file_read", "File read", false},           {"file_remove", "File removal", false},
    {"tree_create", "Tree creation", true},      {"tree_remove", "Tree removal", true},
};

std::string us(double ns) { return fmt::format("{:.1f}", ns / 1000.0); }

// One SUMMARY block in mdtest's layout: Max Min Mean "Std Dev" of `metric`
// over iterations, from the same statistics as the document's summary
// (Std Dev the sample one, n-1, as mdtest computes it; 0 for one iteration).
void print_block(const RunResult& r, std::ostream& out, const char* metric, const std::string& title) {
  const auto rows = summarize_phases(r.phases);
  out << title << "\n";
  out << fmt::format("   {:<29}{:>4}{:>15}{:>15}{:>15}\n", "Operation", "Max", "Min", "Mean", "Std Dev");
  out << fmt::format("   {:<29}{:>4}{:>15}{:>15}{:>15}\n", "---------", "---", "---", "----", "-------");
  for (const OpName& op : kOps)
    for (const SummaryRow& row : rows) {
      if (row.phase != op.phase || row.metric != metric) continue;
      // Either way the first figure starts at column 27, as in mdtest.
      out << (op.tree ? fmt::format("   {:<22} ", op.mdtest) : fmt::format("   {:<18}     ", op.mdtest));
      out << fmt::format("{:14.3f} {:14.3f} {:14.3f} {:14.3f}\n", row.stats.max, row.stats.min, row.stats.mean,
                         row.stats.stddev.value_or(0.0));
    }
}

}  // namespace

void print_report(const RunResult& r, std::ostream& out, bool with_time, bool pfsbench_tables) {
  if (r.phases.empty()) {
    out << "mdtest_like: no phase finished\n";
    return;
  }
  int iterations = 0;
  for (const auto& p : r.phases) iterations = std::max(iterations, p.iteration + 1);
  print_block(r, out, "ops_per_s", fmt::format("\nSUMMARY rate (in ops/sec): (of {} iterations)", iterations));
  // mdtest's heading says ms/op, but its figures are each phase's seconds;
  // ours are the same seconds and the heading says so.
  if (with_time) print_block(r, out, "duration_s", fmt::format("\nSUMMARY time (in s): (of {} iterations)", iterations));
  if (!pfsbench_tables) return;

  // pfsbench's own table: our phase ids, so that `grep 'File creation'`
  // finds only mdtest's rows.
  out << "\npfsbench latency per operation, us (all ranks merged; last iteration of each phase):\n";
  std::map<std::string, const Phase*> last;
  std::vector<std::string> order;
  for (const auto& p : r.phases) {
    if (!last.count(p.name)) order.push_back(p.name);
    last[p.name] = &p;
  }
  Table lat({"phase", "items", "p50", "p90", "p99", "p99.9", "max"});
  for (const auto& name : order) {
    const Phase& p = *last[name];
    std::vector<std::string> row = {name, std::to_string(p.ops)};
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
