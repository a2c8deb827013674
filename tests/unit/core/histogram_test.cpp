// The mergeable log-bucket latency histogram (histogram.hpp): bucket
// arithmetic over the whole 64-bit range, exact small values, the 1/32
// error bound, nearest-rank percentiles, merging and the flat MPI form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "pfsbench/histogram.hpp"

namespace pfsbench {
namespace {

using H = LatencyHistogram;

// Values that stress the bucket arithmetic: everything below 2^16, every
// power of two and its neighbours, and random values of every magnitude.
std::vector<std::uint64_t> probe_values() {
  std::vector<std::uint64_t> v;
  for (std::uint64_t x = 0; x < (1u << 16); ++x) v.push_back(x);
  for (int b = 0; b < 64; ++b) {
    const std::uint64_t p = 1ull << b;
    v.push_back(p);
    v.push_back(p - 1);
    v.push_back(p + 1);
    v.push_back(p + p / 2);
  }
  v.push_back(std::numeric_limits<std::uint64_t>::max());
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) v.push_back(rng() >> (rng() % 64));
  return v;
}

TEST(HistogramBuckets, ExactBelow32ns) {
  for (std::uint64_t ns = 0; ns < 32; ++ns) {
    EXPECT_EQ(H::bucket_of(ns), ns);
    EXPECT_EQ(H::bucket_low(ns), ns);
    EXPECT_EQ(H::bucket_width(ns), 1u);
  }
}

TEST(HistogramBuckets, KnownBoundaries) {
  EXPECT_EQ(H::bucket_of(32), 32u);    // [32,64) still exact, width 1
  EXPECT_EQ(H::bucket_of(63), 63u);
  EXPECT_EQ(H::bucket_of(64), 64u);    // [64,128): width 2
  EXPECT_EQ(H::bucket_of(65), 64u);
  EXPECT_EQ(H::bucket_of(66), 65u);
  EXPECT_EQ(H::bucket_low(65), 66u);
  EXPECT_EQ(H::bucket_width(64), 2u);
  EXPECT_EQ(H::bucket_of(1000), 190u);  // msb 9: shift 4, top 62 -> 5*32 + (62-32)
  EXPECT_EQ(H::bucket_low(H::bucket_of(1000)), 992u);
  EXPECT_EQ(H::bucket_width(H::bucket_of(1000)), 16u);
  EXPECT_EQ(H::bucket_of(std::numeric_limits<std::uint64_t>::max()), H::kBuckets - 1);
  EXPECT_EQ(H::kBuckets, 1920u);
}

TEST(HistogramBuckets, EveryValueLiesInItsBucketWithin1Of32) {
  for (std::uint64_t ns : probe_values()) {
    const std::size_t b = H::bucket_of(ns);
    ASSERT_LT(b, H::kBuckets) << ns;
    const std::uint64_t low = H::bucket_low(b);
    const std::uint64_t width = H::bucket_width(b);
    ASSERT_LE(low, ns) << ns;
    ASSERT_LE(ns - low, width - 1) << ns;  // ns < low + width without overflow
    // The bucket is at most 1/32 of its lowest value wide (relative error bound).
    if (b >= H::kSub) {
      ASSERT_LE(width * 32, low) << ns;
    }
  }
}

TEST(HistogramBuckets, ContiguousAndConsistent) {
  for (std::size_t b = 0; b < H::kBuckets; ++b) {
    ASSERT_EQ(H::bucket_of(H::bucket_low(b)), b) << b;
    const std::uint64_t last = H::bucket_low(b) + (H::bucket_width(b) - 1);
    ASSERT_EQ(H::bucket_of(last), b) << b;
    if (b + 1 < H::kBuckets) {
      ASSERT_EQ(H::bucket_low(b + 1), H::bucket_low(b) + H::bucket_width(b)) << b;
    } else {
      ASSERT_EQ(last, std::numeric_limits<std::uint64_t>::max());
    }
  }
}

TEST(Histogram, EmptyIsAllZero) {
  H h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum_ns(), 0u);
  EXPECT_EQ(h.min_ns(), 0u);
  EXPECT_EQ(h.max_ns(), 0u);
  EXPECT_EQ(h.mean_ns(), 0.0);
  EXPECT_EQ(h.percentile(50), 0.0);
  const LatencySummary s = summarize(h);
  EXPECT_EQ(s.count, 0u);
  ASSERT_EQ(s.percentiles.size(), kReportedPercentiles.size());
  for (const auto& [p, v] : s.percentiles) EXPECT_EQ(v, 0.0) << p;
}

TEST(Histogram, ExactPercentilesOfSmallValues) {
  H h;
  for (std::uint64_t ns = 1; ns <= 20; ++ns) h.record(ns);
  EXPECT_EQ(h.count(), 20u);
  EXPECT_EQ(h.sum_ns(), 210u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 10.5);
  EXPECT_EQ(h.min_ns(), 1u);
  EXPECT_EQ(h.max_ns(), 20u);
  // Nearest rank: the smallest value with at least p% of the values <= it.
  EXPECT_DOUBLE_EQ(h.percentile(5), 1.0);
  EXPECT_DOUBLE_EQ(h.percentile(50), 10.0);
  EXPECT_DOUBLE_EQ(h.percentile(51), 11.0);
  EXPECT_DOUBLE_EQ(h.percentile(90), 18.0);
  EXPECT_DOUBLE_EQ(h.percentile(99), 20.0);
  EXPECT_DOUBLE_EQ(h.percentile(100), 20.0);
}

TEST(Histogram, PercentilesOf1To1000AreBucketMiddles) {
  H h;
  for (std::uint64_t ns = 1; ns <= 1000; ++ns) h.record(ns);
  // rank 500 -> 500 in [496,504) -> 499.5; rank 900 -> 900 in [896,912) -> 903.5;
  // rank 990 -> [976,992) -> 983.5; rank 999 and 1000 -> [992,1008) -> 999.5 (< max).
  EXPECT_DOUBLE_EQ(h.percentile(50), 499.5);
  EXPECT_DOUBLE_EQ(h.percentile(90), 903.5);
  EXPECT_DOUBLE_EQ(h.percentile(99), 983.5);
  EXPECT_DOUBLE_EQ(h.percentile(99.9), 999.5);
  EXPECT_DOUBLE_EQ(h.percentile(100), 999.5);
  EXPECT_EQ(h.max_ns(), 1000u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 500.5);
}

TEST(Histogram, NearestRankIsExactForDecimalPercentiles) {
  // k values at 10 ns and the rest at 20 ns, k = exactly p% of the count:
  // the p-th percentile is 10 (p% of the values are <= 10), and 20 when one
  // of the k is missing. 99.9 is not exact in binary: 99.9/100*1000 is
  // 999.0000000000001, whose ceil would pick the 1000th value.
  struct Case {
    double p;
    std::uint64_t count, k;
  };
  for (const Case& c : {Case{50, 10, 5}, Case{90, 10, 9}, Case{99, 100, 99}, Case{99.9, 1000, 999},
                        Case{99.9, 3000, 2997}, Case{99.9, 10000, 9990}, Case{99.99, 10000, 9999},
                        Case{99.9, 100000, 99900}, Case{99.99, 30000, 29997}, Case{90, 1000, 900}}) {
    SCOPED_TRACE(::testing::Message() << "p" << c.p << " of " << c.count);
    H at_k, below_k;
    for (std::uint64_t i = 0; i < c.count; ++i) {
      at_k.record(i < c.k ? 10 : 20);
      below_k.record(i + 1 < c.k ? 10 : 20);
    }
    EXPECT_EQ(at_k.percentile(c.p), 10.0);
    EXPECT_EQ(below_k.percentile(c.p), 20.0);
  }
}

TEST(Histogram, SingleValueIsExactAtEveryPercentile) {
  for (std::uint64_t v : {0ull, 7ull, 12345ull, 987654321ull, 1ull << 50}) {
    H h;
    for (int i = 0; i < 3; ++i) h.record(v);
    for (double p : {0.001, 1.0, 50.0, 99.9, 100.0}) EXPECT_DOUBLE_EQ(h.percentile(p), static_cast<double>(v));
  }
}

TEST(Histogram, PercentilesWithin1Of32OfTheExactNearestRank) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(10.0, 2.0);  // ~ 22 us median, heavy tail
  std::vector<std::uint64_t> values;
  H h;
  for (int i = 0; i < 50000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    const double exact = static_cast<double>(values[std::max<std::size_t>(rank, 1) - 1]);
    EXPECT_LE(std::fabs(h.percentile(p) - exact), exact / 32.0) << "p" << p;
  }
  EXPECT_EQ(h.min_ns(), values.front());
  EXPECT_EQ(h.max_ns(), values.back());
}

TEST(Histogram, BimodalPercentiles) {
  // 90 fast ops at 100 ns, 10 slow ones at 1 ms: p90 is fast, p91 slow.
  H h;
  for (int i = 0; i < 90; ++i) h.record(100);
  for (int i = 0; i < 10; ++i) h.record(1000000);
  EXPECT_NEAR(h.percentile(50), 100.0, 100.0 / 32);
  EXPECT_NEAR(h.percentile(90), 100.0, 100.0 / 32);
  EXPECT_NEAR(h.percentile(91), 1e6, 1e6 / 32);
  EXPECT_DOUBLE_EQ(h.percentile(100), 1e6);  // clamped to the exact max
}

void expect_same(const H& a, const H& b) {
  EXPECT_EQ(a.sum_fields(), b.sum_fields());
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.sum_ns(), b.sum_ns());
  EXPECT_EQ(a.min_ns(), b.min_ns());
  EXPECT_EQ(a.max_ns(), b.max_ns());
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(a.percentile(p), b.percentile(p)) << p;
}

TEST(Histogram, MergeEqualsRecordingBoth) {
  std::mt19937_64 rng(3);
  H a, b, both;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = rng() >> (20 + rng() % 40);
    (i % 3 == 0 ? a : b).record(v);
    both.record(v);
  }
  H merged = a;
  merged.merge(b);
  expect_same(merged, both);
  H other_order = b;
  other_order.merge(a);
  expect_same(other_order, both);
}

TEST(Histogram, MergeWithEmptyKeepsMinAndMax) {
  H a, empty;
  a.record(500);
  a.record(70);
  H m1 = a;
  m1.merge(empty);
  expect_same(m1, a);
  H m2 = empty;
  m2.merge(a);
  expect_same(m2, a);
  EXPECT_EQ(m2.min_ns(), 70u);
  H e2 = empty;
  e2.merge(empty);
  EXPECT_EQ(e2.count(), 0u);
  EXPECT_EQ(e2.min_ns(), 0u);
}

TEST(Histogram, SumFieldsRoundTrip) {
  H h;
  for (std::uint64_t v : {3ull, 3ull, 40ull, 1000ull, 123456789ull, 1ull << 40}) h.record(v);
  const std::vector<std::uint64_t> fields = h.sum_fields();
  ASSERT_EQ(fields.size(), H::kBuckets + 2);
  EXPECT_EQ(fields[H::kBuckets], 6u);                                       // count
  EXPECT_EQ(fields[H::kBuckets + 1], 6ull + 40 + 1000 + 123456789 + (1ull << 40));  // sum
  EXPECT_EQ(fields[3], 2u);
  H back;
  back.set_sum_fields(fields);
  back.set_min_max(h.raw_min_ns(), h.max_ns());
  expect_same(back, h);
  EXPECT_THROW(back.set_sum_fields(std::vector<std::uint64_t>(H::kBuckets)), std::invalid_argument);
}

TEST(Histogram, ClearForgetsEverything) {
  H h;
  h.record(99);
  h.clear();
  expect_same(h, H());
}

TEST(Histogram, SummaryCarriesTheReportedPercentiles) {
  H h;
  for (std::uint64_t ns = 1; ns <= 1000; ++ns) h.record(ns);
  const LatencySummary s = summarize(h);
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.min_ns, 1.0);
  EXPECT_DOUBLE_EQ(s.max_ns, 1000.0);
  EXPECT_DOUBLE_EQ(s.mean_ns, 500.5);
  ASSERT_EQ(s.percentiles.size(), 4u);
  const double want[4][2] = {{50, 499.5}, {90, 903.5}, {99, 983.5}, {99.9, 999.5}};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(s.percentiles[i].first, want[i][0]);
    EXPECT_DOUBLE_EQ(s.percentiles[i].second, want[i][1]);
  }
}

}  // namespace
}  // namespace pfsbench
