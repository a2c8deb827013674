#pragma once
#include "submitter.hpp"
// One rank's phase: open, keep `iodepth` requests in flight through the
// engine until the region is covered (or the runtime is over), fsync when
// asked, close. No MPI: the tool reduces the results across ranks.
//
// Definitions (per request, CLOCK_MONOTONIC):
//   submission latency = queue() call .. commit() returned (io_submit /
//                        io_uring_submit handed it to the kernel); fio's slat
//   completion latency = handed to the kernel .. reaped (fio's clat); for
//                        psync the pwrite/pread call itself
// The rank's span is open start .. close end and includes fsync when asked.

#include <cstdint>
#include <string>
#include <vector>

#include "pfsbench/dio_align.hpp"
#include "config.hpp"
#include "pfsbench/early_stop.hpp"
#include "pfsbench/histogram.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench::dio_batch {

struct PhaseSpec {
  const Config* cfg = nullptr;
  std::string path;
  int rank = 0;
  bool write = true;
  std::uint64_t base = 0;          ///< first offset of this rank's region
  std::uint64_t blocks = 0;        ///< region size / bs
  DioAlignment align;
  std::uint64_t pattern_seed = 0;
  std::uint64_t offset_seed = 0;   ///< random order
  bool progress = false;           ///< progress lines on stderr (rank 0)
  /// Another rank's failure stops the loop early (polled, main thread);
  /// null = never.
  EarlyStop* early_stop = nullptr;
  /// Tests only: makes the engine instead of cfg->engine.
  EngineFactory engine_factory;
  /// How long the loop waits for cancelled requests before it gives their
  /// buffers up (leaks them, so a late write cannot land in freed memory).
  double drain_timeout_s = 10.0;
};

struct RankPhaseResult {
  Interval span;                   ///< open start .. close end
  Interval io;                     ///< first queue .. last completion
  std::uint64_t bytes = 0;         ///< completed in full
  std::uint64_t ops = 0;
  LatencyHistogram clat, slat;
  std::vector<std::uint64_t> series;  ///< bytes completed per interval since span.start
  double cpu_user_s = 0, cpu_sys_s = 0;  ///< getrusage(RUSAGE_SELF) over the span
  bool interrupted = false;        ///< stopped early by SIGINT/SIGTERM
};

/// Runs the phase. Throws IoError (open, submit, a failed or short request,
/// fsync, close) after the requests in flight have been drained; when
/// interrupted returns what finished with `interrupted` set.
RankPhaseResult run_phase(const PhaseSpec& spec);

}  // namespace pfsbench::dio_batch
