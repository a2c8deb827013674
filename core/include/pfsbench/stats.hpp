#pragma once
// Pure statistics over plain numbers. No MPI, no I/O; tested with exact values.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace pfsbench {

/// Statistics of a metric over iterations.
struct Summary {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0, median = 0;
  /// Sample standard deviation (n-1 in the denominator); absent for n < 2.
  std::optional<double> stddev;
};

/// Summary of `values`. Throws std::invalid_argument when empty.
Summary summarize(std::span<const double> values);

/// Median: the middle value, or the mean of the two middle values.
/// Throws std::invalid_argument when empty.
double median(std::span<const double> values);

/// min / median / max of per-rank values: shows stragglers.
struct Distribution {
  double min = 0, median = 0, max = 0;
};
Distribution distribution(std::span<const double> values);

/// bytes / seconds, absent when the span is not positive (never Inf/NaN).
std::optional<double> rate(double amount, double seconds);

}  // namespace pfsbench
