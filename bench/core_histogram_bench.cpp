// LatencyHistogram::record (in every timed I/O loop: must cost a few ns),
// plus merge and percentile, which run once per phase.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "pfsbench/histogram.hpp"

namespace {

using pfsbench::LatencyHistogram;

// Latencies as an I/O loop sees them: log-normal around ~20 us with a tail.
std::vector<std::uint64_t> latencies() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(10.0, 1.5);
  std::vector<std::uint64_t> v(1 << 16);
  for (auto& x : v) x = static_cast<std::uint64_t>(d(rng));
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = latencies();
  LatencyHistogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i]);
    i = (i + 1) & (values.size() - 1);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramMerge(benchmark::State& state) {
  LatencyHistogram a, b;
  for (auto v : latencies()) b.record(v);
  for (auto _ : state) {
    a.merge(b);
    benchmark::DoNotOptimize(a.count());
  }
}
BENCHMARK(BM_HistogramMerge);

void BM_HistogramPercentile(benchmark::State& state) {
  LatencyHistogram h;
  for (auto v : latencies()) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99.9));
}
BENCHMARK(BM_HistogramPercentile);

}  // namespace

BENCHMARK_MAIN();
