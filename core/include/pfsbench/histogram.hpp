#pragma once
// A latency histogram with fixed log-linear buckets (HDR style): values below
// 32 ns are exact, above that each power of two is split into 32 buckets, so
// any value is known to within 1/32 (3.1%) of itself. Fixed buckets make
// histograms of all ranks mergeable by element-wise addition (one
// MPI_Reduce(SUM)). Free of MPI, CLI and JSON.

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace pfsbench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;
  static constexpr std::uint64_t kSub = 1ull << kSubBits;  // 32 buckets per power of two
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

  /// Records one latency. O(1), no allocation.
  void record(std::uint64_t ns) noexcept {
    ++counts_[bucket_of(ns)];
    ++count_;
    sum_ns_ += ns;
    if (ns < min_ns_) min_ns_ = ns;
    if (ns > max_ns_) max_ns_ = ns;
  }
  /// Adds another histogram into this one.
  void merge(const LatencyHistogram& other) noexcept;
  void clear() noexcept { *this = LatencyHistogram(); }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t sum_ns() const noexcept { return sum_ns_; }
  /// Exact minimum and maximum; 0 when empty.
  std::uint64_t min_ns() const noexcept { return count_ ? min_ns_ : 0; }
  std::uint64_t max_ns() const noexcept { return max_ns_; }
  double mean_ns() const noexcept { return count_ ? static_cast<double>(sum_ns_) / static_cast<double>(count_) : 0.0; }

  /// The p-th percentile (0 < p <= 100): the smallest recorded value such
  /// that at least p% of the values are <= it (nearest rank), reported as the
  /// middle of its bucket, clamped to the exact min and max. 0 when empty.
  double percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t ns) noexcept {
    if (ns < kSub) return static_cast<std::size_t>(ns);
    const int msb = static_cast<int>(std::bit_width(ns)) - 1;  // >= kSubBits
    const int shift = msb - kSubBits;
    const std::uint64_t top = ns >> shift;   // in [kSub, 2*kSub)
    return static_cast<std::size_t>(shift + 1) * kSub + static_cast<std::size_t>(top - kSub);
  }
  /// Smallest value that falls into `bucket`, and the bucket's width.
  static std::uint64_t bucket_low(std::size_t bucket) noexcept;
  static std::uint64_t bucket_width(std::size_t bucket) noexcept;

  /// Flat form for MPI reductions: counts, then count and sum (all SUM-able).
  std::vector<std::uint64_t> sum_fields() const;
  void set_sum_fields(const std::vector<std::uint64_t>& fields);
  void set_min_max(std::uint64_t min_ns, std::uint64_t max_ns) noexcept { min_ns_ = min_ns; max_ns_ = max_ns; }
  std::uint64_t raw_min_ns() const noexcept { return min_ns_; }

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ns_ = 0;
  std::uint64_t min_ns_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ns_ = 0;
};

/// The percentiles every latency block of the result document carries.
inline constexpr std::array<double, 4> kReportedPercentiles = {50.0, 90.0, 99.0, 99.9};

/// What the result document keeps of a histogram.
struct LatencySummary {
  std::uint64_t count = 0;
  double min_ns = 0, mean_ns = 0, max_ns = 0;
  std::vector<std::pair<double, double>> percentiles;  // (p, latency_ns)
};
LatencySummary summarize(const LatencyHistogram& h);

}  // namespace pfsbench
