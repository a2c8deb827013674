#include "pfsbench/json_values.hpp"

#include <cmath>

#include "pfsbench/result_json.hpp"

namespace pfsbench {

using nlohmann::json;

json number_or_null(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json distribution_json(const Distribution& d) {
  return {{"min", finite_or_null(d.min)}, {"median", finite_or_null(d.median)}, {"max", finite_or_null(d.max)}};
}

json latency_or_null(const std::optional<LatencySummary>& s) { return s ? to_json(*s) : json(nullptr); }

json time_series_json(double interval_s, std::string_view unit, std::span<const double> values) {
  json v = json::array();
  for (const double x : values) v.push_back(finite_or_null(x));
  return {{"interval_s", interval_s}, {"unit", unit}, {"values", std::move(v)}};
}

}  // namespace pfsbench
