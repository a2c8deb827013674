#include "pfsbench/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace pfsbench {

double median(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  std::vector<double> v(values.begin(), values.end());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2.0;
}

Summary summarize(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("summary of no values");
  Summary s;
  s.count = values.size();
  const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  s.min = *mn;
  s.max = *mx;
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.count);
  s.median = median(values);
  if (s.count >= 2) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(s.count - 1));
  }
  return s;
}

Distribution distribution(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("distribution of no values");
  const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
  return {*mn, median(values), *mx};
}

std::optional<double> rate(double amount, double seconds) {
  if (!(seconds > 0) || !std::isfinite(seconds) || !std::isfinite(amount)) return std::nullopt;
  return amount / seconds;
}

}  // namespace pfsbench
