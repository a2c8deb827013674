#pragma once
// What a rank records about the operations of one phase, inside the timed
// loop: one clock read per operation, which ends this operation and starts
// the next. From it come the latency histogram and, when asked, the number
// of completions per fixed interval since the phase start (the create-rate
// time series). No allocation in done() while the series stays within the
// capacity reserved up front (an hour of intervals, at most 1 Mi of them).

#include <cstdint>
#include <vector>

#include "pfsbench/histogram.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench::mdtest_like {

class OpRecorder {
 public:
  /// `series_interval_s` > 0 keeps a time series of that bucket width.
  explicit OpRecorder(double series_interval_s = 0);

  /// Starts the phase clock: the first operation's latency counts from here.
  void start() noexcept {
    start_ns_ = last_ns_ = now_ns();
    bucket_end_ns_ = start_ns_ + interval_ns_;
    series_.assign(interval_ns_ ? 1 : 0, 0);
  }
  /// One operation completed at `t_ns` (the loop's only clock read).
  void done(std::uint64_t t_ns) noexcept {
    hist_.record(t_ns - last_ns_);
    last_ns_ = t_ns;
    ++count_;
    if (interval_ns_) {
      while (t_ns >= bucket_end_ns_) {
        series_.push_back(0);
        bucket_end_ns_ += interval_ns_;
      }
      ++series_.back();
    }
  }

  /// The phase's end: call right after its closing agreement.
  void close() noexcept { end_ns_ = now_ns(); }
  /// The phase's end at `t_ns` (RunContext::last_agreement_ns()).
  void close_at(std::uint64_t t_ns) noexcept { end_ns_ = t_ns; }

  std::uint64_t start_ns() const noexcept { return start_ns_; }
  std::uint64_t end_ns() const noexcept { return end_ns_; }
  /// Completion time of the last operation (start_ns() when there was none).
  std::uint64_t last_ns() const noexcept { return last_ns_; }
  std::uint64_t count() const noexcept { return count_; }
  LatencyHistogram& histogram() noexcept { return hist_; }
  /// Completions per interval since start(); empty without a series.
  std::vector<std::uint64_t>& series() noexcept { return series_; }
  double series_interval_s() const noexcept { return static_cast<double>(interval_ns_) * 1e-9; }

 private:
  LatencyHistogram hist_;
  std::vector<std::uint64_t> series_;
  std::uint64_t interval_ns_ = 0;
  std::uint64_t start_ns_ = 0, last_ns_ = 0, bucket_end_ns_ = 0, count_ = 0, end_ns_ = 0;
};

}  // namespace pfsbench::mdtest_like
