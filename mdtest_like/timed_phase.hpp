#pragma once
// The frame of every measured phase: an opening barrier, the timed loop,
// the closing agreement, then one round of reductions that turns the ranks'
// records into a Phase of the result document.
//
// Definitions (DESIGN.md "How numbers are defined", mdtest's):
//  - Phase.duration_s is the SLOWEST RANK'S TIME BETWEEN THE PHASE'S
//    BARRIERS: max over ranks of (leaving the closing barrier - leaving the
//    opening barrier), less the arming and disarming of the step's
//    early-stop channel (one MPI_Irecv, one MPI_Cancel: not the work). The closing barrier is the all-reduce of the
//    collective failure check (RunContext::step), which no rank leaves before
//    every rank entered it.
//  - ops_per_s = items of all ranks / duration_s; bandwidth_bytes_per_s =
//    bytes of all ranks / duration_s (the same denominator).
//  - details.ops_per_s_before_barrier = items / max over ranks of (the
//    rank's last operation - leaving the opening barrier): mdtest's rate
//    before the closing barrier.
//  - Phase.rank_duration_s = min/median/max over ranks of each rank's own
//    time to its last operation, so stragglers show.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "op_recorder.hpp"
#include "rank_csv.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench::mdtest_like {

/// COLLECTIVE. The opening barrier.
void begin_phase(const Comm& comm);

/// COLLECTIVE. One step of a phase's timed window (RunContext::step):
/// with `first`, `rec` starts as `fn` begins, after the step's early-stop
/// channel is armed; `rec` ends when the step's agreement (the closing
/// barrier) completes, before the channel is disarmed. So the window holds
/// the work and the closing barrier, not the early-stop bookkeeping around
/// them. Throws CollectiveError as step() does.
template <class Fn>
void timed_step(RunContext& ctx, OpRecorder& rec, bool first, Fn&& fn) {
  ctx.step([&] {
    if (first) rec.start();
    fn();
  });
  rec.close_at(ctx.last_agreement_ns());
}

struct PhaseCounts {
  std::uint64_t items = 0;  ///< this rank's completed items
  std::uint64_t bytes = 0;  ///< this rank's bytes written or read
};

/// COLLECTIVE. Call after the phase's last timed_step (its closing
/// agreement). Reduces spans, histogram, series and counts; on rank 0
/// builds the Phase with `details` merged in and appends it (ctx.add_phase).
/// `csv` (--saveRankPerformanceDetails; null or not alike on every rank):
/// the ranks' items and times are gathered into it on rank 0.
void finish_phase(RunContext& ctx, OpRecorder& rec, const std::string& name, int iteration, PhaseCounts local,
                  nlohmann::json details, RankCsv* csv = nullptr);

}  // namespace pfsbench::mdtest_like
