// Pure statistics (stats.hpp) with exact expected values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "pfsbench/stats.hpp"

namespace pfsbench {
namespace {

struct SummaryCase {
  std::vector<double> values;
  double min, max, mean, median;
  std::optional<double> stddev;
};

TEST(Summarize, ExactValues) {
  const std::vector<SummaryCase> cases = {
      {{5.0}, 5, 5, 5, 5, std::nullopt},  // one iteration: no stddev
      {{1, 2, 3, 4}, 1, 4, 2.5, 2.5, std::sqrt(5.0 / 3.0)},
      {{4, 1, 3, 2}, 1, 4, 2.5, 2.5, std::sqrt(5.0 / 3.0)},  // order does not matter
      {{2, 4, 4, 4, 5, 5, 7, 9}, 2, 9, 5, 4.5, std::sqrt(32.0 / 7.0)},  // n-1, not n (that would be 2)
      {{3, 1, 2}, 1, 3, 2, 2, 1.0},
      {{10, 10}, 10, 10, 10, 10, 0.0},
      {{-1, 1}, -1, 1, 0, 0, std::sqrt(2.0)},
      {{100, 1, 1, 1, 1}, 1, 100, 20.8, 1, std::sqrt((4 * 19.8 * 19.8 + 79.2 * 79.2) / 4.0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.values));
    const Summary s = summarize(c.values);
    EXPECT_EQ(s.count, c.values.size());
    EXPECT_DOUBLE_EQ(s.min, c.min);
    EXPECT_DOUBLE_EQ(s.max, c.max);
    EXPECT_DOUBLE_EQ(s.mean, c.mean);
    EXPECT_DOUBLE_EQ(s.median, c.median);
    ASSERT_EQ(s.stddev.has_value(), c.stddev.has_value());
    if (c.stddev) {
      EXPECT_NEAR(*s.stddev, *c.stddev, 1e-12 * std::max(1.0, *c.stddev));
    }
  }
}

TEST(Summarize, EmptyThrows) {
  const std::vector<double> none;
  EXPECT_THROW(summarize(none), std::invalid_argument);
  EXPECT_THROW(median(none), std::invalid_argument);
  EXPECT_THROW(distribution(none), std::invalid_argument);
}

TEST(Median, OddEvenAndUnsorted) {
  const std::vector<std::pair<std::vector<double>, double>> cases = {
      {{7}, 7},          {{1, 3}, 2},          {{3, 1}, 2},           {{9, 1, 5}, 5},
      {{4, 1, 3, 2}, 2.5}, {{1, 1, 1, 100}, 1}, {{6, 5, 4, 3, 2, 1}, 3.5}, {{0.1, 0.2}, 0.15000000000000002}};
  for (const auto& [values, want] : cases) {
    SCOPED_TRACE(::testing::PrintToString(values));
    EXPECT_DOUBLE_EQ(median(values), want);
  }
}

TEST(Median, DoesNotReorderTheInput) {
  const std::vector<double> v = {5, 3, 1, 4, 2};
  const std::vector<double> copy = v;
  EXPECT_DOUBLE_EQ(median(v), 3.0);
  EXPECT_EQ(v, copy);
}

TEST(Distribution, MinMedianMax) {
  const std::vector<double> per_rank = {2.0, 9.0, 1.0, 4.0};  // a straggler at 9
  const Distribution d = distribution(per_rank);
  EXPECT_DOUBLE_EQ(d.min, 1.0);
  EXPECT_DOUBLE_EQ(d.median, 3.0);
  EXPECT_DOUBLE_EQ(d.max, 9.0);
}

TEST(Rate, PositiveSpanOnly) {
  EXPECT_EQ(rate(10.0, 2.0), std::optional<double>(5.0));
  EXPECT_EQ(rate(0.0, 2.0), std::optional<double>(0.0));
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(rate(1.0, 0.0), std::nullopt);
  EXPECT_EQ(rate(1.0, -0.0), std::nullopt);
  EXPECT_EQ(rate(1.0, -1.0), std::nullopt);
  EXPECT_EQ(rate(1.0, nan), std::nullopt);
  EXPECT_EQ(rate(1.0, inf), std::nullopt);
  EXPECT_EQ(rate(nan, 1.0), std::nullopt);
  EXPECT_EQ(rate(inf, 1.0), std::nullopt);
}

}  // namespace
}  // namespace pfsbench
