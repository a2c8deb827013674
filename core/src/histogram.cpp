#include "pfsbench/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pfsbench {

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  min_ns_ = std::min(min_ns_, other.min_ns_);
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t bucket) noexcept {
  if (bucket < kSub) return bucket;
  const std::size_t shift = bucket / kSub - 1;
  const std::uint64_t top = kSub + bucket % kSub;
  return top << shift;
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t bucket) noexcept {
  if (bucket < kSub) return 1;
  return 1ull << (bucket / kSub - 1);
}

double LatencyHistogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0.0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank ceil(p% of count). p is decimal (99.9) and not exact in
  // binary: 99.9/100*1000 is 999.0000000000001, so shave a relative 1e-12
  // before the ceil, or p99.9 of 1000 values would be the 1000th value.
  const double exact_rank = p * static_cast<double>(count_) / 100.0;
  auto rank = static_cast<std::uint64_t>(std::ceil(exact_rank - exact_rank * 1e-12));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      const double low = static_cast<double>(bucket_low(b));
      const double width = static_cast<double>(bucket_width(b));
      const double mid = width == 1.0 ? low : low + (width - 1.0) / 2.0;
      return std::clamp(mid, static_cast<double>(min_ns()), static_cast<double>(max_ns_));
    }
  }
  return static_cast<double>(max_ns_);
}

std::vector<std::uint64_t> LatencyHistogram::sum_fields() const {
  std::vector<std::uint64_t> out(counts_.begin(), counts_.end());
  out.push_back(count_);
  out.push_back(sum_ns_);
  return out;
}

void LatencyHistogram::set_sum_fields(const std::vector<std::uint64_t>& f) {
  if (f.size() != kBuckets + 2) throw std::invalid_argument("histogram fields of the wrong size");
  std::copy(f.begin(), f.begin() + kBuckets, counts_.begin());
  count_ = f[kBuckets];
  sum_ns_ = f[kBuckets + 1];
}

LatencySummary summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  s.min_ns = static_cast<double>(h.min_ns());
  s.mean_ns = h.mean_ns();
  s.max_ns = static_cast<double>(h.max_ns());
  for (double p : kReportedPercentiles) s.percentiles.emplace_back(p, h.percentile(p));
  return s;
}

}  // namespace pfsbench
