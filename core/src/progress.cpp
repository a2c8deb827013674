#include "pfsbench/progress.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "pfsbench/timing.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench {

Progress::Progress(bool enabled, std::string what, std::uint64_t total, std::string unit, double interval_s)
    : enabled_(enabled),
      what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      start_ns_(now_ns()),
      interval_ns_(static_cast<std::uint64_t>(interval_s * 1e9)) {
  next_ns_ = start_ns_ + interval_ns_;
}

void Progress::print(std::uint64_t done, std::uint64_t now_ns) {
  next_ns_ = now_ns + interval_ns_;
  const double elapsed = static_cast<double>(now_ns - start_ns_) * 1e-9;
  const double pct = total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 0.0;
  std::string line;
  if (unit_ == "bytes")
    line = fmt::format("{}: {:.0f}% of rank 0's share ({} of {}), {:.1f} MiB/s, {:.0f} s\n", what_, pct,
                       format_bytes(done), format_bytes(total_),
                       static_cast<double>(done) / kMiB / (elapsed > 0 ? elapsed : 1), elapsed);
  else
    line = fmt::format("{}: {:.0f}% of rank 0's share ({} of {} {}), {:.0f} {}/s, {:.0f} s\n", what_, pct, done,
                       total_, unit_, static_cast<double>(done) / (elapsed > 0 ? elapsed : 1), unit_, elapsed);
  std::fputs(line.c_str(), stderr);
}

}  // namespace pfsbench
