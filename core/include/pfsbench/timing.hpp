#pragma once
// Clock reads. All timing in pfsbench comes from CLOCK_MONOTONIC: one vDSO
// call (~20 ns), never affected by NTP steps. Across ranks the offsets of
// the ranks' clocks to rank 0's are measured (rank_stats.hpp) and every
// cross-rank time is on rank 0's clock.

#include <cstdint>
#include <ctime>
#include <string>

namespace pfsbench {

/// Monotonic time in nanoseconds.
inline std::uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Monotonic time in seconds.
inline double now_s() noexcept { return static_cast<double>(now_ns()) * 1e-9; }

/// A closed time interval on the local monotonic clock, in seconds.
struct Interval {
  double start_s = 0;
  double end_s = 0;
  double duration_s() const noexcept { return end_s - start_s; }
};

/// Wall-clock time as ISO 8601 UTC with milliseconds: "2026-11-21T14:06:43.123Z".
std::string iso8601_now();

}  // namespace pfsbench
