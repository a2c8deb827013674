// Data pattern fill / restamp / check against memcpy and memcmp of the same
// size (issue 2 target: fill and verify >= 5 GB/s per core, near memcpy).
// Sizes: 64 KiB (in L2), 1 MiB (around L2/LLC) and 16 MiB (memory bound,
// the ior_like default transfer).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "pfsbench/pattern.hpp"

namespace {

using pfsbench::DataPattern;
using pfsbench::PatternBuffer;

struct FreeDeleter {
  void operator()(std::byte* p) const noexcept { std::free(p); }
};
using Buffer = std::unique_ptr<std::byte, FreeDeleter>;

// Page-aligned and touched, like an I/O buffer.
Buffer make_buffer(std::size_t n) {
  Buffer b(static_cast<std::byte*>(std::aligned_alloc(4096, n)));
  std::memset(b.get(), 1, n);
  return b;
}

void set_bytes(benchmark::State& state, std::size_t n) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void BM_Memcpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto src = make_buffer(n), dst = make_buffer(n);
  for (auto _ : state) {
    std::memcpy(dst.get(), src.get(), n);
    benchmark::DoNotOptimize(dst.get());
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

void BM_PatternFill(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto buf = make_buffer(n);
  const DataPattern p(42);
  std::uint64_t offset = 0;
  for (auto _ : state) {
    p.fill({buf.get(), n}, offset);
    offset += n;
    benchmark::DoNotOptimize(buf.get());
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

// The per-transfer cost in ior_like: the buffer already holds the pattern of
// the previous transfer, prepare() restamps one word per 4 KiB.
void BM_PatternBufferPrepare(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto buf = make_buffer(n);
  const DataPattern p(42);
  PatternBuffer pb(p, {buf.get(), n});
  std::uint64_t offset = 0;
  pb.prepare(offset);
  for (auto _ : state) {
    offset += n;
    benchmark::DoNotOptimize(pb.prepare(offset).data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

void BM_Memcmp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto a = make_buffer(n), b = make_buffer(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::memcmp(a.get(), b.get(), n));
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

void BM_PatternCheck(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto buf = make_buffer(n);
  const DataPattern p(42);
  const std::uint64_t offset = 1ull << 30;
  p.fill({buf.get(), n}, offset);
  for (auto _ : state) {
    const auto r = p.check({buf.get(), n}, offset);
    if (!r.ok) state.SkipWithError("pattern mismatch");
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

// A range that starts off an 8-byte boundary (e.g. ior_like -t 1000): the
// head is byte by byte, the rest must stay at word speed.
void BM_PatternFillUnaligned(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto buf = make_buffer(n);
  const DataPattern p(42);
  for (auto _ : state) {
    p.fill({buf.get(), n}, 1000003);
    benchmark::DoNotOptimize(buf.get());
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

void BM_PatternCheckUnaligned(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto buf = make_buffer(n);
  const DataPattern p(42);
  const std::uint64_t offset = 1000003;
  p.fill({buf.get(), n}, offset);
  for (auto _ : state) {
    const auto r = p.check({buf.get(), n}, offset);
    if (!r.ok) state.SkipWithError("pattern mismatch");
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  set_bytes(state, n);
}

#define PFSB_SIZES ->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20)
BENCHMARK(BM_Memcpy) PFSB_SIZES;
BENCHMARK(BM_PatternFill) PFSB_SIZES;
BENCHMARK(BM_PatternBufferPrepare) PFSB_SIZES;
BENCHMARK(BM_Memcmp) PFSB_SIZES;
BENCHMARK(BM_PatternCheck) PFSB_SIZES;
BENCHMARK(BM_PatternFillUnaligned) PFSB_SIZES;
BENCHMARK(BM_PatternCheckUnaligned) PFSB_SIZES;

}  // namespace

BENCHMARK_MAIN();
