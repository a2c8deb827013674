// Guards the human output: fio's short counts and latency units, and the
// summary line shape users compare with fio's.
#include "summary.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace pfsbench::dio_batch {
namespace {

TEST(Summary, ShortCount) {
  EXPECT_EQ(short_count(912), "912");
  EXPECT_EQ(short_count(9999), "9999");
  EXPECT_EQ(short_count(85300), "85.3k");
  EXPECT_EQ(short_count(1.2e6), "1.20M");
}

TEST(Summary, LatencyUnit) {
  EXPECT_STREQ(latency_unit(9000).name, "nsec");
  EXPECT_STREQ(latency_unit(20000).name, "usec");
  EXPECT_STREQ(latency_unit(2e7).name, "msec");
}

TEST(Summary, PhaseLine) {
  Config cfg;
  RunResult r;
  Phase p;
  p.name = "write";
  p.bytes = 1ull << 30;
  p.ops = 32768;
  p.duration_s = 0.5;
  p.bandwidth_bytes_per_s = 2.0 * (1ull << 30);
  p.ops_per_s = 65536;
  p.details = {{"ranks", 1}, {"complete", true}, {"io_duration_s", 0.4},
               {"cpu", {{"usr_percent", 1.5}, {"sys_percent", 20.0}, {"per_io_ns", 3500.0}}},
               {"device", {{"name", "vda"}, {"write", {{"requests", 900}, {"merges", 31868}, {"avg_request_bytes", 1258291.2}}}}}};
  r.phases.push_back(p);
  std::ostringstream out;
  print_summary(out, cfg, r);
  const std::string s = out.str();
  EXPECT_NE(s.find("rw=write, bs=32k, ioengine=libaio, iodepth=128"), std::string::npos) << s;
  EXPECT_NE(s.find("write: IOPS=65.5k, BW=2048MiB/s (2147MB/s)(1024MiB/500msec)"), std::string::npos) << s;
  EXPECT_NE(s.find("usr=1.50%, sys=20.00%, per I/O=3.50usec"), std::string::npos) << s;
  EXPECT_NE(s.find("disk (vda): requests=900, merges=31868, avg request=1.20 MiB"), std::string::npos) << s;
}

}  // namespace
}  // namespace pfsbench::dio_batch
