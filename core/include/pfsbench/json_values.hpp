#pragma once
// Values as the result document writes them, for every tool's `details`:
// absent or non-finite numbers are null (never NaN or Inf), a distribution
// is {min, median, max}, a time series {interval_s, unit, values}. Pure.

#include <optional>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pfsbench/histogram.hpp"
#include "pfsbench/stats.hpp"

namespace pfsbench {

/// The number, or null when absent or not finite.
nlohmann::json number_or_null(std::optional<double> v);
/// The number, or null when not finite.
nlohmann::json finite_or_null(double v);
/// {"min", "median", "max"}, each finite_or_null.
nlohmann::json distribution_json(const Distribution& d);
/// to_json(LatencySummary) (result_json.hpp), or null when absent.
nlohmann::json latency_or_null(const std::optional<LatencySummary>& s);
/// {"interval_s": ..., "unit": ..., "values": [...]} (values finite_or_null).
nlohmann::json time_series_json(double interval_s, std::string_view unit, std::span<const double> values);

}  // namespace pfsbench
