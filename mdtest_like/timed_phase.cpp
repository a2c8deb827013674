#include "timed_phase.hpp"

#include <array>
#include <cmath>

#include "pfsbench/rank_stats.hpp"

namespace pfsbench::mdtest_like {

namespace {

nlohmann::json distribution_json(const Distribution& d) {
  return {{"min", d.min}, {"median", d.median}, {"max", d.max}};
}

double ns_to_s(std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

}  // namespace

void begin_phase(const Comm& comm) { comm.barrier(); }

void finish_phase(RunContext& ctx, OpRecorder& rec, const std::string& name, int iteration, PhaseCounts local,
                  nlohmann::json details, RankCsv* csv) {
  const Comm& comm = ctx.comm;
  const std::uint64_t end_ns = rec.end_ns();  // read when leaving the closing agreement
  const std::array<Interval, 2> local_iv = {
      Interval{ns_to_s(rec.start_ns()), ns_to_s(end_ns)},          // between the barriers
      Interval{ns_to_s(rec.start_ns()), ns_to_s(rec.last_ns())}};  // to this rank's last operation
  const auto spans = reduce_spans(comm, local_iv, ctx.clock);
  reduce_histogram_to_root(comm, rec.histogram());
  std::vector<std::uint64_t> counts = {local.items, local.bytes, local.items > 0 ? 1u : 0u};
  comm.allreduce_sum(counts);

  std::vector<std::uint64_t>& series = rec.series();
  const bool with_series = rec.series_interval_s() > 0;
  if (with_series) {
    // Each rank counted from its own start; align all series on the earliest
    // start over ranks (whole intervals; ranks leave a barrier within
    // microseconds, so the shift is almost always 0).
    const double lag_s = ctx.clock.to_global(local_iv[0].start_s) - spans[0].earliest_start_s;
    const auto shift = static_cast<std::size_t>(std::max(0.0, std::floor(lag_s / rec.series_interval_s() + 0.5)));
    if (shift > 0) series.insert(series.begin(), shift, 0);
    reduce_series_to_root(comm, series);
  }
  std::vector<RankCsv::Cell> cells;
  if (csv != nullptr)
    cells = comm.gather_struct(RankCsv::Cell{local.items, local_iv[1].end_s - local_iv[1].start_s});
  if (!comm.is_root()) return;

  Phase p;
  p.name = name;
  p.iteration = iteration;
  p.ops = counts[0];
  p.bytes = counts[1];
  // The slowest rank's time between the barriers (see the header): the
  // denominator of ops_per_s and bandwidth_bytes_per_s.
  p.duration_s = spans[0].rank_duration_s.max;
  p.ops_per_s = rate(static_cast<double>(p.ops), p.duration_s);
  if (p.bytes > 0) p.bandwidth_bytes_per_s = rate(static_cast<double>(p.bytes), p.duration_s);
  p.rank_duration_s = spans[1].rank_duration_s;
  if (rec.histogram().count() > 0) p.latency = summarize(rec.histogram());

  if (csv != nullptr) csv->record(iteration, name, p.ops, p.duration_s, cells);
  const double before_s = spans[1].rank_duration_s.max;
  details["ranks"] = comm.size();
  details["active_ranks"] = counts[2];
  details["duration_before_barrier_s"] = before_s;
  const auto before_rate = rate(static_cast<double>(p.ops), before_s);
  details["ops_per_s_before_barrier"] = before_rate ? nlohmann::json(*before_rate) : nlohmann::json(nullptr);
  details["rank_duration_between_barriers_s"] = distribution_json(spans[0].rank_duration_s);
  details["span_s"] = spans[0].span_s();
  if (with_series) {
    nlohmann::json values = nlohmann::json::array();
    const double w = rec.series_interval_s();
    for (std::uint64_t c : series) values.push_back(static_cast<double>(c) / w);
    details["rate_series"] = {{"interval_s", w}, {"unit", "ops_per_s"}, {"values", values}};
  }
  p.details = std::move(details);
  ctx.add_phase(std::move(p));
}

}  // namespace pfsbench::mdtest_like
