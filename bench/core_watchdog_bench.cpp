// The I/O watchdog's cost on the hot path: every POSIX data call of every
// tool (pwrite/pread in full_io, the backends' open/fsync/close, MPI-IO and
// HDF5 transfers) runs inside an IoWatch, which arms this thread's slot
// before the call and disarms it after. Measured here:
//  - IoWatch with the watchdog installed (--io-timeout > 0, the default 600),
//    with --io-timeout 0 (nothing to watch: the guard does nothing), and
//    with no watchdog at all (a tool's code run outside tool_main);
//  - WatchedCall, the guard of a collective library call (its own limit);
//  - a 4 KiB pwrite to /dev/shm with and without the guard around it, the
//    cheapest real call it ever wraps, so the ratio is the worst case.
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "pfsbench/watchdog.hpp"

namespace {

using pfsbench::CollectiveLimit;
using pfsbench::IoWatch;
using pfsbench::IoWatchdog;
using pfsbench::WatchedCall;

const std::string kPath = "/dev/shm/pfsbench-watchdog-bench";

// state.range(0): 0 = no watchdog, 1 = --io-timeout 600, 2 = --io-timeout 0.
void install(std::optional<IoWatchdog>& dog, std::int64_t mode) {
  if (mode == 1) dog.emplace(600.0, [](const pfsbench::StuckCall&) {});
  if (mode == 2) dog.emplace(0.0, [](const pfsbench::StuckCall&) {});
}

const char* mode_label(std::int64_t mode) {
  return mode == 0 ? "no watchdog" : mode == 1 ? "io-timeout 600" : "io-timeout 0";
}

void BM_IoWatchArmDisarm(benchmark::State& state) {
  std::optional<IoWatchdog> dog;
  install(dog, state.range(0));
  std::int64_t offset = 0;
  for (auto _ : state) {
    const IoWatch watch("pwrite", kPath, offset);
    benchmark::DoNotOptimize(&watch);
    benchmark::ClobberMemory();
    offset += 4096;
  }
  state.SetLabel(mode_label(state.range(0)));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_IoWatchArmDisarm)->Arg(0)->Arg(1)->Arg(2);

void BM_WatchedCallArmDisarm(benchmark::State& state) {
  std::optional<IoWatchdog> dog;
  install(dog, 1);
  CollectiveLimit limit;
  limit.limit_ns = 60'000'000'000ull;
  limit.path = kPath.c_str();
  for (auto _ : state) {
    const WatchedCall watched(&limit, "a collective write");
    benchmark::DoNotOptimize(&watched);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_WatchedCallArmDisarm);

// range(0): 0 = bare pwrite, 1 = inside an IoWatch with the default watchdog.
void BM_Pwrite4kShm(benchmark::State& state) {
  std::optional<IoWatchdog> dog;
  install(dog, state.range(0) == 1 ? 1 : 0);
  const int fd = ::open(kPath.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (fd < 0) {
    state.SkipWithError("cannot create the file in /dev/shm");
    return;
  }
  std::vector<char> buf(4096, 'x');
  std::int64_t offset = 0;
  for (auto _ : state) {
    ssize_t n = 0;
    if (state.range(0) == 1) {
      const IoWatch watch("pwrite", kPath, offset);
      n = ::pwrite(fd, buf.data(), buf.size(), offset);
    } else {
      n = ::pwrite(fd, buf.data(), buf.size(), offset);
    }
    benchmark::DoNotOptimize(n);
    offset = (offset + 4096) % (1 << 20);
  }
  ::close(fd);
  ::unlink(kPath.c_str());
  state.SetLabel(state.range(0) == 1 ? "watched" : "bare");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 4096);
}
BENCHMARK(BM_Pwrite4kShm)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
