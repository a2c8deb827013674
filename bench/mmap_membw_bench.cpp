// The machine's memory read bandwidth, the ceiling of a warm mmap read:
// a plain read-and-sum loop over a resident buffer much larger than the
// caches, on 1 and 2 threads (every thread reads the whole buffer, as every
// mmap_read reader reads the whole file). scripts/bench-mmap-vs-fio divides
// mmap_read's warm aggregate bandwidth by these figures.
//
//   build-*/bin/bench_mmap_membw --benchmark_filter=MemRead
//
// Also: the cost of the tool's per-unit work that is not reading (the
// expected pattern sum of a chunk, one load per page), which must stay small
// next to the reading itself.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

#include "checksum.hpp"
#include "pfsbench/pattern.hpp"

namespace {

using pfsbench::mmap_read::sum64;

constexpr std::size_t kBigBytes = 1ull << 30;  // 1 GiB: far beyond any cache here

const std::vector<std::byte>& big_buffer() {
  static const std::vector<std::byte> buf = [] {
    std::vector<std::byte> b(kBigBytes);
    for (std::size_t i = 0; i < b.size(); i += 4096) b[i] = static_cast<std::byte>(i >> 12);  // resident
    return b;
  }();
  return buf;
}

// The tool's own touch loop (sum of 64-bit words, vectorized).
void BM_MemReadSum64(benchmark::State& state) {
  const auto& buf = big_buffer();
  for (auto _ : state) benchmark::DoNotOptimize(sum64(buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
BENCHMARK(BM_MemReadSum64)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(1.0);

// The plainest loop: std::accumulate over the words.
void BM_MemReadAccumulate(benchmark::State& state) {
  const auto& buf = big_buffer();
  const auto* words = reinterpret_cast<const std::uint64_t*>(buf.data());
  const std::size_t n = buf.size() / 8;
  for (auto _ : state) benchmark::DoNotOptimize(std::accumulate(words, words + n, std::uint64_t{0}));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
BENCHMARK(BM_MemReadAccumulate)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(1.0);

// The compute ceiling of sum64 on data in L2 (256 KiB).
void BM_Sum64InCache(benchmark::State& state) {
  std::vector<std::byte> buf(256 * 1024, std::byte{1});
  for (auto _ : state) benchmark::DoNotOptimize(sum64(buf.data(), buf.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(buf.size()));
}
BENCHMARK(BM_Sum64InCache);

// The expected sum of a 16 MiB chunk (O(size / 4096)), computed per unit in
// the timed loop: next to ~1 ms of reading it must be a few microseconds.
void BM_PatternSumChunk(benchmark::State& state) {
  const pfsbench::DataPattern pattern(1);
  const pfsbench::mmap_read::PatternSum expected(pattern);
  std::uint64_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(expected.range(off, 16ull << 20));
    off += 16ull << 20;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * (16ll << 20));
}
BENCHMARK(BM_PatternSumChunk);

// The expected sum of one page (random access: one per 4 KiB read).
void BM_PatternSumPage(benchmark::State& state) {
  const pfsbench::DataPattern pattern(1);
  const pfsbench::mmap_read::PatternSum expected(pattern);
  std::uint64_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(expected.range(off, 4096));
    off += 4096;
  }
}
BENCHMARK(BM_PatternSumPage);

}  // namespace

BENCHMARK_MAIN();
