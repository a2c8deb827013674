#pragma once
// Human output in the style of fio's summary lines. Formatting only: reads
// the result's records and the typed phase details, writes to an injected
// stream.

#include <ostream>
#include <span>
#include <string>

#include "config.hpp"
#include "phase_details.hpp"
#include "pfsbench/result.hpp"

namespace pfsbench::dio_batch {

/// "85.3k", "912", "1.20M": fio's short counts (decimal, as fio prints IOPS).
std::string short_count(double v);

/// A latency in the unit fio would pick for it: "(nsec)", "(usec)", "(msec)".
struct LatencyUnit {
  const char* name;
  double divisor;
};
LatencyUnit latency_unit(double max_ns) noexcept;

/// The whole summary of a run (phases, verification) to `out`. `details[i]`
/// belongs to result.phases[i]; a phase without one prints its headline only.
void print_summary(std::ostream& out, const Config& cfg, const RunResult& result,
                   std::span<const DioPhaseDetails> details);

}  // namespace pfsbench::dio_batch
