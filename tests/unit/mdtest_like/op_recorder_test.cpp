// The recorder: one latency per done(), series buckets from the phase start.
#include "op_recorder.hpp"

#include <gtest/gtest.h>

namespace pfsbench::mdtest_like {
namespace {

TEST(OpRecorder, LatenciesChainFromStart) {
  OpRecorder r;
  r.start();
  const std::uint64_t t0 = r.start_ns();
  r.done(t0 + 1000);
  r.done(t0 + 1500);
  r.done(t0 + 4500);
  EXPECT_EQ(r.count(), 3u);
  EXPECT_EQ(r.histogram().count(), 3u);
  EXPECT_EQ(r.histogram().sum_ns(), 4500u);
  EXPECT_EQ(r.histogram().min_ns(), 500u);
  EXPECT_EQ(r.histogram().max_ns(), 3000u);
  EXPECT_EQ(r.last_ns(), t0 + 4500);
  EXPECT_TRUE(r.series().empty());
}

TEST(OpRecorder, SeriesBuckets) {
  OpRecorder r(0.1);  // 100 ms
  r.start();
  const std::uint64_t t0 = r.start_ns();
  const std::uint64_t ms = 1000000;
  r.done(t0 + 1 * ms);
  r.done(t0 + 99 * ms);
  r.done(t0 + 100 * ms);  // second bucket starts at exactly 100 ms
  r.done(t0 + 350 * ms);  // fourth bucket; the third stays 0
  r.done(t0 + 399 * ms);
  EXPECT_EQ(r.series(), (std::vector<std::uint64_t>{2, 1, 0, 2}));
  EXPECT_DOUBLE_EQ(r.series_interval_s(), 0.1);
}

TEST(OpRecorder, RestartClearsSeries) {
  OpRecorder r(0.05);
  r.start();
  r.done(r.start_ns() + 200000000);
  r.start();
  EXPECT_EQ(r.series(), (std::vector<std::uint64_t>{0}));
}

}  // namespace
}  // namespace pfsbench::mdtest_like
