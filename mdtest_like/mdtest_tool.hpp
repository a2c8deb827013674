#pragma once
// mdtest_like as a pfsbench Tool: mdtest's metadata phases on one shared
// directory (or a tree, or a tree per rank), with rates, latencies and the
// file-create time series in the result document.

#include <iosfwd>
#include <string>
#include <vector>

#include "config.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench::mdtest_like {

class MdtestTool : public Tool {
 public:
  std::string name() const override { return "mdtest_like"; }
  std::string description() const override;
  void add_options(CLI::App& app) override { mdtest_like::add_options(app, cfg_); }
  void validate() override;
  nlohmann::json config_json() const override { return mdtest_like::config_json(cfg_); }
  std::string target_path() const override { return cfg_.dir; }
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;

  const Config& config() const { return cfg_; }
  Config& config() { return cfg_; }

 private:
  Config cfg_;
};

/// How many ranks r work on the items of a rank on their own node under -N
/// `stride` (rank r takes the items of rank (r + stride) mod ranks). Pure.
int own_node_item_ranks(const std::vector<int>& node_of_rank, int stride);

/// mdtest's summary (rank 0), in mdtest's layout and operation names so that
/// mdtest parsers read it: "SUMMARY rate" (Max Min Mean "Std Dev" of ops/s
/// over iterations), with `with_time` (-P) also "SUMMARY time" (each
/// phase's seconds); with `pfsbench_tables` then our latency percentiles.
/// Pure formatting of `r`.
void print_report(const RunResult& r, std::ostream& out, bool with_time = false, bool pfsbench_tables = false);

}  // namespace pfsbench::mdtest_like
