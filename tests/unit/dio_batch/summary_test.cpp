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
  r.phases.push_back(p);
  DioPhaseDetails d;
  d.ranks = 1;
  d.complete = true;
  d.io_duration_s = 0.4;
  d.cpu.usr_percent = 1.5;
  d.cpu.sys_percent = 20.0;
  d.cpu.per_io_ns = 3500.0;
  d.device = DeviceUse{"vda", {"vda"}, 1, 0, {900, 31868, 900 * 1258291ull}, {}};
  std::ostringstream out;
  print_summary(out, cfg, r, std::span<const DioPhaseDetails>(&d, 1));
  const std::string s = out.str();
  EXPECT_NE(s.find("rw=write, bs=32k, ioengine=libaio, iodepth=128"), std::string::npos) << s;
  EXPECT_NE(s.find("write: IOPS=65.5k, BW=2048MiB/s (2147MB/s)(1024MiB/500msec)"), std::string::npos) << s;
  EXPECT_NE(s.find("usr=1.50%, sys=20.00%, per I/O=3.50usec"), std::string::npos) << s;
  EXPECT_NE(s.find("disk (vda): requests=900, merges=31868, avg request=1.20 MiB"), std::string::npos) << s;
  EXPECT_NE(s.find("ranks=1: duration min=0.000s median=0.000s max=0.000s; I/O-only span 0.400s"), std::string::npos)
      << s;
  EXPECT_EQ(s.find("[interrupted: partial]"), std::string::npos) << s;
}

TEST(Summary, InterruptedPhaseIsMarkedAndSlatPrinted) {
  Config cfg;
  RunResult r;
  Phase p;
  p.name = "write";
  p.bytes = 1 << 20;
  p.duration_s = 1.0;
  r.phases.push_back(p);
  DioPhaseDetails d;
  d.complete = false;
  d.submission_latency = LatencySummary{10, 1000, 2000, 30000, {{50.0, 1500}}};
  std::ostringstream out;
  print_summary(out, cfg, r, std::span<const DioPhaseDetails>(&d, 1));
  const std::string s = out.str();
  EXPECT_NE(s.find("(1MiB/1000msec) [interrupted: partial]"), std::string::npos) << s;
  EXPECT_NE(s.find("slat (usec): min=1, max=30, avg=2.00"), std::string::npos) << s;
  EXPECT_EQ(s.find("disk ("), std::string::npos) << s;
}

}  // namespace
}  // namespace pfsbench::dio_batch
