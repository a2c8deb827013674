// IOR's output formats rendered from a hand-made result (ior_output.hpp):
// exact strings and numbers, so a change of layout or of a definition shows.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ior_output.hpp"

namespace pfsbench::ior_like {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Phase io_phase(const char* name, int iteration, double bw_mib, double seconds) {
  Phase p;
  p.name = name;
  p.iteration = iteration;
  p.bytes = 2u << 20;
  p.ops = 8;
  p.duration_s = seconds;
  p.bandwidth_bytes_per_s = bw_mib * 1024 * 1024;
  p.ops_per_s = bw_mib * 4;  // 256 KiB transfers
  p.latency = LatencySummary{8, 1000, 250000, 4000, {}};
  p.details = {{"ranks", 2},           {"io_ops_per_s", 1234.5}, {"open_duration_s", 0.001},
               {"io_duration_s", 0.5}, {"close_duration_s", 0.002}, {"stonewall", nullptr}};
  return p;
}

RunResult result_of(std::vector<Phase> phases) {
  RunResult r;
  r.environment = {{"ranks", 2}, {"nodes", 1}, {"ranks_per_node", 2}, {"hosts", {"h0"}}};
  r.phases = std::move(phases);
  return r;
}

TEST(IorOutput, PopulationStddevDividesByN) {
  EXPECT_DOUBLE_EQ(population_stddev({2, 4, 4, 4, 5, 5, 7, 9}), 2.0);
  EXPECT_DOUBLE_EQ(population_stddev({3.5}), 0.0);
  EXPECT_DOUBLE_EQ(population_stddev({1, 3}), 1.0);  // the sample SD would be sqrt(2)
}

TEST(IorOutput, RowHasIorsCellsAndTotalIsColumnTen) {
  Config cfg;  // -b 1m -t 256k
  const std::string row = ior_table_row(io_phase("write", 3, 100.0, 4000.0), cfg);
  // IOR's cells: 10 wide, left-justified, 6 decimals below 1, 2 below 3600, 0 above.
  EXPECT_EQ(row,
            "write     100.00     1234.50    0.000250    1024.00    256.00     0.001000   0.500000   0.002000   "
            "4000       3   \n");
  EXPECT_EQ(words(row)[9], "4000");
  EXPECT_EQ(words(ior_table_header()), (std::vector<std::string>{"access", "bw(MiB/s)", "IOPS", "Latency(s)",
                                                                  "block(KiB)", "xfer(KiB)", "open(s)", "wr/rd(s)",
                                                                  "close(s)", "total(s)", "iter", "------",
                                                                  "---------", "----", "----------", "----------",
                                                                  "---------", "--------", "--------", "--------",
                                                                  "--------", "----"}));
}

TEST(IorOutput, MaxLinesAndSummaryUseTheBestAndThePopulationSd) {
  Config cfg;
  cfg.iterations = 2;
  const RunResult r = result_of({io_phase("write", 0, 100.0, 0.5), io_phase("read", 0, 300.0, 0.25),
                                 io_phase("write", 1, 200.0, 1.5), io_phase("read", 1, 300.0, 0.75)});
  EXPECT_EQ(ior_max_lines(r),
            "Max Write: 200.00 MiB/sec (209.72 MB/sec)\nMax Read:  300.00 MiB/sec (314.57 MB/sec)\n");
  std::istringstream block(ior_summary_block(r, cfg));
  std::string blank, title, header, write, read;
  std::getline(block, blank);
  std::getline(block, title);
  std::getline(block, header);
  std::getline(block, write);
  std::getline(block, read);
  EXPECT_EQ(title, "Summary of all tests:");
  EXPECT_EQ(words(header).size(), 27u);
  EXPECT_EQ(words(write),
            (std::vector<std::string>{"write", "200.00", "100.00", "150.00", "50.00", "800.00", "400.00", "600.00",
                                      "200.00", "1.00000", "NA", "NA", "0", "2", "2", "2", "0", "0", "1", "0", "0", "1",
                                      "1048576", "262144", "2.0", "POSIX", "0"}));
  EXPECT_EQ(words(read)[4], "0.00");
  const auto j = ior_json(r, cfg);
  EXPECT_DOUBLE_EQ(j["summary"][0]["bwStdMIB"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(j["tests"][0]["max"]["writeMiB"].get<double>(), 200.0);
  EXPECT_EQ(j["tests"][0]["Results"].size(), 4u);
}

TEST(IorOutput, AbsentBandwidthIsADashNotAZero) {
  Config cfg;
  Phase p = io_phase("read", 0, 1.0, 0.0);
  p.bandwidth_bytes_per_s.reset();
  EXPECT_EQ(words(ior_table_row(p, cfg))[1], "-");
  EXPECT_EQ(ior_max_lines(result_of({p})), "");
}

}  // namespace
}  // namespace pfsbench::ior_like
