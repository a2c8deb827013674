#include "plan.hpp"

#include <numeric>
#include <random>

#include <fmt/format.h>

namespace pfsbench::ior_like {

const char* read_order_name(ReadOrder order) noexcept {
  switch (order) {
    case ReadOrder::kShift: return "next_node";
    case ReadOrder::kRandom: return "random";
    case ReadOrder::kOwn: break;
  }
  return "own";
}

std::vector<int> random_derangement(int n, std::uint64_t seed) {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  // Own generator arithmetic instead of std::uniform_int_distribution, whose
  // output is implementation-defined: the permutation must be the same on
  // every rank and every build.
  std::mt19937_64 gen(seed);
  for (int i = n - 1; i > 0; --i) {
    const auto j = static_cast<int>(gen() % static_cast<std::uint64_t>(i));  // j < i: Sattolo
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

std::vector<int> read_sources(int ranks, ReadOrder order, int shift, std::uint64_t seed) {
  std::vector<int> src(static_cast<std::size_t>(ranks));
  switch (order) {
    case ReadOrder::kOwn:
      std::iota(src.begin(), src.end(), 0);
      break;
    case ReadOrder::kShift:
      for (int r = 0; r < ranks; ++r) src[static_cast<std::size_t>(r)] = ((r + shift) % ranks + ranks) % ranks;
      break;
    case ReadOrder::kRandom:
      src = random_derangement(ranks, seed);
      break;
  }
  return src;
}

std::string data_file(const std::string& path, bool file_per_process, int data_rank) {
  if (!file_per_process) return path;
  return fmt::format("{}.{:08d}", path, data_rank);
}

}  // namespace pfsbench::ior_like
