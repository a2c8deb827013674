// What mdtest_like adds to each metadata operation in its timed loop: one
// clock read, the latency histogram and create-rate series record, and the
// in-place name increment. Compare with the cost of one create on the
// target (tens of microseconds on a PFS, ~15 us on tmpfs here).
#include <benchmark/benchmark.h>

#include "name_buffer.hpp"
#include "op_recorder.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"

namespace {

using pfsbench::mdtest_like::NameBuffer;
using pfsbench::mdtest_like::OpRecorder;

void BM_PerOpBookkeeping(benchmark::State& state) {
  OpRecorder rec(0.1);
  NameBuffer name("file.mdtest.0.");
  rec.start();
  for (auto _ : state) {
    const std::uint64_t t = pfsbench::now_ns();
    rec.done(t);
    name.increment();
    benchmark::DoNotOptimize(name.c_str());
    if (pfsbench::interrupt_requested()) break;
  }
}
BENCHMARK(BM_PerOpBookkeeping);

void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pfsbench::now_ns());
}
BENCHMARK(BM_ClockRead);

void BM_NameIncrement(benchmark::State& state) {
  NameBuffer name("file.mdtest.0.");
  for (auto _ : state) {
    name.increment();
    benchmark::DoNotOptimize(name.c_str());
  }
}
BENCHMARK(BM_NameIncrement);

}  // namespace

BENCHMARK_MAIN();
