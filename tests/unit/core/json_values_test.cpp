// Document values: absent or non-finite numbers are null, distributions and
// time series have one shape for every tool.
#include "pfsbench/json_values.hpp"

#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace pfsbench {
namespace {

using nlohmann::json;

TEST(JsonValues, NumberOrNull) {
  EXPECT_EQ(number_or_null(2.5), json(2.5));
  EXPECT_EQ(number_or_null(std::nullopt), json(nullptr));
  EXPECT_EQ(number_or_null(std::numeric_limits<double>::infinity()), json(nullptr));
  EXPECT_EQ(number_or_null(std::numeric_limits<double>::quiet_NaN()), json(nullptr));
  EXPECT_EQ(finite_or_null(-1.0), json(-1.0));
  EXPECT_EQ(finite_or_null(std::numeric_limits<double>::quiet_NaN()), json(nullptr));
}

TEST(JsonValues, Distribution) {
  EXPECT_EQ(distribution_json({1.0, 2.0, std::numeric_limits<double>::infinity()}),
            json::parse(R"({"min": 1.0, "median": 2.0, "max": null})"));
}

TEST(JsonValues, LatencyOrNull) {
  EXPECT_EQ(latency_or_null(std::nullopt), json(nullptr));
  LatencySummary s;
  s.count = 2;
  s.min_ns = 10;
  s.mean_ns = 15;
  s.max_ns = 20;
  s.percentiles = {{50.0, 10.0}};
  EXPECT_EQ(latency_or_null(s), json::parse(R"({"count": 2, "min_ns": 10.0, "mean_ns": 15.0, "max_ns": 20.0,
                                               "percentiles": [{"p": 50.0, "latency_ns": 10.0}]})"));
}

TEST(JsonValues, TimeSeries) {
  const std::vector<double> v = {0.0, 1.5e9, std::numeric_limits<double>::infinity()};
  EXPECT_EQ(time_series_json(0.5, "bytes_per_s", v),
            json::parse(R"({"interval_s": 0.5, "unit": "bytes_per_s", "values": [0.0, 1.5e9, null]})"));
  EXPECT_EQ(time_series_json(1.0, "ops_per_s", {}), json::parse(R"({"interval_s": 1.0, "unit": "ops_per_s", "values": []})"));
}

}  // namespace
}  // namespace pfsbench
