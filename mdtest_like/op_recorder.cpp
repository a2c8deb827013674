#include "op_recorder.hpp"

#include <algorithm>
#include <cmath>

namespace pfsbench::mdtest_like {

OpRecorder::OpRecorder(double series_interval_s) {
  if (series_interval_s > 0) {
    interval_ns_ = static_cast<std::uint64_t>(std::llround(series_interval_s * 1e9));
    const double hour_buckets = 3600.0 / series_interval_s;
    series_.reserve(static_cast<std::size_t>(std::min(hour_buckets, 1048576.0)) + 1);
  }
}

}  // namespace pfsbench::mdtest_like
